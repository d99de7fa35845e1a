/**
 * @module cli/main
 * The `emailcheck` command: dispatches sub-commands, turns usage and input errors
 * into one line on stderr and exit code 2 (never a stack trace). Sub-commands load
 * lazily: `help` or `plan` should not pay for the verifier, NATS and Postgres modules.
 */
import { InputError } from './input.ts';
import { USAGE, UsageError } from './usage.ts';

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (s: string) => void process.stdout.write(s);
  try {
    switch (command) {
      case 'check':
        return await (await import('./check.ts')).runCheck(rest, { env: process.env, stdout: out, stderr: process.stderr });
      case 'machine':
        return await (await import('./machine.ts')).runMachine(rest);
      case 'plan':
        return (await import('./plan.ts')).runPlan(rest, { env: process.env, stdout: out });
      case 'keys':
        return await (await import('./keys.ts')).runKeys(rest, { env: process.env, stdout: out, stderr: (s) => void process.stderr.write(s) });
      case 'dev':
        return await (await import('./dev.ts')).runDev(rest);
      case 'help':
      case '--help':
      case '-h':
        out(`${USAGE}\n`);
        return 0;
      case undefined:
        throw new UsageError('missing command (try "emailcheck help")');
      default:
        throw new UsageError(`unknown command "${command}" (try "emailcheck help")`);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof InputError) {
      process.stderr.write(`emailcheck: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`emailcheck: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}
