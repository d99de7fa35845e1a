/**
 * @module typo
 * "Did you mean …?" for the domain of an address: misspelt big providers (gmial.com → gmail.com)
 * and TLDs that do not exist but are one slip away from a real one (.con → .com).
 */

/**
 * Domains people type most. Order is popularity: it breaks ties between equally close candidates.
 * Real sibling domains (ymail.com, email.com, gmx.at, hotmail.co.uk, …) are listed so that
 * they are recognised as exact and never "corrected" into their neighbour.
 */
export const COMMON_DOMAINS: readonly string[] = [
  'gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'icloud.com', 'aol.com',
  'live.com', 'msn.com', 'me.com', 'mac.com', 'ymail.com', 'rocketmail.com',
  'yahoo.co.uk', 'yahoo.co.in', 'yahoo.co.jp', 'yahoo.com.br', 'yahoo.fr', 'yahoo.de', 'yahoo.es', 'yahoo.it', 'yahoo.ca',
  'hotmail.co.uk', 'hotmail.fr', 'hotmail.de', 'hotmail.it', 'hotmail.es',
  'live.co.uk', 'live.fr', 'live.de', 'live.nl', 'live.ca', 'live.it',
  'outlook.fr', 'outlook.de', 'outlook.es', 'outlook.it',
  'gmx.de', 'gmx.net', 'gmx.com', 'gmx.at', 'gmx.ch', 'web.de', 't-online.de', 'freenet.de',
  'yandex.ru', 'yandex.com', 'ya.ru', 'mail.ru', 'bk.ru', 'inbox.ru', 'list.ru', 'rambler.ru',
  'protonmail.com', 'protonmail.ch', 'proton.me', 'pm.me', 'tutanota.com', 'zoho.com', 'fastmail.com',
  'mail.com', 'email.com',
  'comcast.net', 'verizon.net', 'att.net', 'sbcglobal.net', 'bellsouth.net', 'cox.net', 'charter.net',
  'orange.fr', 'wanadoo.fr', 'free.fr', 'sfr.fr', 'laposte.net',
  'libero.it', 'virgilio.it', 'btinternet.com', 'sky.com', 'virginmedia.com', 'ntlworld.com',
  'shaw.ca', 'rogers.com', 'bigpond.com', 'optusnet.com.au', 'uol.com.br', 'bol.com.br', 'terra.com.br',
  'qq.com', '163.com', '126.com', 'sina.com', 'naver.com', 'hanmail.net', 'daum.net', 'rediffmail.com',
];
const COMMON_SET: ReadonlySet<string> = new Set(COMMON_DOMAINS);

/** Misspelt TLDs that are not delegated TLDs themselves (so fixing them cannot hide a real domain). */
const TLD_TYPOS: Readonly<Record<string, string>> = {
  con: 'com', cmo: 'com', ocm: 'com', comm: 'com', coom: 'com', ccom: 'com', vom: 'com', xom: 'com',
  cpm: 'com', cim: 'com', clm: 'com', comn: 'com', colm: 'com',
  nte: 'net', nett: 'net', ner: 'net', ney: 'net', bet: 'net',
  orgg: 'org', ogr: 'org', rog: 'org', prg: 'org',
};

/** Two-label public suffixes, so that yahoo.co.uk splits into yahoo + co.uk. */
const SECOND_LEVEL = new Set([
  'co.uk', 'org.uk', 'ac.uk', 'co.jp', 'ne.jp', 'or.jp', 'co.in', 'co.nz', 'co.za', 'co.kr',
  'com.au', 'net.au', 'com.br', 'com.cn', 'com.tw', 'com.mx', 'com.ar', 'com.tr', 'com.sg', 'com.hk',
]);

/** Longest domain we bother to compare: typos of the listed domains are short. */
const MAX_COMPARED_LENGTH = 64;

/** Splits a domain into the name typed before the public suffix and that suffix. */
function splitDomain(domain: string): { name: string; tld: string } {
  const labels = domain.split('.');
  if (labels.length >= 3 && SECOND_LEVEL.has(labels.slice(-2).join('.'))) {
    return { name: labels.slice(0, -2).join('.'), tld: labels.slice(-2).join('.') };
  }
  if (labels.length < 2) return { name: '', tld: domain };
  return { name: labels.slice(0, -1).join('.'), tld: labels[labels.length - 1] ?? '' };
}

/**
 * Optimal string alignment distance (Damerau–Levenshtein restricted: adjacent transpositions count
 * as one edit, no substring edited twice). O(|a|·|b|) time, O(|b|) memory.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

/** How many edits a misspelt provider name may contain: none for short names (mi.com is not me.com). */
function nameThreshold(providerName: string): number {
  if (providerName.length <= 4) return 0;
  if (providerName.length <= 6) return 1;
  return 2;
}

/** The listed domains, split once. */
const CANDIDATES = COMMON_DOMAINS.map((domain) => ({
  domain,
  ...splitDomain(domain),
  undotted: domain.replaceAll('.', ''),
}));

/** The closest listed domain, or null when nothing is close enough to be a plausible typo. */
function closestCommonDomain(domain: string): string | null {
  const { name, tld } = splitDomain(domain);
  const undotted = domain.replaceAll('.', '');
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of CANDIDATES) {
    let distance = Infinity;
    if (undotted === c.undotted) {
      distance = 1; // a dot missing or misplaced: gmailcom, yahoo.couk
    } else if (name === c.name) {
      const d = Math.abs(tld.length - c.tld.length) <= 1 ? editDistance(tld, c.tld) : Infinity;
      if (d <= 1) distance = d; // gmail.co, icloud.cm; gmx.at vs gmx.de (2) stays apart
    } else if (tld === c.tld && name.length > 0) {
      const threshold = nameThreshold(c.name);
      // Cheap bound first: the length difference alone is a lower bound of the distance.
      if (Math.abs(name.length - c.name.length) > threshold) continue;
      // A name that merely drops or adds a prefix is a different real name (cloud.com vs icloud.com).
      if (c.name.endsWith(name) || name.endsWith(c.name)) continue;
      const d = editDistance(name, c.name);
      if (d <= threshold) distance = d;
    }
    if (distance < bestDistance) {
      best = c.domain;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * A likely intended domain for `domain`, or null. Never suggests for a listed domain or for a
 * domain that is not close to one (example.org, mycompany.com); case-insensitive; the answer is lowercase.
 */
export function suggestDomain(domain: string): string | null {
  const given = domain.trim().toLowerCase();
  if (given.length === 0 || given.length > MAX_COMPARED_LENGTH || COMMON_SET.has(given)) return null;
  const known = SUGGESTED.get(given);
  if (known !== undefined) return known;
  // A list to check repeats a few domains thousands of times: compare each against the candidates once.
  if (SUGGESTED.size >= SUGGESTED_MAX) SUGGESTED.clear();
  const suggestion = computeSuggestion(given);
  SUGGESTED.set(given, suggestion);
  return suggestion;
}

/** Answers of suggestDomain by lowercase domain, bounded (cleared when full). */
const SUGGESTED = new Map<string, string | null>();
const SUGGESTED_MAX = 4096;

function computeSuggestion(given: string): string | null {
  const { name, tld } = splitDomain(given);
  const fixedTld = TLD_TYPOS[tld];
  const candidate = fixedTld && name.length > 0 ? `${name}.${fixedTld}` : given;
  if (COMMON_SET.has(candidate)) return candidate;
  const closest = closestCommonDomain(candidate);
  if (closest) return closest;
  return candidate !== given ? candidate : null;
}
