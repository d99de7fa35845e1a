/**
 * @module syntax
 * Address syntax (RFC 5321/5322 addr-spec, RFC 6531 UTF-8 local parts), IDN domains to
 * punycode, normalization and typo suggestion. Pure and linear-time: it runs at the edge too.
 */
import type { SyntaxResult } from './result.ts';
import { suggestDomain } from './typo.ts';

export interface SyntaxOptions {
  /** Normalize Gmail addresses the way Gmail delivers them: lowercase, no dots, no +tag, gmail.com. Default false. */
  gmailDots?: boolean;
}

export type SyntaxCheck = SyntaxResult & {
  /** The domain as DNS and SMTP use it (punycode, lowercase); null when the syntax is invalid. */
  asciiDomain: string | null;
  /**
   * The IP of an address literal (john@[192.0.2.1] → "192.0.2.1", john@[IPv6:2001:db8::1] → "2001:db8::1"),
   * null for a domain name. Such addresses have no MX to look up: callers must not resolve asciiDomain.
   */
  addressLiteral: string | null;
};

/** RFC 5321 4.5.3.1: local part ≤ 64 octets, domain ≤ 255 (253 without the root dot in practice). */
const MAX_LOCAL_OCTETS = 64;
const MAX_DOMAIN_OCTETS = 253;
/** RFC 5321 path limit (256 with the angle brackets), per RFC 3696 erratum 1690. */
const MAX_ADDRESS_OCTETS = 254;
/** Anything longer cannot be a valid address in any form: refuse it before doing any work. */
const MAX_INPUT_LENGTH = 1024;

/**
 * C0 controls (CR, LF, NUL, TAB, …), DEL, C1 controls, U+FFFD (what a non-UTF-8 byte became) and
 * lone surrogates. Each alternative matches a fixed width, so the scan is linear.
 */
const UNSAFE_CHARACTERS =
  /[\u0000-\u001F\u007F-\u009F\uFFFD]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Non-ASCII a local part may not hold even under SMTPUTF8: invisible spaces, format (bidi, zero-width) and private-use characters. */
const UNSAFE_UNICODE = /[\p{White_Space}\p{Cf}\p{Co}]/u;
/** RFC 5322 3.2.3 atext, ASCII part. */
const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]$/;
/** ASCII other than letters, digits, hyphen and dot: never in a mail domain name (_ % / : @ …). */
const NON_LDH_ASCII = /[\u0000-\u002C\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007F]/;
const LDH_LABEL_CHARS = /^[a-z0-9-]+$/;
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/** Octets of the UTF-8 encoding (input is already known to hold no lone surrogates). */
function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** Dot-atom: atext (or, per RFC 6531, visible non-ASCII) runs separated by single dots. */
function isDotAtomLocal(local: string): boolean {
  if (local.length === 0 || UNSAFE_UNICODE.test(local)) return false;
  for (const atom of local.split('.')) {
    if (atom.length === 0) return false; // leading, trailing or double dot
    for (const ch of atom) if (ch.charCodeAt(0) < 0x80 && !ATEXT.test(ch)) return false;
  }
  return true;
}

/**
 * Quoted-string local part, RFC 5321 4.1.2: qtextSMTP (printable ASCII but " and \), quoted-pairs
 * (\ + printable ASCII), UTF-8 per RFC 6531. An empty "" is refused: there is no such mailbox in practice.
 */
function isQuotedLocal(local: string): boolean {
  if (local.length < 3 || !local.startsWith('"') || !local.endsWith('"')) return false;
  const inner = local.slice(1, -1);
  if (UNSAFE_UNICODE.test(inner.replaceAll(' ', ''))) return false;
  for (let i = 0; i < inner.length; i++) {
    const c = inner.charCodeAt(i);
    if (c === 0x5c) {
      const next = inner.charCodeAt(i + 1);
      if (!(next >= 0x20 && next <= 0x7e)) return false;
      i++;
    } else if (c === 0x22) {
      return false;
    }
  }
  return true;
}

function isLocalPart(local: string): boolean {
  return local.startsWith('"') ? isQuotedLocal(local) : isDotAtomLocal(local);
}

function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255);
}

/**
 * RFC 5321 4.1.3 IPv6-addr: full (8 groups), compressed ("::" and at most 6 other groups), and both
 * with a trailing IPv4 (6 groups, or "::" and at most 4). Stricter than RFC 4291, as SMTP is.
 */
function isIPv6(s: string): boolean {
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  const tail = groups[groups.length - 1]!;
  const withIPv4 = tail.length > 0 && tail[tail.length - 1]!.includes('.');
  if (withIPv4 && !isIPv4(tail.pop()!)) return false;
  const hex = groups.flat();
  if (!hex.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  if (halves.length === 2) return hex.length <= (withIPv4 ? 4 : 6);
  return hex.length === (withIPv4 ? 6 : 8);
}

/** john@[192.0.2.1] / john@[IPv6:2001:db8::1] → the IP, or null when the literal is malformed. */
function addressLiteralIp(domain: string): string | null {
  const inner = domain.slice(1, -1);
  if (/^ipv6:/i.test(inner)) {
    const ip = inner.slice(5);
    return isIPv6(ip) ? ip.toLowerCase() : null;
  }
  return isIPv4(inner) ? inner : null;
}

/** Checks the ASCII (A-label) form: ≥ 2 LDH labels of 1–63 octets, no edge hyphens, a non-numeric TLD. */
function isAsciiDomain(domain: string): boolean {
  if (domain.length === 0 || domain.length > MAX_DOMAIN_OCTETS) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  for (const label of labels) {
    if (label.length === 0 || label.length > 63 || !LDH_LABEL_CHARS.test(label)) return false;
    if (label.startsWith('-') || label.endsWith('-')) return false;
  }
  return !/^[0-9]+$/.test(labels[labels.length - 1]!);
}

/**
 * The lowercase A-label form of a domain name, or null when it is not a valid mail domain.
 * Unicode names (and xn-- labels, to check their punycode) go through the WHATWG URL host parser
 * (UTS #46 mapping and punycode, the same in Node and workerd). That parser also percent-decodes
 * and allows _ and other ASCII a mail domain may not hold, so ASCII is screened before and the
 * result checked after.
 */
export function toAsciiDomain(domain: string): string | null {
  if (domain.length === 0 || domain.length > MAX_INPUT_LENGTH) return null;
  if (NON_LDH_ASCII.test(domain)) return null;
  let ascii = domain.toLowerCase();
  if (/[^\u0000-\u007F]/.test(domain) || /(^|\.)xn--/.test(ascii)) {
    // A dot at either end would be dropped or kept by the URL parser; the addr-spec allows neither.
    if (domain.startsWith('.') || domain.endsWith('.')) return null;
    try {
      ascii = new URL(`http://${domain}/`).hostname;
    } catch {
      return null;
    }
  }
  return isAsciiDomain(ascii) ? ascii : null;
}

/** Splits at the @ ending the local part: after a closing quote for a quoted local part, else the first @. */
function splitAddress(address: string): { local: string; domain: string } | null {
  if (address.startsWith('"')) {
    let i = 1;
    while (i < address.length && address[i] !== '"') i += address[i] === '\\' ? 2 : 1;
    if (address[i + 1] !== '@') return null;
    return { local: address.slice(0, i + 1), domain: address.slice(i + 2) };
  }
  const at = address.indexOf('@');
  if (at < 0) return null;
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

function invalid(username: string, domain: string, suggestion: string | null = null): SyntaxCheck {
  return {
    address: null,
    username,
    domain,
    is_valid_syntax: false,
    normalized_email: null,
    suggestion,
    asciiDomain: null,
    addressLiteral: null,
  };
}

/** A near miss we can repair (john@gmail,com, john@gmail..com, john@gmail.com.), typo-corrected too. */
function repairSuggestion(local: string, domain: string): string | null {
  if (!isLocalPart(local) || domain.length > MAX_INPUT_LENGTH) return null;
  const repaired = domain
    .toLowerCase()
    .replace(/[\s]+/gu, '')
    .replaceAll(',', '.')
    .replace(/\.{2,}/g, '.')
    .replace(/^\.|\.$/g, '');
  const candidate = suggestDomain(repaired) ?? repaired; // gmailcom is no domain, but gmail.com is
  const ascii = toAsciiDomain(candidate);
  if (!ascii || utf8Length(local) > MAX_LOCAL_OCTETS || utf8Length(local) + 1 + ascii.length > MAX_ADDRESS_OCTETS) return null;
  return `${local}@${candidate}`;
}

/** Gmail ignores dots and +tags and has one domain: J.Doe+news@googlemail.com is jdoe@gmail.com. */
function gmailNormalized(local: string): string | null {
  if (local.startsWith('"')) return null;
  const plus = local.indexOf('+');
  const base = (plus >= 0 ? local.slice(0, plus) : local).replaceAll('.', '').toLowerCase();
  return base.length > 0 ? `${base}@gmail.com` : null;
}

/**
 * Checks one address as the API receives it (a bare addr-spec, no display name, no comments).
 * Surrounding whitespace is trimmed; control characters anywhere make it invalid at once, before any
 * other work, so they can never reach a socket. Valid UTF-8 local parts (SMTPUTF8) are accepted.
 */
export function checkSyntax(input: string, opts: SyntaxOptions = {}): SyntaxCheck {
  if (UNSAFE_CHARACTERS.test(input)) return invalid('', '');
  const address = input.trim();
  if (address.length === 0 || address.length > MAX_INPUT_LENGTH) return invalid('', '');

  const parts = splitAddress(address);
  if (!parts) {
    const at = address.lastIndexOf('@');
    return at < 0 ? invalid('', '') : invalid(address.slice(0, at), address.slice(at + 1).toLowerCase());
  }
  const { local, domain } = parts;
  const domainLower = domain.toLowerCase();
  if (!isLocalPart(local) || utf8Length(local) > MAX_LOCAL_OCTETS) return invalid(local, domainLower);

  let asciiDomain: string | null;
  let addressLiteral: string | null = null;
  if (domain.startsWith('[') && domain.endsWith(']')) {
    addressLiteral = addressLiteralIp(domain);
    asciiDomain = addressLiteral === null ? null : domainLower;
  } else {
    asciiDomain = toAsciiDomain(domain);
  }
  if (asciiDomain === null) return invalid(local, domainLower, repairSuggestion(local, domain));
  if (utf8Length(local) + 1 + asciiDomain.length > MAX_ADDRESS_OCTETS) return invalid(local, domainLower);

  const typoFix = addressLiteral === null ? suggestDomain(domainLower) : null;
  const normalized =
    (opts.gmailDots && GMAIL_DOMAINS.has(asciiDomain) ? gmailNormalized(local) : null) ?? `${local}@${asciiDomain}`;
  return {
    address,
    username: local,
    domain: domainLower,
    is_valid_syntax: true,
    normalized_email: normalized,
    suggestion: typoFix ? `${local}@${typoFix}` : null,
    asciiDomain,
    addressLiteral,
  };
}
