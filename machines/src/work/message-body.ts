/**
 * @module work/message-body
 * A JetStream message's JSON body checked against its schema; null when it is not
 * JSON or not of that shape (the caller terminates it: redelivery cannot fix it).
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { z } from 'zod';

/** Bodies already read: a bulk message is read for its group key, then by its handler. */
const read = new WeakMap<JsMsg, { schema: z.ZodType; body: unknown }>();

export function messageBody<S extends z.ZodType>(schema: S, msg: JsMsg): z.infer<S> | null {
  const seen = read.get(msg);
  if (seen?.schema === schema) return seen.body as z.infer<S> | null;
  let body: z.infer<S> | null = null;
  try {
    const parsed = schema.safeParse(msg.json());
    if (parsed.success) body = parsed.data;
  } catch {
    // not JSON
  }
  read.set(msg, { schema, body });
  return body;
}
