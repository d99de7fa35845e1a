/**
 * @module http/method-not-allowed
 * A request to a route that exists, with a method it does not take, is 405 with `Allow`
 * (RFC 9110 §15.5.6), not 404: the client got the path right and should hear so.
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../env.ts';

type Matcher = { pattern: RegExp; method: string };

function matchers(app: Hono<AppEnv>): Matcher[] {
  return app.routes
    .filter((r) => r.method !== 'ALL' && !r.path.includes('*'))
    .map((r) => ({
      method: r.method,
      pattern: new RegExp(`^${r.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\/:[^/]+/g, '/[^/]+')}/?$`),
    }));
}

/** The methods `path` answers to (HEAD with GET), or [] when no route has this path. */
export function allowedMethods(app: Hono<AppEnv>): (path: string) => string[] {
  let table: Matcher[] | null = null;
  return (path) => {
    table ??= matchers(app);
    const methods = new Set(table.filter((m) => m.pattern.test(path)).map((m) => m.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}
