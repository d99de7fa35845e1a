import { describe, expect, it } from 'vitest';
import { call } from './helpers.ts';

describe('API description', () => {
  it('/openapi.json lists every route and the schemas they validate with', async () => {
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    };
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/check', '/v1/check/{id}', '/v1/bulk', '/v1/bulk/{id}', '/v1/bulk/{id}/results', '/v1/status', '/v1/whoami']),
    );
    expect(Object.keys(doc.paths['/v1/check']!)).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(doc.paths['/v1/bulk']!)).toEqual(expect.arrayContaining(['get', 'post']));
    expect(doc.components.schemas.JobList!.required).toEqual(expect.arrayContaining(['items', 'next_cursor']));
    const check = doc.components.schemas.CheckResponse!;
    expect(Object.keys(check.properties!)).toEqual(expect.arrayContaining(['is_reachable', 'reason', 'score', 'syntax', 'smtp', 'cached', 'age_seconds']));
    expect(doc.components.schemas.CheckRequest!.required).toEqual(['email']);
    expect(doc.components.schemas.Error!.properties).toHaveProperty('error');
  });

  it('/docs is an HTML page that renders the description', async () => {
    const res = await call('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('/openapi.json');
  });
});
