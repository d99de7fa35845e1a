/**
 * @module nats/failures
 * What went wrong with a NATS call, told by nats.js's error classes rather than their wording
 * (which changes between releases and differs between a request and a JetStream publish).
 */
import { JetStreamApiError } from '@nats-io/jetstream';
import { ClosedConnectionError, ConnectionError, DrainingConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/nats-core';

/**
 * - `no_responders`: nobody subscribes to the subject (no machine, or no stream/JetStream behind it);
 * - `unavailable`: JetStream answered 503 (a stream without a leader, a cluster electing one);
 * - `timeout`: no answer in time; `closed`: the connection went away under the call.
 */
export type NatsFailure = 'no_responders' | 'unavailable' | 'timeout' | 'closed' | 'other';

export function natsFailure(err: unknown): NatsFailure {
  // JetStream wraps what the request hit (JetStreamNotEnabled, cause: RequestError, cause: NoRespondersError).
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof NoRespondersError || (e instanceof RequestError && e.isNoResponders())) return 'no_responders';
  }
  if (err instanceof TimeoutError) return 'timeout';
  if (err instanceof JetStreamApiError) return err.status === 503 ? 'unavailable' : 'other';
  // A request cut off by its connection closing (nats.js: RequestError "connection closed").
  if (err instanceof RequestError || err instanceof ClosedConnectionError || err instanceof DrainingConnectionError || err instanceof ConnectionError) return 'closed';
  return 'other';
}
