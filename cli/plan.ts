/**
 * @module cli/plan
 * `emailcheck plan --per-month N`: how many egress IPs and machines a monthly volume needs
 * under the per-IP throttles, with the arithmetic shown, and the Fly.io commands to get there.
 *
 * Fly facts this relies on (fly.io/docs/networking/egress-ips, fly.io/docs/flyctl/ips-allocate-egress,
 * fly.io/docs/flyctl/scale-count, fly.io/docs/apps/scale-count):
 * - `fly ips allocate-egress --app A --region R` gives app A a static egress IPv4+IPv6 pair in region R;
 *   app-scoped egress IPs are per (app, region), and a region with several of them hands each machine
 *   one at random, so one IP per region is the only mapping a machine can rely on;
 * - it asks for confirmation twice (the second time because the region has no machines yet, which is
 *   our order: IP first), so scripts pass `--yes`; a new IP takes 5-10 minutes to reach machines
 *   already running;
 * - one static egress IP serves at most 64 machines (32 during a blue-green deploy, which runs both sets);
 * - `fly scale count N --region R --process-group G` sets the machine count of one group in one region.
 */
import { parseArgs } from 'node:util';
import { ConfigError, machineEnv, readEnv, throttleEnv, type Rate } from '../shared/config.ts';
import { UsageError } from './usage.ts';

/** The month: a plan is a daily rate times 30. */
export const DAYS_PER_MONTH = 30;
/** Fly: "Each static egress IP can support up to 64 Machines". */
export const FLY_MACHINES_PER_EGRESS_IP = 64;
/** Fly regions to spread egress IPs over when the operator names too few, Europe and North America first. */
export const SUGGESTED_REGIONS = ['fra', 'ams', 'cdg', 'lhr', 'arn', 'iad', 'ewr', 'ord', 'dfw', 'lax', 'sjc', 'yyz', 'gru', 'nrt', 'sin', 'syd', 'bom', 'jnb'] as const;
/** More IPs than this is a different project (and pages of commands): the plan stops and says so. */
export const MAX_PLANNED_IPS = 1000;
/**
 * What an address costs with grouped sessions, as `npm run bench:budget` measures it on a
 * realistic B2B list (Zipf domains, 15% missing users, some catch-all domains): the
 * defaults of --sessions-per-address and --rcpt-per-address.
 */
export const MEASURED_SESSIONS_PER_ADDRESS = 0.1;
export const MEASURED_RCPT_PER_ADDRESS = 1.05;
/** The process group in fly.toml that runs `emailcheck machine`. */
export const MACHINE_PROCESS_GROUP = 'machine';

export interface PlanInput {
  perMonth: number;
  /** SMTP sessions per egress IP per day (THROTTLE_IP_DAILY); 0: no daily limit. */
  perIpDay: number;
  /** SMTP sessions per egress IP per minute (THROTTLE_IP_RATE); 0: no per-minute limit. */
  perIpMinute: number;
  /** RCPT commands per egress IP per day (THROTTLE_IP_RCPT_DAILY); 0: no daily recipient limit. */
  perIpRcptDay: number;
  /** RCPT commands per egress IP per minute (THROTTLE_IP_RCPT_RATE); 0: none. */
  perIpRcptMinute: number;
  /** SMTP sessions one address costs on average (grouped sessions: well under 1; Reacher: 1). */
  sessionsPerAddress: number;
  /** RCPT commands one address costs on average (grouped, catch-all known per domain: about 1; Reacher: 2). */
  rcptPerAddress: number;
  /** Per-provider rates per IP (THROTTLE_PROVIDER_RATES), for the note on whether one binds the day. */
  providerRates: Record<string, Rate>;
  /** Fraction of an IP's daily budget the plan counts on (the rest absorbs retries, greylisting, spikes). */
  headroom: number;
  /** Regions the operator wants, in order; more are suggested when more IPs are needed. */
  regions: string[];
  /** Checks in flight per machine (CONCURRENCY). */
  concurrency: number;
  /** Typical duration of one check with its SMTP session, in seconds. */
  checkSeconds: number;
  /** Machines behind each IP; computed when unset. */
  machinesPerIp?: number;
  app: string;
}

export interface Placement {
  app: string;
  region: string;
  /** True when the region was not among --regions. */
  suggested: boolean;
  machines: number;
}

export interface Plan {
  input: PlanInput;
  perDayNeeded: number;
  /** Sessions one IP may open in a day: the daily limit, or the per-minute limit times 1,440 when that is lower. */
  perIpDayLimit: number;
  binding: 'per_ip_day' | 'per_ip_minute';
  /** The old arithmetic (one session and two RCPTs per address, as Reacher spends): IPs it would take. */
  oneSessionPerAddress: { usablePerIpDay: number; egressIps: number };
  /** RCPT commands one IP may send in a day (0: no recipient limit). */
  perIpRcptDayLimit: number;
  /** Addresses one IP may check in a day at sessionsPerAddress and rcptPerAddress, and which limit binds. */
  addressesPerIpDay: number;
  addressBinding: 'sessions' | 'recipients';
  /** What the plan counts on per IP per day: addressesPerIpDay × headroom. */
  usablePerIpDay: number;
  egressIps: number;
  /** The fastest the throttles let one IP go, in SMTP sessions per second: what its machines must keep up with. */
  peakPerIpPerSecond: number;
  inFlightPerIp: number;
  machinesPerIp: number;
  machinesPerIpComputed: boolean;
  machines: number;
  monthlyCapacity: number;
  placements: Placement[];
  apps: string[];
  commands: string[];
  notes: string[];
}

const MINUTES_PER_DAY = 1440;
const SECONDS_PER_DAY = 86_400;

/** Numbers as an operator reads them: 1,000,000 and 33,333.33. */
const n = (x: number, digits = 2): string => x.toLocaleString('en-US', { maximumFractionDigits: digits });

/** Ceiling that does not turn 4.000000000001 (float noise) into 5. */
const ceil = (x: number): number => Math.ceil(x - 1e-9);

export function planCapacity(input: PlanInput): Plan {
  const { perMonth, perIpDay, perIpMinute, headroom, concurrency, checkSeconds } = input;
  if (perIpDay === 0 && perIpMinute === 0) throw new UsageError('--per-ip-day and --per-ip-minute are both 0 (no limit): there is nothing to size egress IPs by');
  const minuteAsDay = perIpMinute * MINUTES_PER_DAY;
  const binding = perIpDay === 0 || (perIpMinute > 0 && minuteAsDay < perIpDay) ? 'per_ip_minute' : 'per_ip_day';
  const perIpDayLimit = binding === 'per_ip_minute' ? minuteAsDay : perIpDay;
  const perDayNeeded = perMonth / DAYS_PER_MONTH;

  // Old: every address one session (and two RCPTs, which the session limits already bound at Reacher's pace).
  const oldUsable = perIpDayLimit * headroom;
  const oneSessionPerAddress = { usablePerIpDay: oldUsable, egressIps: Math.max(1, ceil(perDayNeeded / oldUsable)) };
  // New: what an address costs in sessions and in RCPTs, against both budgets.
  const rcptMinuteAsDay = input.perIpRcptMinute * MINUTES_PER_DAY;
  const rcptLimits = [input.perIpRcptDay, rcptMinuteAsDay].filter((x) => x > 0);
  const perIpRcptDayLimit = rcptLimits.length > 0 ? Math.min(...rcptLimits) : 0;
  const bySessions = perIpDayLimit / input.sessionsPerAddress;
  const byRecipients = perIpRcptDayLimit > 0 ? perIpRcptDayLimit / input.rcptPerAddress : Number.POSITIVE_INFINITY;
  const addressBinding = byRecipients < bySessions ? 'recipients' : 'sessions';
  const addressesPerIpDay = Math.min(bySessions, byRecipients);
  const usablePerIpDay = addressesPerIpDay * headroom;
  const egressIps = Math.max(1, ceil(perDayNeeded / usablePerIpDay));
  if (egressIps > MAX_PLANNED_IPS) {
    throw new UsageError(`${n(perDayNeeded)} checks a day at ${n(usablePerIpDay)} per IP need ${n(egressIps)} egress IPs; this plan lays out at most ${n(MAX_PLANNED_IPS)}`);
  }

  // Machines must keep up with the fastest pace the throttles allow, or they, not the IP, are the limit.
  const peakPerIpPerSecond = perIpMinute > 0 ? perIpMinute / 60 : perIpDay / SECONDS_PER_DAY;
  const inFlightPerIp = peakPerIpPerSecond * checkSeconds;
  const machinesPerIpComputed = input.machinesPerIp === undefined;
  const machinesPerIp = input.machinesPerIp ?? Math.max(1, ceil(inFlightPerIp / concurrency));
  if (machinesPerIp > FLY_MACHINES_PER_EGRESS_IP) {
    throw new UsageError(
      `${machinesPerIp} machines per egress IP are needed, but one Fly static egress IP serves at most ${FLY_MACHINES_PER_EGRESS_IP}: raise --concurrency (CONCURRENCY)`,
    );
  }

  // One IP per (app, region): regions as given, then suggested ones; past the region list, another app.
  const given = input.regions;
  const regionPool = [...given, ...SUGGESTED_REGIONS.filter((r) => !given.includes(r))];
  const placements: Placement[] = [];
  for (let i = 0; i < egressIps; i++) {
    const appIndex = Math.floor(i / regionPool.length);
    const region = regionPool[i % regionPool.length]!;
    placements.push({ app: appIndex === 0 ? input.app : `${input.app}-${appIndex + 1}`, region, suggested: !given.includes(region), machines: machinesPerIp });
  }
  const apps = [...new Set(placements.map((p) => p.app))];

  const commands: string[] = [];
  for (const app of apps.slice(1)) commands.push(`fly apps create ${app}`, `fly deploy --app ${app} --ha=false   # same fly.toml, then the same secrets as ${input.app}`);
  for (const p of placements) commands.push(`fly ips allocate-egress --app ${p.app} --region ${p.region} --yes`);
  for (const p of placements) commands.push(`fly scale count ${p.machines} --app ${p.app} --region ${p.region} --process-group ${MACHINE_PROCESS_GROUP}`);
  commands.push(...apps.map((app) => `fly ips list --app ${app}`));

  const notes: string[] = [];
  const suggested = placements.filter((p) => p.suggested).map((p) => p.region);
  const suggestedUnique = [...new Set(suggested)];
  if (suggestedUnique.length > 0) {
    notes.push(
      given.length === 0
        ? `No --regions given: ${egressIps} IP${egressIps === 1 ? '' : 's'} placed in suggested regions ${suggestedUnique.join(', ')}.`
        : `${egressIps} IPs need ${Math.min(egressIps, regionPool.length)} regions and ${given.length} ${given.length === 1 ? 'was' : 'were'} given: added suggested regions ${suggestedUnique.join(', ')}.`,
    );
  }
  const unused = given.filter((r) => !placements.some((p) => p.region === r));
  if (unused.length > 0) notes.push(`Not needed at this volume: ${unused.join(', ')} (each region costs one egress IP).`);
  if (apps.length > 1) {
    notes.push(`${egressIps} IPs are more than ${regionPool.length} regions: each further app (${apps.slice(1).join(', ')}) gets its own egress IP per region, since a region with two IPs in one app hands them out at random.`);
  }
  if (machinesPerIpComputed && machinesPerIp === 1) notes.push('One machine per IP leaves that IP idle while its machine restarts or deploys: --machines-per-ip 2 buys redundancy, not speed.');
  notes.push(`Set primary_region in fly.toml to ${placements[0]!.region}: fly deploy creates machines there.`);
  notes.push('Allocate the egress IPs before scaling up: a machine learns its IP when it starts (EGRESS_IP, or /v1/whoami on the edge).');
  // A list that is all one provider can go no faster than that provider's rate on each IP.
  const perDayOf = (r: Rate) => (r.limit * SECONDS_PER_DAY * 1000) / r.periodMs;
  const tight = Object.entries(input.providerRates)
    .filter(([, r]) => perDayOf(r) < perIpDayLimit)
    .map(([name, r]) => `${name} (${n(perDayOf(r))}/day)`);
  if (tight.length > 0) {
    notes.push(`THROTTLE_PROVIDER_RATES allow less than ${n(perIpDayLimit)}/day per IP for ${tight.join(', ')}: a list mostly at one of them needs more IPs; plan it with --per-ip-day set to that figure.`);
  }

  return {
    input,
    perDayNeeded,
    perIpDayLimit,
    binding,
    oneSessionPerAddress,
    perIpRcptDayLimit,
    addressesPerIpDay,
    addressBinding,
    usablePerIpDay,
    egressIps,
    peakPerIpPerSecond,
    inFlightPerIp,
    machinesPerIp,
    machinesPerIpComputed,
    machines: egressIps * machinesPerIp,
    monthlyCapacity: Math.floor(egressIps * usablePerIpDay * DAYS_PER_MONTH),
    placements,
    apps,
    commands,
    notes,
  };
}


export function renderPlan(p: Plan): string {
  const i = p.input;
  const rows: Array<[string, string, string]> = [];
  rows.push(['checks per day', `${n(i.perMonth)} / ${DAYS_PER_MONTH} days`, n(p.perDayNeeded)]);
  const dayPart = i.perIpDay > 0 ? `${n(i.perIpDay)}/day` : 'no daily limit';
  const minutePart = i.perIpMinute > 0 ? `${n(i.perIpMinute)}/min × ${n(MINUTES_PER_DAY)} = ${n(i.perIpMinute * MINUTES_PER_DAY)}/day` : 'no per-minute limit';
  rows.push(['one IP per day', `min(${dayPart}, ${minutePart})`, `${n(p.perIpDayLimit)}  (the ${p.binding === 'per_ip_day' ? 'daily' : 'per-minute'} limit binds)`]);
  rows.push(['usable per IP per day', `${n(p.perIpDayLimit)} × headroom ${n(i.headroom)}`, n(p.oneSessionPerAddress.usablePerIpDay)]);
  rows.push(['egress IPs', `ceil(${n(p.perDayNeeded)} / ${n(p.oneSessionPerAddress.usablePerIpDay)} = ${n(p.perDayNeeded / p.oneSessionPerAddress.usablePerIpDay, 3)})`, String(p.oneSessionPerAddress.egressIps)]);

  const grouped: Array<[string, string, string]> = [];
  const rcptDayPart = i.perIpRcptDay > 0 ? `${n(i.perIpRcptDay)}/day` : 'no daily limit';
  const rcptMinutePart = i.perIpRcptMinute > 0 ? `${n(i.perIpRcptMinute)}/min × ${n(MINUTES_PER_DAY)} = ${n(i.perIpRcptMinute * MINUTES_PER_DAY)}/day` : 'no per-minute limit';
  grouped.push(['RCPTs per IP per day', `min(${rcptDayPart}, ${rcptMinutePart})`, p.perIpRcptDayLimit > 0 ? n(p.perIpRcptDayLimit) : 'no limit']);
  grouped.push(['addresses by sessions', `${n(p.perIpDayLimit)} / ${n(i.sessionsPerAddress, 3)} sessions per address`, n(p.perIpDayLimit / i.sessionsPerAddress)]);
  if (p.perIpRcptDayLimit > 0) grouped.push(['addresses by RCPTs', `${n(p.perIpRcptDayLimit)} / ${n(i.rcptPerAddress, 3)} RCPTs per address`, n(p.perIpRcptDayLimit / i.rcptPerAddress)]);
  grouped.push(['one IP per day', `the lower (${p.addressBinding} bind)`, n(p.addressesPerIpDay)]);
  grouped.push(['usable per IP per day', `${n(p.addressesPerIpDay)} × headroom ${n(i.headroom)}`, n(p.usablePerIpDay)]);
  grouped.push(['egress IPs', `ceil(${n(p.perDayNeeded)} / ${n(p.usablePerIpDay)} = ${n(p.perDayNeeded / p.usablePerIpDay, 3)})`, String(p.egressIps)]);
  rows.push([
    'peak pace per IP',
    i.perIpMinute > 0 ? `${n(i.perIpMinute)}/min / 60` : `${n(i.perIpDay)}/day / ${n(SECONDS_PER_DAY)} s`,
    `${n(p.peakPerIpPerSecond, 3)}/s`,
  ]);
  rows.push(['in flight per IP', `${n(p.peakPerIpPerSecond, 3)}/s × ${n(i.checkSeconds)} s per check`, n(p.inFlightPerIp, 2)]);
  rows.push([
    'machines per IP',
    p.machinesPerIpComputed ? `max(1, ceil(${n(p.inFlightPerIp, 2)} / CONCURRENCY ${i.concurrency}))` : '--machines-per-ip',
    String(p.machinesPerIp),
  ]);
  rows.push(['machines', `${p.egressIps} IPs × ${p.machinesPerIp}`, String(p.machines)]);
  rows.push(['capacity per month', `${p.egressIps} × ${n(p.usablePerIpDay)} × ${DAYS_PER_MONTH}`, n(p.monthlyCapacity)]);

  const all = [...rows, ...grouped];
  const w0 = Math.max(...all.map((r) => r[0].length));
  const w1 = Math.max(...all.map((r) => r[1].length));
  const lines = [`emailcheck plan: ${n(i.perMonth)} checks a month`, '', 'Old arithmetic (every check one SMTP session and two RCPTs, as Reacher spends):'];
  for (const [what, how, result] of rows.slice(0, 4)) lines.push(`  ${what.padEnd(w0)}  ${how.padEnd(w1)}  = ${result}`);
  lines.push('', `Arithmetic with grouped sessions (${n(i.sessionsPerAddress, 3)} sessions and ${n(i.rcptPerAddress, 3)} RCPTs per address; this plan uses it):`);
  for (const [what, how, result] of grouped) lines.push(`  ${what.padEnd(w0)}  ${how.padEnd(w1)}  = ${result}`);
  lines.push('', 'Machines:');
  for (const [what, how, result] of rows.slice(4)) lines.push(`  ${what.padEnd(w0)}  ${how.padEnd(w1)}  = ${result}`);
  lines.push('', `Placement (one static egress IP per region${p.apps.length > 1 ? ' and app' : ''}):`);
  for (const pl of p.placements) lines.push(`  ${pl.app.padEnd(Math.max(...p.apps.map((a) => a.length)))}  ${pl.region}  ${pl.machines} machine${pl.machines === 1 ? '' : 's'}${pl.suggested ? '  (suggested region)' : ''}`);
  lines.push('', 'Fly.io commands:');
  for (const c of p.commands) lines.push(`  ${c}`);
  lines.push('', 'Notes:');
  for (const note of p.notes) lines.push(`  - ${note}`);
  return `${lines.join('\n')}\n`;
}

function parsePlanArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        'per-month': { type: 'string' },
        'per-ip-day': { type: 'string' },
        'per-ip-minute': { type: 'string' },
        'per-ip-rcpt-day': { type: 'string' },
        'per-ip-rcpt-minute': { type: 'string' },
        'sessions-per-address': { type: 'string' },
        'rcpt-per-address': { type: 'string' },
        headroom: { type: 'string' },
        regions: { type: 'string' },
        'machines-per-ip': { type: 'string' },
        concurrency: { type: 'string' },
        'check-seconds': { type: 'string' },
        app: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
}

/** A whole number, with optional `,` or `_` thousands separators ("1,000,000"). */
/** A configured rate as events per minute; 0 when it is off. */
const perMinute = (rate: Rate | null): number => (rate ? (rate.limit * 60_000) / rate.periodMs : 0);

function wholeNumber(flag: string, raw: string, min: number, max: number): number {
  const s = raw.trim();
  if (!/^\d{1,3}(?:([,_])\d{3}(?:\1\d{3})*)?$|^\d+$/.test(s)) throw new UsageError(`${flag} must be a whole number, got "${raw}"`);
  const v = Number(s.replace(/[,_]/g, ''));
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new UsageError(`${flag} must be from ${n(min)} to ${n(max)}, got "${raw}"`);
  return v;
}

function decimal(flag: string, raw: string, test: (v: number) => boolean, expected: string): number {
  const s = raw.trim();
  const v = /^\d+(?:\.\d+)?$|^\.\d+$/.test(s) ? Number(s) : Number.NaN;
  if (!Number.isFinite(v) || !test(v)) throw new UsageError(`${flag} must be ${expected}, got "${raw}"`);
  return v;
}

export function planInputFromArgs(argv: string[], env: Record<string, string | undefined>): { input: PlanInput; json: boolean } {
  const { values } = parsePlanArgs(argv);
  if (values['per-month'] === undefined) throw new UsageError('plan needs --per-month N (checks a month)');
  // Defaults come from the same env table the machines read, so a plan matches their limits.
  let defaults;
  try {
    defaults = readEnv(
      {
        CONCURRENCY: machineEnv.CONCURRENCY,
        THROTTLE_IP_RATE: throttleEnv.THROTTLE_IP_RATE,
        THROTTLE_IP_DAILY: throttleEnv.THROTTLE_IP_DAILY,
        THROTTLE_PROVIDER_RATES: throttleEnv.THROTTLE_PROVIDER_RATES,
        THROTTLE_IP_RCPT_RATE: throttleEnv.THROTTLE_IP_RCPT_RATE,
        THROTTLE_IP_RCPT_DAILY: throttleEnv.THROTTLE_IP_RCPT_DAILY,
      },
      env,
    );
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const regions = (values.regions ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of regions) if (!/^[a-z]{3}$/.test(r)) throw new UsageError(`--regions takes Fly region codes such as fra,iad (three lowercase letters), got "${r}"`);
  const dup = regions.find((r, idx) => regions.indexOf(r) !== idx);
  if (dup) throw new UsageError(`--regions names ${dup} twice: a region holds one egress IP`);
  if (values.app !== undefined && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(values.app)) throw new UsageError(`--app must be a Fly app name (lowercase letters, digits, dashes), got "${values.app}"`);

  const input: PlanInput = {
    perMonth: wholeNumber('--per-month', values['per-month'], 1, 1e13),
    perIpDay: values['per-ip-day'] === undefined ? defaults.THROTTLE_IP_DAILY : wholeNumber('--per-ip-day', values['per-ip-day'], 0, 1e9),
    perIpMinute: values['per-ip-minute'] !== undefined ? wholeNumber('--per-ip-minute', values['per-ip-minute'], 0, 1e7) : perMinute(defaults.THROTTLE_IP_RATE),
    perIpRcptDay: values['per-ip-rcpt-day'] === undefined ? defaults.THROTTLE_IP_RCPT_DAILY : wholeNumber('--per-ip-rcpt-day', values['per-ip-rcpt-day'], 0, 1e9),
    perIpRcptMinute:
      values['per-ip-rcpt-minute'] !== undefined ? wholeNumber('--per-ip-rcpt-minute', values['per-ip-rcpt-minute'], 0, 1e7) : perMinute(defaults.THROTTLE_IP_RCPT_RATE),
    sessionsPerAddress:
      values['sessions-per-address'] === undefined ? MEASURED_SESSIONS_PER_ADDRESS : decimal('--sessions-per-address', values['sessions-per-address'], (v) => v > 0 && v <= 1, 'a number above 0 and at most 1 (e.g. 0.1)'),
    rcptPerAddress:
      values['rcpt-per-address'] === undefined ? MEASURED_RCPT_PER_ADDRESS : decimal('--rcpt-per-address', values['rcpt-per-address'], (v) => v >= 1 && v <= 2, 'a number from 1 to 2 (e.g. 1.05)'),
    providerRates: defaults.THROTTLE_PROVIDER_RATES,
    headroom: values.headroom === undefined ? 0.8 : decimal('--headroom', values.headroom, (v) => v > 0 && v <= 1, 'a fraction above 0 and at most 1 (e.g. 0.8)'),
    regions,
    concurrency: values.concurrency === undefined ? defaults.CONCURRENCY : wholeNumber('--concurrency', values.concurrency, 1, 1000),
    checkSeconds: values['check-seconds'] === undefined ? 5 : decimal('--check-seconds', values['check-seconds'], (v) => v > 0 && v <= 600, 'seconds above 0 and at most 600'),
    machinesPerIp: values['machines-per-ip'] === undefined ? undefined : wholeNumber('--machines-per-ip', values['machines-per-ip'], 1, FLY_MACHINES_PER_EGRESS_IP),
    app: values.app ?? 'emailcheck-machines',
  };
  return { input, json: values.json ?? false };
}

export function runPlan(argv: string[], io: { env: Record<string, string | undefined>; stdout: (s: string) => void }): number {
  const { input, json } = planInputFromArgs(argv, io.env);
  const plan = planCapacity(input);
  io.stdout(json ? `${JSON.stringify(plan)}\n` : renderPlan(plan));
  return 0;
}
