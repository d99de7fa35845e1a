/**
 * @module verify/providers
 * Per-provider rules (rules.json): matched by the address's domain, then by the
 * suffix of an MX host. Data, not if-chains in the SMTP client.
 */
import rulesJson from './rules.json' with { type: 'json' };
import type { SessionCaps } from './types.ts';

export interface ProviderRule {
  /** Lowercase letters, digits and dashes: throttles key on it. */
  id: string;
  name: string;
  domains: string[];
  mxSuffixes: string[];
  catchAllProbe: boolean;
  acceptsAll: boolean;
  /** Grouped-session limits of this provider, over `sessionDefaults`. */
  session?: Partial<SessionCaps>;
}

export interface ProviderRules {
  sessionDefaults: SessionCaps;
  providers: ProviderRule[];
}

/** Checks the shape of rules.json (by hand: a validator library here would load on every CLI start). Throws naming the bad field. */
export function parseRules(raw: unknown): ProviderRules {
  const fail = (where: string, want: string): never => {
    throw new Error(`rules.json: ${where} must be ${want}`);
  };
  const obj = (v: unknown, where: string): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(where, 'an object'));
  const int = (v: unknown, min: number, where: string): number => (Number.isInteger(v) && (v as number) >= min ? (v as number) : fail(where, `an integer >= ${min}`));
  const str = (v: unknown, where: string): string => (typeof v === 'string' ? v : fail(where, 'a string'));
  const bool = (v: unknown, where: string): boolean => (typeof v === 'boolean' ? v : fail(where, 'true or false'));
  const strings = (v: unknown, where: string): string[] => (Array.isArray(v) ? v.map((x, i) => str(x, `${where}[${i}]`)) : fail(where, 'a list of strings'));
  const MIN: Record<keyof SessionCaps, number> = { maxRecipients: 2, maxRejected: 1, pipelineChunk: 1 };
  const caps = (v: unknown, where: string, partial: boolean): Partial<SessionCaps> => {
    const o = obj(v, where);
    const out: Partial<SessionCaps> = {};
    for (const key of Object.keys(MIN) as (keyof SessionCaps)[]) {
      if (o[key] === undefined && partial) continue;
      out[key] = int(o[key], MIN[key], `${where}.${key}`);
    }
    return out;
  };
  const root = obj(raw, 'the file');
  const list = Array.isArray(root.providers) ? root.providers : fail('providers', 'a list');
  return {
    sessionDefaults: caps(root.sessionDefaults, 'sessionDefaults', false) as SessionCaps,
    providers: list.map((p, i): ProviderRule => {
      const where = `providers[${i}]`;
      const o = obj(p, where);
      const id = str(o.id, `${where}.id`);
      if (!/^[a-z0-9-]+$/.test(id)) fail(`${where}.id`, 'lowercase letters, digits and dashes');
      const rule: ProviderRule = {
        id,
        name: str(o.name, `${where}.name`),
        domains: strings(o.domains, `${where}.domains`),
        mxSuffixes: strings(o.mxSuffixes, `${where}.mxSuffixes`),
        catchAllProbe: bool(o.catchAllProbe, `${where}.catchAllProbe`),
        acceptsAll: bool(o.acceptsAll, `${where}.acceptsAll`),
      };
      if (o.session !== undefined) rule.session = caps(o.session, `${where}.session`, true);
      return rule;
    }),
  };
}

const Rules = parseRules(rulesJson);
export const PROVIDER_RULES: readonly ProviderRule[] = Rules.providers;

/** The caps of one grouped session to this provider (or to anyone else). */
export function sessionCaps(provider: ProviderRule | null): SessionCaps {
  return { ...Rules.sessionDefaults, ...provider?.session };
}

const byDomain = new Map<string, ProviderRule>();
for (const rule of PROVIDER_RULES) for (const d of rule.domains) byDomain.set(d, rule);

/** `mx.google.com` matches suffix `google.com`, `notgoogle.com` does not (no string built: this runs for every rule of every check). */
function hasSuffix(host: string, suffix: string): boolean {
  return host.endsWith(suffix) && (host.length === suffix.length || host.charCodeAt(host.length - suffix.length - 1) === 0x2e);
}

export function providerForDomain(asciiDomain: string): ProviderRule | null {
  return byDomain.get(asciiDomain.toLowerCase()) ?? null;
}

/** MX hosts seen, and their provider: a list's domains share a few MX hosts, the rules do not change. */
const byMxHost = new Map<string, ProviderRule | null>();
const MX_MEMO_MAX = 10_000;

export function providerForMx(mxHost: string): ProviderRule | null {
  const known = byMxHost.get(mxHost);
  if (known !== undefined) return known;
  const rule = matchMx(mxHost);
  if (byMxHost.size >= MX_MEMO_MAX) byMxHost.clear();
  byMxHost.set(mxHost, rule);
  return rule;
}

function matchMx(mxHost: string): ProviderRule | null {
  const host = mxHost.toLowerCase().replace(/\.$/, '');
  let best: { rule: ProviderRule; len: number } | null = null;
  for (const rule of PROVIDER_RULES) {
    for (const suffix of rule.mxSuffixes) {
      // Longest suffix wins: mail.protection.outlook.com (365) over a shorter outlook.com rule.
      if (hasSuffix(host, suffix) && (!best || suffix.length > best.len)) best = { rule, len: suffix.length };
    }
  }
  return best?.rule ?? null;
}

/** The provider of an address: by its domain, else by its first MX host. */
export function resolveProvider(asciiDomain: string, mxHosts: readonly string[]): ProviderRule | null {
  const direct = providerForDomain(asciiDomain);
  if (direct) return direct;
  for (const host of mxHosts) {
    const rule = providerForMx(host);
    if (rule) return rule;
  }
  return null;
}
