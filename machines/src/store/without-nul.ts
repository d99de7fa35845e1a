/**
 * @module store/without-nul
 * Postgres text and jsonb cannot hold U+0000, but an uploaded list or a server's reply may carry
 * one, and the row must still be stored: the character becomes U+FFFD.
 */
function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (Array.isArray(value)) return value.some(hasNul);
  if (value && typeof value === 'object') {
    for (const k in value) if (k.includes('\0') || hasNul((value as Record<string, unknown>)[k])) return true;
  }
  return false;
}

/** The value with every U+0000 (in strings and keys) replaced; the value itself when it has none (no copy). */
export function withoutNul<T>(value: T): T {
  return hasNul(value) ? replaceNul(value) : value;
}

function replaceNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value) as T;
  if (Array.isArray(value)) return value.map(replaceNul) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [replaceNul(k), replaceNul(v)])) as T;
  }
  return value;
}
