/**
 * @module cli/main
 * The `emailcheck` command: dispatches sub-commands, turns usage and input errors
 * into one line on stderr and exit code 2 (never a stack trace).
 */
import { runCheck } from './check.ts';
import { InputError } from './input.ts';
import { runDev } from './dev.ts';
import { runKeys } from './keys.ts';
import { runMachine } from './machine.ts';
import { runPlan } from './plan.ts';
import { USAGE, UsageError } from './usage.ts';

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (s: string) => void process.stdout.write(s);
  try {
    switch (command) {
      case 'check':
        return await runCheck(rest, { env: process.env, stdout: out, stderr: process.stderr });
      case 'machine':
        return await runMachine(rest);
      case 'plan':
        return runPlan(rest, { env: process.env, stdout: out });
      case 'keys':
        return await runKeys(rest, { env: process.env, stdout: out, stderr: (s) => void process.stderr.write(s) });
      case 'dev':
        return await runDev(rest);
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
