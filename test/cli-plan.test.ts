/**
 * @module test/cli-plan
 * `emailcheck plan` as an operator runs it: `node bin/emailcheck.js plan ...` in a child
 * process for the printed plan, the JSON and the exit codes; the wider table of inputs goes
 * through the same argument parser and arithmetic in-process (each CLI start costs seconds).
 * Nothing here touches the network: a plan is arithmetic and printed commands.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planCapacity, planInputFromArgs, type Plan } from '../cli/plan.ts';
import { UsageError } from '../cli/usage.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'emailcheck.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Most tests here check the session arithmetic: they plan at one session per address and no
 * recipient limit (what the plan was before grouped sessions), so the session limits alone size it.
 * The grouped arithmetic has its own tests below.
 */
const ONE_SESSION_PER_ADDRESS = ['--sessions-per-address', '1', '--rcpt-per-address', '2', '--per-ip-rcpt-day', '0', '--per-ip-rcpt-minute', '0'];
const sessionsOnly = (args: string[]) => (args[0] === 'plan' && !args.includes('--help') ? [...args, ...ONE_SESSION_PER_ADDRESS] : args);

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...sessionsOnly(args)], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

/** The same path as the CLI from the arguments on, without starting a process. */
const plan = (args: string[], env: Record<string, string | undefined> = {}): Plan => planCapacity(planInputFromArgs([...args, ...ONE_SESSION_PER_ADDRESS], env).input);
/** A plan at the measured (default) cost per address and the machines' recipient limits. */
const groupedPlan = (args: string[], env: Record<string, string | undefined> = {}): Plan => planCapacity(planInputFromArgs(args, env).input);
const usageError = (args: string[], env: Record<string, string | undefined> = {}): string => {
  try {
    plan(args, env);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error(`no usage error for ${JSON.stringify(args)}`);
};
const allocations = (p: Plan) => p.commands.filter((c) => c.startsWith('fly ips allocate-egress'));
const scales = (p: Plan) => p.commands.filter((c) => c.startsWith('fly scale count'));

describe('emailcheck plan (the command)', () => {
  it('sizes 1,000,000 checks a month at 10,000 per IP per day with 0.8 headroom as 5 IPs, and shows the arithmetic', async () => {
    const r = await cli(['plan', '--per-month', '1,000,000', '--regions', 'fra']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // 1,000,000 / 30 = 33,333.33 a day; one IP may use 10,000 × 0.8 = 8,000; 33,333.33 / 8,000 = 4.17 → 5.
    expect(r.stdout).toMatch(/1,000,000 \/ 30 days\s+= 33,333\.33/);
    expect(r.stdout).toMatch(/min\(10,000\/day, 60\/min × 1,440 = 86,400\/day\)\s+= 10,000\s+\(the daily limit binds\)/);
    expect(r.stdout).toMatch(/10,000 × headroom 0\.8\s+= 8,000/);
    expect(r.stdout).toMatch(/ceil\(33,333\.33 \/ 8,000 = 4\.167\)\s+= 5/);
    expect(r.stdout).toMatch(/5 IPs × 1\s+= 5/);
    expect(r.stdout).toContain('fly ips allocate-egress --app emailcheck-machines --region fra --yes');
    expect(r.stdout).toContain('fly scale count 1 --app emailcheck-machines --region fra --process-group machine');
    expect(r.stdout).toContain('added suggested regions');
  });

  it('--json gives a program the same plan, with CONCURRENCY from the environment', async () => {
    const r = await cli(['plan', '--per-month', '1000000', '--per-ip-minute', '600', '--check-seconds', '10', '--json'], { CONCURRENCY: '25' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout) as Plan;
    expect(p.egressIps).toBe(5);
    // 600/min = 10 sessions/s; × 10 s per check = 100 in flight; / 25 per machine = 4.
    expect(p.machinesPerIp).toBe(4);
    expect(p.machines).toBe(20);
    expect(scales(p)).toHaveLength(5);
  });

  it.each([
    [[], /--per-month/],
    [['--per-month', 'lots'], /--per-month must be a whole number/],
    [['--per-month', '1000', '--headroom', '1.5'], /--headroom/],
    [['--per-month', '1000', '--regions', 'FRA'], /--regions/],
    [['--per-month', '1000', '--frobnicate'], /frobnicate/],
    [['--per-month', '1000', '--per-ip-day', '0', '--per-ip-minute', '0'], /both 0/],
  ])('plan %j exits 2 with one line', async (args, message) => {
    const r = await cli(['plan', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^emailcheck: /);
    expect(r.stderr).toMatch(message);
  });

  it('is listed by emailcheck help', async () => {
    const r = await cli(['help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('emailcheck plan --per-month N');
  });
});

describe('emailcheck plan: the arithmetic', () => {
  it.each([
    // perMonth, perIpDay, headroom
    [100_000, 10_000, 0.8],
    [1_000_000, 10_000, 0.8],
    [1_200_000, 10_000, 1], // exactly 4.0: no fifth IP for float noise
    [2_500_000, 10_000, 0.8],
    [9_000_000, 20_000, 0.5],
    [30, 10_000, 0.8], // one check a day still needs one IP
  ])('%i a month at %i per IP per day with headroom %d: the fewest IPs that cover the month', (perMonth, perIpDay, headroom) => {
    const p = plan(['--per-month', String(perMonth), '--per-ip-day', String(perIpDay), '--headroom', String(headroom)]);
    const perIpMonth = perIpDay * headroom * 30;
    expect(p.egressIps * perIpMonth).toBeGreaterThanOrEqual(perMonth);
    if (p.egressIps > 1) expect((p.egressIps - 1) * perIpMonth).toBeLessThan(perMonth);
    expect(p.monthlyCapacity).toBeGreaterThanOrEqual(perMonth);
    expect(allocations(p)).toHaveLength(p.egressIps);
    expect(scales(p)).toHaveLength(p.egressIps);
  });

  it('the per-minute limit binds when it allows less than the daily one', () => {
    // 5/min × 1,440 = 7,200/day < 10,000/day; usable 5,760; 33,333.33 / 5,760 = 5.79 → 6.
    const p = plan(['--per-month', '1000000', '--per-ip-minute', '5', '--per-ip-day', '10000']);
    expect(p.binding).toBe('per_ip_minute');
    expect(p.perIpDayLimit).toBe(7200);
    expect(p.egressIps).toBe(6);
    expect(plan(['--per-month', '1000000']).binding).toBe('per_ip_day');
  });

  it('a limit of 0 is no limit: the other one sizes the plan', () => {
    const noDaily = plan(['--per-month', '1000000', '--per-ip-day', '0', '--per-ip-minute', '10']);
    expect(noDaily.perIpDayLimit).toBe(14_400);
    const noMinute = plan(['--per-month', '1000000', '--per-ip-minute', '0']);
    expect(noMinute.perIpDayLimit).toBe(10_000);
    // Without a per-minute limit the daily budget spread over the day sets the pace: 10,000 / 86,400 s.
    expect(noMinute.peakPerIpPerSecond).toBeCloseTo(10_000 / 86_400, 9);
  });

  it('without flags the limits are the machines\' own: THROTTLE_IP_RATE and THROTTLE_IP_DAILY', () => {
    // 500/h = 8.33/min × 1,440 = 12,000/day; the daily 20,000 no longer binds. 12,000 × 0.8 = 9,600; 33,333.33 / 9,600 → 4.
    const p = plan(['--per-month', '1000000'], { THROTTLE_IP_RATE: '500/h', THROTTLE_IP_DAILY: '20000' });
    expect(p.binding).toBe('per_ip_minute');
    expect(p.perIpDayLimit).toBeCloseTo(12_000, 6);
    expect(p.egressIps).toBe(4);
    // A flag still wins over the environment.
    expect(plan(['--per-month', '1000000', '--per-ip-minute', '60'], { THROTTLE_IP_RATE: '500/h', THROTTLE_IP_DAILY: '20000' }).perIpDayLimit).toBe(20_000);
    expect(plan(['--per-month', '1000000'], { THROTTLE_IP_RATE: '0' }).input.perIpMinute).toBe(0);
  });

  it('says when a per-provider rate allows an IP less in a day than the per-IP limits', () => {
    const tight = plan(['--per-month', '1000000'], { THROTTLE_PROVIDER_RATES: 'gmail=5/min' });
    expect(tight.notes.join('\n')).toMatch(/gmail \(7,200\/day\)/);
    const loose = plan(['--per-month', '1000000'], { THROTTLE_PROVIDER_RATES: 'gmail=30/min' });
    expect(loose.notes.join('\n')).not.toMatch(/THROTTLE_PROVIDER_RATES/);
  });

  it('machines per IP keep up with the pace the throttle allows, or follow --machines-per-ip', () => {
    // 600/min = 10/s × 10 s = 100 in flight; / 5 = 20 machines behind each IP.
    const p = plan(['--per-month', '1000000', '--per-ip-minute', '600', '--check-seconds', '10', '--concurrency', '5']);
    expect(p.machinesPerIp).toBe(20);
    expect(p.machines).toBe(20 * p.egressIps);
    expect(scales(p).every((c) => c.startsWith('fly scale count 20 '))).toBe(true);
    expect(plan(['--per-month', '1000000']).machinesPerIp).toBe(1); // 1/s × 5 s = 5 in flight = one machine's CONCURRENCY
    const fixed = plan(['--per-month', '1000000', '--machines-per-ip', '3']);
    expect(fixed.machinesPerIp).toBe(3);
    expect(scales(fixed).every((c) => c.startsWith('fly scale count 3 '))).toBe(true);
  });

  it('one egress IP per region: given regions first, then suggested ones, and it says so', () => {
    const p = plan(['--per-month', '1000000', '--regions', 'iad,ord']);
    const regions = p.placements.map((x) => x.region);
    expect(regions).toHaveLength(5);
    expect(new Set(regions).size).toBe(5);
    expect(regions.slice(0, 2)).toEqual(['iad', 'ord']);
    expect(p.placements.map((x) => x.suggested)).toEqual([false, false, true, true, true]);
    for (const region of regions) {
      expect(allocations(p)).toContain(`fly ips allocate-egress --app emailcheck-machines --region ${region} --yes`);
      expect(scales(p)).toContain(`fly scale count ${p.machinesPerIp} --app emailcheck-machines --region ${region} --process-group machine`);
    }
    expect(p.notes.join('\n')).toContain(`added suggested regions ${regions.slice(2).join(', ')}`);
    expect(p.notes.join('\n')).toContain('primary_region in fly.toml to iad');
    // The egress IPs exist before the machines that are to use them start.
    expect(p.commands.findIndex((c) => c.startsWith('fly scale'))).toBeGreaterThan(p.commands.findLastIndex((c) => c.startsWith('fly ips allocate-egress')));
  });

  it('uses only as many of the given regions as it needs, and names the rest', () => {
    const p = plan(['--per-month', '100000', '--regions', 'fra,ams,cdg', '--app', 'acme-check']);
    expect(p.placements.map((x) => [x.app, x.region])).toEqual([['acme-check', 'fra']]);
    expect(p.notes.join('\n')).toContain('Not needed at this volume: ams, cdg');
  });

  it('past the list of regions, more IPs go to further apps, never two IPs in one app and region', () => {
    const p = plan(['--per-month', '100,000,000']);
    // 100,000,000 / 30 / 8,000 = 416.67 → 417 IPs.
    expect(p.egressIps).toBe(417);
    expect(new Set(p.placements.map((x) => `${x.app}/${x.region}`)).size).toBe(417);
    expect(p.apps[1]).toBe('emailcheck-machines-2');
    expect(p.commands).toContain('fly apps create emailcheck-machines-2');
    expect(allocations(p)).toHaveLength(417);
  });
});

describe('emailcheck plan: bad input', () => {
  it.each([
    [['--per-month', '0'], /--per-month must be from 1/],
    [['--per-month', '1,00,000'], /--per-month must be a whole number/],
    [['--per-month', '1e6'], /--per-month must be a whole number/],
    [['--per-month', '1000', '--headroom', '0'], /--headroom/],
    [['--per-month', '1000', '--headroom', 'most'], /--headroom/],
    [['--per-month', '1000', '--per-ip-day', '-5'], /--per-ip-day/],
    [['--per-month', '1000', '--regions', 'fra,fra'], /fra twice/],
    [['--per-month', '1000', '--machines-per-ip', '65'], /--machines-per-ip must be from 1 to 64/],
    [['--per-month', '1000', '--check-seconds', 'soon'], /--check-seconds/],
    [['--per-month', '1000', '--concurrency', '0'], /--concurrency/],
    [['--per-month', '1000', '--app', 'Bad_Name'], /--app/],
    [['--per-month', '1000', 'extra'], /extra/],
    // 10,000,000,000 / 30 / 8,000 = 41,667 IPs: more than a plan lays out.
    [['--per-month', '10,000,000,000'], /41,667 egress IPs/],
    // 1,000/min × 60 s per check = 1,000 in flight, one per machine: more than one Fly egress IP serves.
    [['--per-month', '1000000', '--per-ip-minute', '1000', '--check-seconds', '60', '--concurrency', '1'], /at most 64/],
  ])('plan %j is a usage error', (args, message) => {
    expect(usageError(args)).toMatch(message);
  });

  it('a bad CONCURRENCY or throttle setting in the environment is a usage error too', () => {
    expect(usageError(['--per-month', '1000'], { CONCURRENCY: 'many' })).toMatch(/CONCURRENCY/);
    expect(usageError(['--per-month', '1000'], { THROTTLE_IP_RATE: 'fast' })).toMatch(/THROTTLE_IP_RATE/);
  });
});

describe('emailcheck plan: sized by sessions and recipients per address', () => {
  it('by default an address costs what bench:budget measured, and the RCPT budget binds: 1,000,000 a month fit in 3 IPs instead of 5', () => {
    const p = groupedPlan(['--per-month', '1000000']);
    expect(p.input).toMatchObject({ sessionsPerAddress: 0.1, rcptPerAddress: 1.05, perIpRcptDay: 20_000, perIpRcptMinute: 120 });
    expect(p.oneSessionPerAddress.egressIps).toBe(5);
    expect(p.perIpRcptDayLimit).toBe(20_000);
    expect(p.addressBinding).toBe('recipients');
    expect(p.addressesPerIpDay).toBeCloseTo(20_000 / 1.05, 6);
    expect(p.egressIps).toBe(3);
    expect(p.monthlyCapacity).toBeGreaterThanOrEqual(1_000_000);
    expect(allocations(p)).toHaveLength(3);
  });

  it('at Reacher\'s cost (1 session, 2 RCPTs per address) the plan is the old one', () => {
    const p = groupedPlan(['--per-month', '1000000', '--sessions-per-address', '1', '--rcpt-per-address', '2']);
    expect(p.egressIps).toBe(p.oneSessionPerAddress.egressIps);
  });

  it('sessions bind when the session budget is the tighter one', () => {
    const p = groupedPlan(['--per-month', '1000000', '--per-ip-day', '1000', '--sessions-per-address', '0.2']);
    expect(p.addressBinding).toBe('sessions');
    expect(p.addressesPerIpDay).toBe(5000);
  });

  it('prints the old arithmetic and the new one', async () => {
    const r = await new Promise<Run>((done) =>
      execFile(process.execPath, [BIN, 'plan', '--per-month', '1,000,000', '--regions', 'fra'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, timeout: 30_000, encoding: 'utf8' }, (err, stdout, stderr) =>
        done({ code: err ? 1 : 0, stdout, stderr }),
      ),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Old arithmetic[^\n]*\n(.*\n){3}\s+egress IPs\s+ceil\(33,333\.33 \/ 8,000 = 4\.167\)\s+= 5/);
    expect(r.stdout).toMatch(/20,000 \/ 1\.05 RCPTs per address\s+= 19,047\.62/);
    expect(r.stdout).toMatch(/ceil\(33,333\.33 \/ 15,238\.1 = 2\.188\)\s+= 3/);
  });

  it('a per-address cost out of range is a usage error naming the flag', () => {
    expect(() => groupedPlan(['--per-month', '1000', '--rcpt-per-address', '0.5'])).toThrow(/--rcpt-per-address must be a number from 1 to 2/);
    expect(() => groupedPlan(['--per-month', '1000', '--sessions-per-address', '0'])).toThrow(/--sessions-per-address/);
  });
});
