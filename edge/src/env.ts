/**
 * @module env
 * The Worker's Hono environment: bindings from wrangler.toml and what middleware puts on the
 * context. Routes type their apps as `new Hono<AppEnv>()`.
 */
import { edgeEnv, readEnv, type EdgeEnv } from '../../shared/config.ts';
import type { ApiKeyRecord } from '../../shared/api-keys.ts';
import type { KeyLimiter } from './auth/key-limiter.ts';
import type { NatsHub } from './nats/hub.ts';

export interface Bindings {
  /** API keys: `apikey:<sha256 hex>` → ApiKeyRecord JSON. */
  KEYS: KVNamespace;
  /** Result cache: `result:tenant:<tenant>:<normalized address>` (or `result:shared:...`) → CheckResult JSON. */
  RESULTS: KVNamespace;
  /** NATS over WebSocket, one connection per object (a few named shards). */
  NATS_HUB: DurableObjectNamespace<NatsHub>;
  /** Per-key rate limit and daily quota, one object per key hash. */
  KEY_LIMITER: DurableObjectNamespace<KeyLimiter>;
  // Vars and secrets: strings, parsed by `edgeConfig` (see edgeEnv in shared/config.ts).
  NATS_URL?: string;
  NATS_TOKEN?: string;
  NATS_USER?: string;
  NATS_PASS?: string;
  NATS_CONNECT_TIMEOUT_MS?: string;
  NATS_FAILOVER_MS?: string;
  NATS_HUB_SHARDS?: string;
  MACHINE_TOKEN?: string;
  CHECK_WAIT_MS?: string;
  CACHE_TTL_SAFE?: string;
  CACHE_TTL_RISKY?: string;
  CACHE_TTL_INVALID?: string;
  KEY_CACHE_SECONDS?: string;
  RESULT_CACHE_SCOPE?: string;
  STATUS_ACCESS?: string;
  MAX_BULK_EMAILS?: string;
  MAX_BODY_BYTES?: string;
}

/** The caller, as the auth middleware found it. */
export interface Caller {
  tenant: string;
  /** Hex SHA-256 of the key: what the limiter and logs know it by. */
  keyHash: string;
  key: ApiKeyRecord;
}

export interface Variables {
  /** Set by the auth middleware on every tenant route. */
  tenant: string;
  caller: Caller;
  /** Parsed vars, set by the first middleware for every request. */
  config: EdgeConfig;
}

export type AppEnv = { Bindings: Bindings; Variables: Variables };
export type EdgeConfig = EdgeEnv;

// Vars are fixed per deployment: parse once per bindings object, not per request.
const parsed = new WeakMap<object, EdgeConfig>();

/** The typed config of these bindings (throws ConfigError on a malformed var). */
export function edgeConfig(bindings: Bindings): EdgeConfig {
  let cfg = parsed.get(bindings);
  if (!cfg) {
    cfg = readEnv(edgeEnv, bindings as unknown as Record<string, string | undefined>);
    parsed.set(bindings, cfg);
  }
  return cfg;
}
