/**
 * @module redact
 * URLs as they may appear in logs and exit messages: without the user info (`user:pass@`) or a
 * token in the query, which are secrets; host and port stay, since the operator needs them.
 */

/** `scheme://user:pass@host:port/path?token=x` → `scheme://host:port/path`; a list stays a list. */
export function withoutCredentials(urls: string): string {
  return urls
    .split(',')
    .map((raw) => {
      const u = raw.trim();
      const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*@)?([^?#]*)/i.exec(u);
      return m ? `${m[1]}${m[3]}` : u.replace(/^[^@/]*@/, '');
    })
    .join(', ');
}
