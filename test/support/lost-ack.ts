/**
 * @module test/support/lost-ack
 * A JetStream message whose ack never reaches the server, as a machine sees it that dies right
 * after acking, or whose NATS node goes away with the ack: JetStream redelivers it after ack_wait.
 */
import type { JsMsg } from '@nats-io/jetstream';

export const ackLost = (m: JsMsg): JsMsg =>
  new Proxy(m, {
    get(target, prop) {
      if (prop === 'ack') return () => {};
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
