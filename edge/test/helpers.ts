/**
 * @module edge/test/helpers
 * For Worker tests: API keys written to the real KV binding, requests through SELF (the Worker
 * under test), and the global setup's control server (SMTP RCPT counts, NATS stop/start).
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { app } from '../src/index.ts';
import { apiKeyKvKey, generateApiKey, hashApiKey, type ApiKeyRecord } from '../../shared/api-keys.ts';

export const BASE = 'https://edge.test';

let tenants = 0;
/** A tenant id no other test uses (storage is shared across the project's files). */
export const newTenant = (label = 't'): string => `${label}-${Date.now().toString(36)}-${(tenants++).toString(36)}`;

/** Stores a new key for `tenant` in KV KEYS the way `emailcheck keys create` does; returns the key. */
export async function createKey(tenant: string, opts: Partial<Omit<ApiKeyRecord, 'tenant'>> = {}): Promise<string> {
  const key = generateApiKey();
  const record: ApiKeyRecord = {
    tenant,
    name: opts.name ?? 'test key',
    rate_per_minute: opts.rate_per_minute ?? 10_000,
    daily_quota: opts.daily_quota ?? null,
    disabled: opts.disabled ?? false,
    ...(opts.operator ? { operator: true } : {}),
    created_at: opts.created_at ?? new Date().toISOString(),
  };
  await env.KEYS.put(apiKeyKvKey(await hashApiKey(key)), JSON.stringify(record));
  return key;
}

export function call(path: string, init: RequestInit & { key?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.key) headers.set('authorization', `Bearer ${init.key}`);
  return SELF.fetch(`${BASE}${path}`, { ...init, headers });
}

export const postJson = (path: string, body: unknown, init: RequestInit & { key?: string } = {}) =>
  call(path, { ...init, method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });

export interface ErrorJson {
  error: { code: string; message: string };
}

/** RCPT TO commands the test SMTP server has seen for `address`. */
export async function rcptCount(address: string): Promise<number> {
  const res = await fetch(`${env.TEST_CONTROL_URL}/rcpts?address=${encodeURIComponent(address)}`);
  return ((await res.json()) as { count: number }).count;
}

export async function control(path: '/nats/shutdown' | '/nats/restart' | '/nats/freeze' | '/nats/thaw' | `/nats/kill-after-chunks?n=${number}`): Promise<void> {
  const res = await fetch(`${env.TEST_CONTROL_URL}${path}`, { method: 'POST' });
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
}

/** A fresh address at a test domain, unique to this run, so the cache starts cold. */
let addresses = 0;
export const freshAddress = (prefix: string, domain = 'ok.test'): string => `${prefix}${Date.now().toString(36)}${(addresses++).toString(36)}@${domain}`;

/**
 * `request` through the app in this isolate with some bindings replaced (`{ STATUS_ACCESS: 'operator' }`),
 * for what SELF cannot do: other vars than the project's, or a request body stream the test controls.
 */
export async function fetchApp(request: Request, bindings: Record<string, unknown> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(request, { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
