import { describe, expect, it } from 'vitest';
import { PROVIDER_RULES, providerForMx, resolveProvider } from './providers.ts';

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
});
