/**
 * @module nats/connect
 * Opens the machine's NATS connection (reconnecting forever) with its JetStream handles.
 */
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';

export interface NatsHandles {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

export interface ConnectNatsOptions {
  /** Pause between reconnect attempts to the same server. Default 1000 ms (plus the client's jitter). */
  reconnectTimeWaitMs?: number;
  /** Keep retrying the first connection instead of failing when NATS is not up yet. Default false. */
  waitOnFirstConnect?: boolean;
  /** Timeout of JetStream API calls and publish acks. Default 5000 ms. */
  jsTimeoutMs?: number;
  /** Credentials when the server wants them (NATS_TOKEN, or NATS_USER + NATS_PASS). */
  token?: string;
  user?: string;
  pass?: string;
}

/** `url` may list several servers, comma-separated (as `NATS_URL` does). */
export function parseServers(url: string): string[] {
  const servers = url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (servers.length === 0) throw new Error('NATS_URL names no server');
  return servers;
}

/**
 * Connects and checks that JetStream answers. Reconnection never gives up: a machine that
 * loses NATS waits for it. Messages published while disconnected are dropped by the client
 * (it clears its outbound buffer on reconnect), so JetStream publishes and requests made during
 * an outage fail with a timeout; callers treat that as "not done", never as success.
 */
export async function connectNats(url: string, name: string, opts: ConnectNatsOptions = {}): Promise<NatsHandles> {
  const nc = await connect({
    servers: parseServers(url),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: opts.reconnectTimeWaitMs ?? 1000,
    waitOnFirstConnect: opts.waitOnFirstConnect ?? false,
    // nats.js otherwise captures a stack (an Error object) for every request and publish ack, which
    // was a tenth of a machine's CPU in a bulk job; errors keep their messages and classes.
    noAsyncTraces: true,
    ...(opts.token ? { token: opts.token } : {}),
    ...(opts.user ? { user: opts.user, pass: opts.pass ?? '' } : {}),
  });
  try {
    const timeout = opts.jsTimeoutMs ?? 5000;
    const jsm = await jetstreamManager(nc, { timeout });
    const js = jetstream(nc, { timeout });
    return { nc, js, jsm };
  } catch (err) {
    // JetStream missing or not answering: don't leak a reconnecting connection.
    await nc.close().catch(() => {});
    throw err;
  }
}
