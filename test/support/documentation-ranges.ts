/**
 * @module test/support/documentation-ranges
 * The documentation ranges (RFC 5737, RFC 3849) that tests use as stand-ins for public mail
 * hosts. They are not public, so the verifier refuses them like any private address; tests
 * allow them explicitly, the way an operator allows an internal relay (ALLOW_MX_RANGES).
 */
import { parseCidr, type CidrRange } from '../../shared/ip-address.ts';

/** The same list as the ALLOW_MX_RANGES value a test's environment sets. */
export const DOCUMENTATION_RANGES_ENV = '192.0.2.0/24,198.51.100.0/24,203.0.113.0/24,2001:db8::/32';

export const DOCUMENTATION_RANGES: readonly CidrRange[] = DOCUMENTATION_RANGES_ENV.split(',').map((r) => parseCidr(r)!);
