import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../shared/result.ts';
import { BASE, call, createKey, fetchApp, freshAddress, newTenant, postJson, rcptCount } from './helpers.ts';

type CheckBody = CheckResult & { id: string | null; cached: boolean; age_seconds: number };

async function check(key: string, email: string, query = ''): Promise<{ status: number; body: CheckBody }> {
  const res = await postJson(`/v1/check${query}`, { email }, { key });
  return { status: res.status, body: (await res.json()) as CheckBody };
}

describe('single checks', () => {
  it('a deliverable address is checked by a machine over SMTP and reported safe', async () => {
    const key = await createKey(newTenant());
    const email = freshAddress('ok-');
    const { status, body } = await check(key, email);
    expect(status).toBe(200);
    expect(body).toMatchObject({ input: email, is_reachable: 'safe', reason: 'deliverable', cached: false, mx: { accepts_mail: true, records: ['mx.ok.test'] } });
    expect(body.id).toMatch(/^chk_/);
    expect(body.debug.egress_ip).toBe('127.0.0.1');
    expect(body.age_seconds).toBeLessThan(5);
    expect(await rcptCount(email)).toBe(1);
  });

  it('a mailbox the server rejects is invalid; GET with ?email= works the same', async () => {
    const key = await createKey(newTenant());
    const email = freshAddress('unknown-');
    const res = await call(`/v1/check?email=${encodeURIComponent(email)}`, { key });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ is_reachable: 'invalid', reason: 'mailbox_not_found', cached: false });
  });

  it('the second check of an address is served from the cache, without another SMTP session', async () => {
    const tenant = newTenant();
    const key = await createKey(tenant);
    const email = freshAddress('ok-');
    const first = await check(key, email);
    expect(first.body.cached).toBe(false);
    const second = await check(key, email);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ is_reachable: 'safe', cached: true, id: null });
    expect(second.body.age_seconds).toBeGreaterThanOrEqual(0);
    expect(second.body.debug.checked_at).toBe(first.body.debug.checked_at);
    expect(await rcptCount(email)).toBe(1);
    // Kept for CACHE_TTL_SAFE (7 days by default); written after the answer (waitUntil).
    await expect.poll(async () => (await env.RESULTS.list({ prefix: `result:tenant:${tenant}:${email}` })).keys.length, { timeout: 5000 }).toBe(1);
    const { keys } = await env.RESULTS.list({ prefix: `result:tenant:${tenant}:${email}` });
    expect(keys[0]!.expiration! - Date.now() / 1000).toBeGreaterThan(604_800 - 60);
  });

  it('a result another edge location stored in KV answers the check, without a machine', async () => {
    const tenant = newTenant();
    const key = await createKey(tenant);
    const email = freshAddress('ok-');
    const checkedAt = new Date(Date.now() - 120_000).toISOString();
    const stored = { ...(await check(key, 'not-an-address')).body, input: email, is_reachable: 'risky', reason: 'catch_all' } as Record<string, unknown>;
    for (const k of ['id', 'cached', 'age_seconds']) delete stored[k];
    (stored.debug as CheckResult['debug']).checked_at = checkedAt;
    await env.RESULTS.put(`result:tenant:${tenant}:${email}`, JSON.stringify(stored));
    const { status, body } = await check(key, email);
    expect(status).toBe(200);
    expect(body).toMatchObject({ input: email, is_reachable: 'risky', reason: 'catch_all', cached: true });
    expect(body.age_seconds).toBeGreaterThanOrEqual(119);
    expect(await rcptCount(email)).toBe(0);
  });

  it('a cached result from before scores existed still answers the check, scored, without a machine', async () => {
    const tenant = newTenant();
    const key = await createKey(tenant);
    const email = freshAddress('ok-');
    const stored = { ...(await check(key, 'not-an-address')).body, input: email, is_reachable: 'safe', reason: 'deliverable' } as Record<string, unknown>;
    for (const k of ['id', 'cached', 'age_seconds', 'score']) delete stored[k];
    await env.RESULTS.put(`result:tenant:${tenant}:${email}`, JSON.stringify(stored));
    const { status, body } = await check(key, email);
    expect(status).toBe(200);
    expect(body).toMatchObject({ input: email, is_reachable: 'safe', reason: 'deliverable', cached: true });
    expect(body.score).toBeGreaterThanOrEqual(90);
    expect(await rcptCount(email)).toBe(0);
  });

  it('the cache is keyed by the normalized address: another case of the domain is the same address', async () => {
    const key = await createKey(newTenant());
    const email = freshAddress('ok-');
    await check(key, email);
    const [local, domain] = email.split('@');
    const { body } = await check(key, `${local}@${domain!.toUpperCase()}`);
    expect(body.cached).toBe(true);
    expect(await rcptCount(email)).toBe(1);
  });

  it('fresh=1 checks again and refreshes the cache', async () => {
    const key = await createKey(newTenant());
    const email = freshAddress('ok-');
    const first = await check(key, email);
    const fresh = await check(key, email, '?fresh=1');
    expect(fresh.body.cached).toBe(false);
    expect(await rcptCount(email)).toBe(2);
    const after = await check(key, email);
    expect(after.body.cached).toBe(true);
    expect(after.body.debug.checked_at).toBe(fresh.body.debug.checked_at);
    expect(after.body.debug.checked_at).not.toBe(first.body.debug.checked_at);
  });

  it('an unknown verdict is never cached: the next check asks the mail server again', async () => {
    const key = await createKey(newTenant());
    const email = freshAddress('greyalways-');
    const first = await check(key, email);
    expect(first.body).toMatchObject({ is_reachable: 'unknown', reason: 'greylisted', cached: false });
    const seen = await rcptCount(email);
    const second = await check(key, email);
    expect(second.body).toMatchObject({ is_reachable: 'unknown', cached: false });
    expect(await rcptCount(email)).toBeGreaterThan(seen);
  });

  it('invalid syntax is answered at the edge in the full result shape, without a machine', async () => {
    const key = await createKey(newTenant());
    const { status, body } = await check(key, 'john..doe@ok.test');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      input: 'john..doe@ok.test',
      is_reachable: 'invalid',
      reason: 'invalid_syntax',
      id: null,
      cached: false,
      syntax: { is_valid_syntax: false },
      smtp: { can_connect_smtp: false },
    });
    expect(await rcptCount('john..doe@ok.test')).toBe(0);
  });

  it('an address with CR/LF is invalid and never reaches a mail server', async () => {
    const key = await createKey(newTenant());
    const victim = freshAddress('ok-');
    const smuggled = freshAddress('ok-');
    const { status, body } = await check(key, `${victim}\r\nRCPT TO:<${smuggled}>`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ is_reachable: 'invalid', reason: 'invalid_syntax' });
    const lf = await call(`/v1/check?email=${encodeURIComponent(`${victim}\n`)}x`, { key });
    expect(await lf.json()).toMatchObject({ is_reachable: 'invalid' });
    expect(await rcptCount(victim)).toBe(0);
    expect(await rcptCount(smuggled)).toBe(0);
  });

  it('a check that does not finish within the wait answers 202 with an id; polling it gives the result', async () => {
    const tenant = newTenant();
    const key = await createKey(tenant);
    const email = freshAddress('ok-');
    const res = await postJson('/v1/check', { email }, { key, headers: { prefer: 'wait=0' } });
    expect(res.status).toBe(202);
    const pending = (await res.json()) as { id: string; status: string; location: string };
    expect(pending.status).toBe('pending');
    expect(res.headers.get('location')).toBe(`/v1/check/${pending.id}`);
    expect(pending.location).toBe(res.headers.get('location'));

    // Until a machine has stored it, polling says pending (never 404); another tenant gets 404.
    const stranger = await createKey(newTenant());
    expect((await call(pending.location, { key: stranger })).status).toBe(404);
    let polled: Response | null = null;
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) {
      polled = await call(pending.location, { key });
      seen.add(polled.status);
      if (polled.status !== 202) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(polled!.status).toBe(200);
    expect(seen.has(404)).toBe(false);
    expect(await polled!.json()).toMatchObject({ id: pending.id, input: email, is_reachable: 'safe', cached: false });
    // The result found by polling is cached for the next check of the address.
    await expect.poll(async () => (await env.RESULTS.list({ prefix: `result:tenant:${tenant}:${email}` })).keys.length, { timeout: 5000 }).toBe(1);
  });

  it('one tenant\'s check is not served from another tenant\'s cache: nothing says someone else asked', async () => {
    const a = await createKey(newTenant('a'));
    const b = await createKey(newTenant('b'));
    const email = freshAddress('ok-');
    expect((await check(a, email)).body.cached).toBe(false);
    expect((await check(a, email)).body.cached).toBe(true);
    const other = await check(b, email);
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ is_reachable: 'safe', cached: false });
    expect(other.body.id).toMatch(/^chk_/);
    expect(await rcptCount(email)).toBe(2);
  });

  it('RESULT_CACHE_SCOPE=shared, the operator\'s choice, lets one tenant\'s result answer another\'s check', async () => {
    const shared = { RESULT_CACHE_SCOPE: 'shared' };
    const email = freshAddress('ok-');
    const ask = async (key: string) => {
      const res = await fetchApp(new Request(`${BASE}/v1/check`, { method: 'POST', body: JSON.stringify({ email }), headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } }), shared);
      return (await res.json()) as CheckBody;
    };
    expect((await ask(await createKey(newTenant('a')))).cached).toBe(false);
    expect(await ask(await createKey(newTenant('b')))).toMatchObject({ cached: true, is_reachable: 'safe' });
    expect(await rcptCount(email)).toBe(1);
    expect((await env.RESULTS.list({ prefix: `result:shared:${email}` })).keys).toHaveLength(1);
  });
  it('concurrent fresh checks of one address from one tenant are one SMTP check; another tenant gets its own', async () => {
    const [a, b] = [await createKey(newTenant('a')), await createKey(newTenant('b'))];
    // Greylisted (450, retried once): a check that takes long enough for the others to arrive during it.
    const alone = freshAddress('greyalways-');
    expect((await check(a, alone, '?fresh=1')).status).toBe(200);
    const perCheck = await rcptCount(alone);
    expect(perCheck).toBeGreaterThan(0);

    const email = freshAddress('greyalways-');
    const answers = await Promise.all([...[a, a, a, a].map((k) => check(k, email, '?fresh=1')), check(b, email, '?fresh=1')]);
    for (const r of answers) expect(r.status).toBe(200);
    const idsOfA = new Set(answers.slice(0, 4).map((r) => r.body.id));
    expect(idsOfA.size).toBe(1);
    expect(answers[4]!.body.id).not.toBe([...idsOfA][0]);
    expect(new Set(answers.map((r) => r.body.reason)).size).toBe(1);
    expect(await rcptCount(email)).toBe(2 * perCheck);
  });
});
