/**
 * @module constant-time
 * String comparison whose time does not depend on where the strings differ, for secrets.
 */

/** True when `a` and `b` are equal; runs over the longer one whatever the contents. */
export function constantTimeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  const n = Math.max(ea.length, eb.length);
  let diff = ea.length ^ eb.length;
  for (let i = 0; i < n; i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}
