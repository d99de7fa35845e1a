/**
 * @module http/secure-headers
 * Security headers on every response (Hono's `secure-headers`): `nosniff`, no framing, no referrer
 * across origins, HSTS. API responses get a CSP that allows nothing (they are data, never a page);
 * the pages (`/docs`, the `/app` dashboard) one that allows only this origin's own scripts, styles,
 * images and API calls: no inline script, no third-party CDN, no framing by other sites.
 */
import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from '../env.ts';

/** Paths served as HTML pages (and their assets), which get the page policy. */
export const PAGE_PREFIXES = ['/docs', '/app'] as const;

const common = {
  xFrameOptions: 'DENY',
  xContentTypeOptions: 'nosniff',
  referrerPolicy: 'no-referrer',
  // Browsers call the API from other origins (CORS); only reads from pages need same-origin.
  crossOriginResourcePolicy: false,
} as const;

const apiHeaders = secureHeaders({
  ...common,
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
});

const pageHeaders = secureHeaders({
  ...common,
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
});

const isPage = (path: string): boolean => PAGE_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`) || path.startsWith(`${p}.`));

export const securityHeaders: MiddlewareHandler<AppEnv> = (c, next) => (isPage(c.req.path) ? pageHeaders(c, next) : apiHeaders(c, next));
