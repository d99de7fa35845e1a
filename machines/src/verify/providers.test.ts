import { describe, expect, it } from 'vitest';
import rulesJson from './rules.json' with { type: 'json' };
import { parseRules, PROVIDER_RULES, providerForMx, resolveProvider } from './providers.ts';

describe('provider rules', () => {
  it('every rule id is unique and every domain belongs to one rule', () => {
    const ids = PROVIDER_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const domains = PROVIDER_RULES.flatMap((r) => r.domains);
    expect(new Set(domains).size).toBe(domains.length);
  });

  it('an address at gmail.com is Google by its domain, whatever its MX', () => {
    expect(resolveProvider('gmail.com', ['mx.example.test'])?.id).toBe('gmail');
  });

  it('a company domain hosted by Google Workspace is Google by its MX suffix', () => {
    expect(resolveProvider('acme.test', ['aspmx.l.google.com'])?.id).toBe('gmail');
  });

  it('Microsoft 365 tenant MX is told apart from consumer Outlook by the longest suffix', () => {
    expect(providerForMx('acme-test.mail.protection.outlook.com')?.id).toBe('microsoft365');
    expect(providerForMx('outlook-com.olc.protection.outlook.com')?.id).toBe('microsoft-consumer');
  });

  it('a host that merely ends with the same letters is not a match', () => {
    expect(providerForMx('mx.notgoogle.com')).toBeNull();
    expect(resolveProvider('example.test', ['mx.example.test'])).toBeNull();
  });

  it('Yahoo is marked as accepting every recipient, Gmail skips the catch-all probe', () => {
    expect(resolveProvider('yahoo.com', [])?.acceptsAll).toBe(true);
    expect(resolveProvider('gmail.com', [])?.catchAllProbe).toBe(false);
  });

  it('rules.json is read whole: session defaults, and every provider with its own limits', () => {
    const rules = parseRules(rulesJson);
    expect(rules.sessionDefaults).toEqual({ maxRecipients: 50, maxRejected: 8, pipelineChunk: 10 });
    expect(rules.providers.find((p) => p.id === 'gmail')?.session).toEqual({ maxRecipients: 90 });
    expect(rules.providers.length).toBe(PROVIDER_RULES.length);
  });

  it.each([
    [{ ...rulesJson, sessionDefaults: { ...rulesJson.sessionDefaults, maxRejected: 0 } }, 'sessionDefaults.maxRejected must be an integer >= 1'],
    [{ ...rulesJson, providers: [{ ...rulesJson.providers[0], id: 'Gmail!' }] }, 'providers[0].id must be lowercase letters, digits and dashes'],
    [{ ...rulesJson, providers: [{ ...rulesJson.providers[0], domains: 'gmail.com' }] }, 'providers[0].domains must be a list of strings'],
    [{ ...rulesJson, providers: [{ ...rulesJson.providers[0], session: { maxRecipients: 1.5 } }] }, 'providers[0].session.maxRecipients must be an integer >= 2'],
    [{ sessionDefaults: rulesJson.sessionDefaults }, 'providers must be a list'],
  ])('a broken rules file is refused with the field named (%#)', (raw, message) => {
    expect(() => parseRules(raw)).toThrow(`rules.json: ${message}`);
  });
});
