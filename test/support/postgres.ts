/**
 * @module test/support/postgres
 * A throw-away Postgres database per test file on the local server
 * (postgres://postgres@127.0.0.1:5432, trust auth), dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import postgres from 'postgres';
import { openDatabase, type Store } from '../../machines/src/store/index.ts';
import type { CheckResult, Reachability, Reason } from '../../shared/result.ts';
import { withScore } from '../../shared/score.ts';

/** Database used only to create and drop the test databases. Override with TEST_POSTGRES_URL. */
export const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  const name = `emailcheck_test_${randomBytes(6).toString('hex')}`;
  try {
    await admin.unsafe(`create database "${name}"`);
  } catch (err) {
    await admin.end({ timeout: 1 }).catch(() => {});
    throw new Error(
      `tests need Postgres at ${ADMIN_URL} (user postgres, trust auth; set TEST_POSTGRES_URL to use another): ${(err as Error).message}`,
      { cause: err },
    );
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      try {
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}

/** Backends the store tests run against: the real server and embedded PGlite. */
export const STORE_BACKENDS = ['postgres', 'pglite'] as const;
export type StoreBackend = (typeof STORE_BACKENDS)[number];

/** Opens a migrated store of the given kind on a fresh database; `close` also drops it. */
export async function openTestStore(kind: StoreBackend): Promise<{ store: Store; url: string | null; close(): Promise<void> }> {
  if (kind === 'pglite') {
    const store = await openDatabase({ pgliteDir: 'memory://' });
    return { store, url: null, close: () => store.close() };
  }
  const db = await createTestDatabase();
  const store = await openDatabase({ databaseUrl: db.url }).catch(async (err) => {
    await db.drop();
    throw err;
  });
  return {
    store,
    url: db.url,
    close: async () => {
      await store.close().catch(() => {});
      await db.drop();
    },
  };
}

/**
 * A TCP relay to Postgres that a test can stop (refusing connections, cutting open
 * ones) and start again on the same port: the database going away and coming back.
 */
export interface TcpRelay {
  port: number;
  /** Cuts open connections and refuses new ones. */
  stop(): Promise<void>;
  /** Keeps connections open but drops every byte: a server that stopped answering. */
  freeze(): void;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function createTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  let frozen = false;
  const listen = async () => {
    const s = createServer((client) => {
      const upstream = connect(target.port, target.host);
      sockets.add(client).add(upstream);
      const cut = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', cut).on('close', cut);
      upstream.on('error', cut).on('close', cut);
      client.on('data', (d: Buffer) => {
        if (!frozen) upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => {
        if (!frozen) client.write(d);
      });
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  const stop = async () => {
    const s = server;
    server = null;
    for (const sock of sockets) sock.destroy();
    sockets.clear();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };
  await listen();
  return {
    get port() {
      return port;
    },
    stop,
    freeze: () => {
      frozen = true;
    },
    start: async () => {
      frozen = false;
      if (!server) await listen();
    },
    close: stop,
  };
}

const SAMPLE_REASON: Record<Reachability, Reason> = {
  safe: 'deliverable',
  risky: 'catch_all',
  invalid: 'mailbox_not_found',
  unknown: 'smtp_timeout',
};

/** A well-formed CheckResult for storage tests (nothing was really checked). */
export function sampleResult(email: string, verdict: Reachability, checkedAt = new Date()): CheckResult {
  const [username = '', domain = ''] = email.split('@');
  return withScore({
    input: email,
    is_reachable: verdict,
    reason: SAMPLE_REASON[verdict],
    syntax: { address: email, username, domain, is_valid_syntax: true, normalized_email: email, suggestion: null },
    mx: { accepts_mail: true, records: [`mx.${domain}`] },
    misc: { is_disposable: false, is_role_account: false, is_b2c: false, gravatar_url: null },
    smtp: { can_connect_smtp: true, has_full_inbox: false, is_catch_all: verdict === 'risky', is_deliverable: verdict === 'safe', is_disabled: false },
    debug: { egress_ip: '192.0.2.1', mx_host: `mx.${domain}`, provider: null, duration_ms: 12, smtp_replies: [], checked_at: checkedAt.toISOString() },
  });
}
