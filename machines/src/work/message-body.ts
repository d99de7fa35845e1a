/**
 * @module work/message-body
 * A JetStream message's JSON body checked against its schema; null when it is not
 * JSON or not of that shape (the caller terminates it: redelivery cannot fix it).
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { z } from 'zod';

export function messageBody<S extends z.ZodType>(schema: S, msg: JsMsg): z.infer<S> | null {
  let raw: unknown;
  try {
    raw = msg.json();
  } catch {
    return null;
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}
