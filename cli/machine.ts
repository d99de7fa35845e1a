/**
 * @module cli/machine
 * `emailcheck machine`: runs one machine process until SIGTERM/SIGINT, then drains
 * and exits 0. Settings come from the environment (README tables).
 */
import { ConfigError, machineEnv, readEnv, throttleEnv } from '../shared/config.ts';
import { startMachine } from '../machines/src/machine.ts';
import { verifyOptionsFromEnv } from '../machines/src/verify/index.ts';
import { UsageError } from './usage.ts';

export async function runMachine(argv: string[]): Promise<number> {
  if (argv.length > 0) throw new UsageError(`"machine" takes no arguments (settings come from the environment), got "${argv[0]}"`);
  let machine, verify, throttle;
  try {
    machine = readEnv(machineEnv, process.env);
    verify = verifyOptionsFromEnv(process.env);
    throttle = readEnv(throttleEnv, process.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const running = await startMachine({ machine, verify, throttle }).catch((err: unknown) => {
    // e.g. no way to learn the egress IP: a one-line config error, exit 2.
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  });
  await new Promise<void>((resolve) => {
    const onSignal = () => resolve();
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await running.stop();
  return 0;
}
