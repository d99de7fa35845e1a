/**
 * @module check/pending
 * Single checks answered 202: remembered in KV `RESULTS` under `pendingcheck:<tenant>:<id>`, so
 * polling `GET /v1/check/:id` before a machine has stored the result says "pending" (202), and
 * only an id this tenant never got is 404. A KV failure is logged, never a failed request.
 */

/** A check still unanswered after this long has been dropped by the machines' retries anyway. */
export const PENDING_CHECK_TTL_SECONDS = 24 * 60 * 60;

const pendingKey = (tenant: string, id: string): string => `pendingcheck:${tenant}:${id}`;

export async function rememberPendingCheck(kv: KVNamespace, tenant: string, id: string, email: string): Promise<void> {
  try {
    await kv.put(pendingKey(tenant, id), JSON.stringify({ email, at: new Date().toISOString() }), { expirationTtl: PENDING_CHECK_TTL_SECONDS });
  } catch (err) {
    console.error(`writing ${pendingKey(tenant, id)} failed`, err);
  }
}

export async function isPendingCheck(kv: KVNamespace, tenant: string, id: string): Promise<boolean> {
  try {
    return (await kv.get(pendingKey(tenant, id))) !== null;
  } catch (err) {
    console.error(`reading ${pendingKey(tenant, id)} failed`, err);
    return false;
  }
}
