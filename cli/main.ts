/**
 * @module cli/main
 * The `emailcheck` command: dispatches sub-commands, turns usage and input errors
 * into one line on stderr and exit code 2 (never a stack trace). Sub-commands load
 * lazily: `help`, `--help` or `plan` should not pay for the verifier, NATS and Postgres modules.
 */
import { InputError } from './input.ts';
import { COMMAND_USAGE, isCommandName, USAGE, UsageError, wantsHelp, type CommandName } from './usage.ts';

type Out = (s: string) => void;

/** Each sub-command's runner; its usage is in usage.ts under the same name. */
const COMMANDS: Record<CommandName, (argv: string[], out: Out) => Promise<number>> = {
  check: async (argv, out) => (await import('./check.ts')).runCheck(argv, { env: process.env, stdout: out, stderr: process.stderr }),
  machine: async (argv) => (await import('./machine.ts')).runMachine(argv),
  plan: async (argv, out) => (await import('./plan.ts')).runPlan(argv, { env: process.env, stdout: out }),
  keys: async (argv, out) => (await import('./keys.ts')).runKeys(argv, { env: process.env, stdout: out, stderr: (s) => void process.stderr.write(s) }),
  dev: async (argv) => (await import('./dev.ts')).runDev(argv),
  doctor: async (argv, out) => (await import('./doctor.ts')).runDoctor(argv, { env: process.env, stdout: out }),
  help: async (argv, out) => {
    const [topic, ...extra] = argv;
    if (extra.length > 0) throw new UsageError(`"help" takes at most one command, got "${extra[0]}"`);
    if (topic !== undefined && !isCommandName(topic)) throw new UsageError(`unknown command "${topic}" (try "emailcheck help")`);
    out(`${topic === undefined ? USAGE : COMMAND_USAGE[topic]}\n`);
    return 0;
  },
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out: Out = (s) => void process.stdout.write(s);
  try {
    if (command === undefined) throw new UsageError('missing command (try "emailcheck help")');
    if (command === '--help' || command === '-h') return await COMMANDS.help([], out);
    if (!isCommandName(command)) throw new UsageError(`unknown command "${command}" (try "emailcheck help")`);
    if (wantsHelp(rest)) {
      out(`${COMMAND_USAGE[command]}\n`);
      return 0;
    }
    return await COMMANDS[command](rest, out);
  } catch (err) {
    if (err instanceof UsageError || err instanceof InputError) {
      process.stderr.write(`emailcheck: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`emailcheck: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}
