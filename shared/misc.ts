/**
 * @module misc
 * Disposable-domain, role-account and free-provider (B2C) flags, from maintained packages rather than hand lists.
 */
// CommonJS: the default import is module.exports, an array of every role prefix (lowercase).
import rolePrefixes from 'role-based-email-addresses';
import type { MiscResult } from './result.ts';

interface Lists {
  /** Exact disposable domains and wildcard ones; a subdomain of either counts too. */
  disposable: ReadonlySet<string>;
  freeProviders: ReadonlySet<string>;
  roles: ReadonlySet<string>;
}

let lists: Lists | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the lists (once; later calls resolve at once). The disposable list is ~120k names, 2.4 MB of
 * JSON: a process that never checks a well-formed address (`emailcheck help`, a bad-syntax check,
 * a machine before its first message) never pays for it. JSON imports with attributes: the standard
 * form, understood by Node, tsx, vitest, tsc and esbuild.
 */
export function loadMiscLists(): Promise<void> {
  loading ??= Promise.all([
    import('disposable-email-domains/index.json', { with: { type: 'json' } }),
    import('disposable-email-domains/wildcard.json', { with: { type: 'json' } }),
    import('email-providers/all.json', { with: { type: 'json' } }),
  ]).then(([disposableDomains, disposableWildcards, freeProviders]) => {
    lists = {
      disposable: new Set([...disposableDomains.default, ...disposableWildcards.default].map((d) => d.toLowerCase())),
      freeProviders: new Set(freeProviders.default.map((d) => d.toLowerCase())),
      roles: new Set((rolePrefixes as unknown[]).filter((r): r is string => typeof r === 'string').map((r) => r.toLowerCase())),
    };
  });
  return loading;
}

/** True once loadMiscLists has finished: callers on a hot path skip the await. */
export const miscListsLoaded = (): boolean => lists !== undefined;

function getLists(): Lists {
  if (!lists) throw new Error('the disposable/free-provider lists are not loaded: await loadMiscLists() first');
  return lists;
}

/** The domain itself and each parent with at least two labels: a.b.example.com → …, example.com. */
function* domainAndParents(domain: string): Generator<string> {
  let rest = domain;
  for (;;) {
    yield rest;
    const dot = rest.indexOf('.');
    if (dot < 0 || rest.indexOf('.', dot + 1) < 0) return;
    rest = rest.slice(dot + 1);
  }
}

export function isDisposableDomain(asciiDomain: string): boolean {
  const { disposable } = getLists();
  for (const d of domainAndParents(asciiDomain.toLowerCase().replace(/\.$/, ''))) if (disposable.has(d)) return true;
  return false;
}

/** A role local part (admin, info, postmaster, …), compared without case and without a +tag. */
export function isRoleAccount(username: string): boolean {
  const plus = username.indexOf('+');
  const base = (plus >= 0 ? username.slice(0, plus) : username).toLowerCase();
  return getLists().roles.has(base);
}

/** A free consumer mailbox provider (gmail.com, gmx.de, …), exact domain match. */
export function isFreeProvider(asciiDomain: string): boolean {
  return getLists().freeProviders.has(asciiDomain.toLowerCase().replace(/\.$/, ''));
}

/** The misc block of a result. Pure lookups: no I/O, so gravatar_url is always null (we never fetch). */
export function miscChecks(username: string, asciiDomain: string): MiscResult {
  const is_disposable = isDisposableDomain(asciiDomain);
  return {
    is_disposable,
    is_role_account: isRoleAccount(username),
    // email-providers lists some throwaway domains too; a disposable inbox is not a consumer mailbox.
    is_b2c: !is_disposable && isFreeProvider(asciiDomain),
    gravatar_url: null,
  };
}
