/**
 * @module verify/providers
 * Per-provider rules (rules.json): matched by the address's domain, then by the
 * suffix of an MX host. Data, not if-chains in the SMTP client.
 */
import { z } from 'zod';
import rulesJson from './rules.json' with { type: 'json' };
import type { SessionCaps } from './types.ts';

const Caps = z.object({
  maxRecipients: z.number().int().min(2),
  maxRejected: z.number().int().min(1),
  pipelineChunk: z.number().int().min(1),
});

const ProviderRule = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string(),
  domains: z.array(z.string()),
  mxSuffixes: z.array(z.string()),
  catchAllProbe: z.boolean(),
  acceptsAll: z.boolean(),
  /** Grouped-session limits of this provider, over `sessionDefaults`. */
  session: Caps.partial().optional(),
});
export type ProviderRule = z.infer<typeof ProviderRule>;

const Rules = z.object({ sessionDefaults: Caps, providers: z.array(ProviderRule) }).parse(rulesJson);
export const PROVIDER_RULES: readonly ProviderRule[] = Rules.providers;

/** The caps of one grouped session to this provider (or to anyone else). */
export function sessionCaps(provider: ProviderRule | null): SessionCaps {
  return { ...Rules.sessionDefaults, ...provider?.session };
}

const byDomain = new Map<string, ProviderRule>();
for (const rule of PROVIDER_RULES) for (const d of rule.domains) byDomain.set(d, rule);

/** `mx.google.com` matches suffix `google.com`; `notgoogle.com` does not. */
/** host is suffix, or ends with "." + suffix (no string built: this runs for every rule of every check). */
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
