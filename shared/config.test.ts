import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_TABLES, readEnv, renderEnvTable, verifierEnv } from './config.ts';

describe('env table', () => {
  it('the README documents every variable exactly as the code defines it', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const spec of Object.values(ENV_TABLES)) expect(readme).toContain(renderEnvTable(spec));
  });

  it('unset and empty variables take their defaults; set ones are parsed', () => {
    const v = readEnv(verifierEnv, { SMTP_PORT: '2525', DNS_SERVERS: '127.0.0.1:5353, [::1]', ALLOW_PRIVATE_MX: 'yes', HELO_NAME: '' });
    expect(v.SMTP_PORT).toBe(2525);
    expect(v.DNS_SERVERS).toEqual(['127.0.0.1:5353', '[::1]:53']);
    expect(v.ALLOW_PRIVATE_MX).toBe(true);
    expect(v.HELO_NAME).toBeUndefined();
    expect(v.CHECK_DEADLINE).toBe(45);
  });

  it('a bad value is a one-line error naming the variable', () => {
    expect(() => readEnv(verifierEnv, { SMTP_PORT: 'twenty-five' })).toThrow(ConfigError);
    expect(() => readEnv(verifierEnv, { SMTP_PORT: '70000' })).toThrow(/SMTP_PORT must be between 1 and 65535/);
    expect(() => readEnv(verifierEnv, { PROXY_URL: 'http://proxy.test:8080' })).toThrow(/PROXY_URL/);
    expect(() => readEnv(verifierEnv, { ALLOW_PRIVATE_MX: 'maybe' })).toThrow(/ALLOW_PRIVATE_MX/);
  });
});
