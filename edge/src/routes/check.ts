/**
 * @module routes/check
 * Single checks: `POST /v1/check` `{ email }`, `GET /v1/check?email=`, and `GET /v1/check/:id`.
 * Order of answers: the edge alone (invalid syntax), the KV cache, a machine within CHECK_WAIT_MS,
 * else 202 with an id to poll.
 */
import { Hono, type Context } from 'hono';
import { CheckGetRequest, type SingleCheckMessage } from '../../../shared/messages.ts';
import { parseCheckResult, type CheckResult } from '../../../shared/result.ts';
import { SERVICE } from '../../../shared/subjects.ts';
import { decideAtEdge } from '../check/edge-verdict.ts';
import { isPendingCheck, rememberPendingCheck } from '../check/pending.ts';
import { ageSeconds, cacheResult, readCachedResult } from '../check/result-cache.ts';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { issuesText, readJson } from '../http/body.ts';
import { hubClient } from '../nats/hub-client.ts';
import { askMachines } from '../nats/service-client.ts';
import { CheckId, CheckQuery, CheckRequest, type CheckResponse } from '../schemas.ts';

/** `{ "email": ... }` with an address of at most 1024 characters fits many times over. */
const CHECK_BODY_BYTES = 16_384;

/** RFC 7240 `Prefer: wait=N` (seconds) shortens the wait for a machine; it never lengthens it. */
function waitMs(c: Context<AppEnv>): { ms: number; applied: boolean } {
  const max = c.get('config').CHECK_WAIT_MS;
  const m = /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(c.req.header('prefer') ?? '');
  if (!m) return { ms: max, applied: false };
  return { ms: Math.min(max, Number(m[1]) * 1000), applied: true };
}

const respond = (result: CheckResult, id: string | null, cached: boolean): CheckResponse => ({
  ...result,
  id,
  cached,
  age_seconds: ageSeconds(result),
});

function newCheckId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `chk_${hex}`;
}

const isFresh = (v: string | undefined): boolean => v === '1' || v === 'true';

async function check(c: Context<AppEnv>, email: string, fresh: boolean): Promise<Response> {
  const decision = decideAtEdge(email);
  if (decision.result) return c.json(respond(decision.result, null, false));
  const normalized = decision.syntax.normalized_email!;
  const cfg = c.get('config');

  if (!fresh) {
    const hit = await readCachedResult(c.env.RESULTS, { tenant: c.get('tenant'), normalizedEmail: normalized }, cfg);
    if (hit) return c.json(respond(hit, null, true));
  }

  const msg: SingleCheckMessage = { id: newCheckId(), tenantId: c.get('tenant'), email: decision.syntax.address!, submittedAt: new Date().toISOString() };
  const wait = waitMs(c);
  // Same tenant and address, same hub shard: concurrent checks of one address become one SMTP check.
  const coalesceKey = `${msg.tenantId}\n${normalized}`;
  const outcome = await hubClient(c.env, coalesceKey).checkSingle(msg, wait.ms, coalesceKey);
  if (wait.applied) c.header('preference-applied', `wait=${Math.round(wait.ms / 1000)}`);
  const location = `/v1/check/${outcome.id}`;
  // A caller who joined another's check leaves the cache write to it: one write per key, not one per caller.
  // (Its pending marker it writes itself: it may answer 202 before the check it joined does.)
  const ownCheck = outcome.id === msg.id;
  if (outcome.status === 'pending') {
    await rememberPendingCheck(c.env.RESULTS, msg.tenantId, outcome.id, msg.email);
    return c.json({ id: outcome.id, status: 'pending' as const, location }, 202, { location, 'retry-after': '2' });
  }
  const result = parseReply(outcome.body);
  // Not awaited: cacheResult puts the result in this isolate's memory at once, and other isolates
  // see KV writes only after its propagation delay anyway, so waiting for the write bought nothing
  // but latency. A failed write (KV allows one write per second per key, 429 beyond) costs a later
  // cache miss, not this answer.
  if (ownCheck) {
    c.executionCtx.waitUntil(
      cacheResult(c.env.RESULTS, { tenant: msg.tenantId, normalizedEmail: normalized }, result, cfg).catch((err: unknown) => {
        console.error(`caching the result for ${normalized} failed; answered it uncached`, err);
      }),
    );
  }
  return c.json(respond(result, outcome.id, false));
}

function parseReply(body: string): CheckResult {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new ApiError(502, 'bad_machine_reply', 'a machine answered with something that is not JSON');
  }
  return resultOf(value);
}

/** The `result` of a machine's `{ id, result }` answer, or 502. */
function resultOf(value: unknown): CheckResult {
  // A machine older than this edge may send a result without a score: scored here, not a 502.
  const result = parseCheckResult((value as { result?: unknown } | null)?.result);
  if (!result.success) throw new ApiError(502, 'bad_machine_reply', `a machine's result does not match the schema: ${issuesText(result.error)}`);
  return result.data;
}

async function cacheIfAbsent(c: Context<AppEnv>, normalized: string, result: CheckResult): Promise<void> {
  const cfg = c.get('config');
  const slot = { tenant: c.get('tenant'), normalizedEmail: normalized };
  const cached = await readCachedResult(c.env.RESULTS, slot, cfg).catch(() => null);
  if (!cached) await cacheResult(c.env.RESULTS, slot, result, cfg).catch(() => false);
}

export const checkRoutes = new Hono<AppEnv>()
  .post('/', async (c) => {
    const body = await readJson(c, CheckRequest, CHECK_BODY_BYTES);
    return check(c, body.email, isFresh(c.req.query('fresh')));
  })
  .get('/', async (c) => {
    const query = CheckQuery.safeParse({ email: c.req.query('email'), fresh: c.req.query('fresh') });
    if (!query.success) throw new ApiError(400, 'invalid_request', issuesText(query.error));
    return check(c, query.data.email, isFresh(query.data.fresh));
  })
  .get('/:id', async (c) => {
    const id = c.req.param('id');
    // An id we could never have issued is simply not found.
    if (!CheckId.safeParse(id).success) throw new ApiError(404, 'not_found', 'no such check for this API key\'s tenant');
    const request = CheckGetRequest.parse({ tenantId: c.get('tenant'), id });
    const result = await askMachines(c.env, SERVICE.endpoints.checkGet, request, (v) => resultOf(v));
    if (!result) {
      if (await isPendingCheck(c.env.RESULTS, request.tenantId, id)) {
        return c.json({ id, status: 'pending' as const, location: `/v1/check/${id}` }, 202, { 'retry-after': '2' });
      }
      throw new ApiError(404, 'not_found', 'no such check for this API key\'s tenant');
    }
    // A check that outlived CHECK_WAIT_MS was never cached: do it on the first poll that finds it.
    const normalized = result.syntax.normalized_email;
    if (normalized) c.executionCtx.waitUntil(cacheIfAbsent(c, normalized, result));
    return c.json(respond(result, id, false));
  });
