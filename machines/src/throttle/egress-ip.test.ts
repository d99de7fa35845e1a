import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config.ts';
import { resolveEgressIp } from './egress-ip.ts';

const log = pino({ level: 'silent' });

describe('where the egress IP comes from', () => {
  it('EGRESS_IP wins, normalized', async () => {
    expect(await resolveEgressIp({ egressIp: ' [2001:DB8::1] ', edgeUrl: 'http://127.0.0.1:9', log })).toBe('2001:db8::1');
  });

  it('an EGRESS_IP that is not an address is a config error', async () => {
    await expect(resolveEgressIp({ egressIp: 'mail.example.test', log })).rejects.toBeInstanceOf(ConfigError);
  });

  it('behind a SOCKS5 proxy the machine refuses to guess: whoami would see its own address, not the proxy\'s', async () => {
    await expect(resolveEgressIp({ proxyUrl: 'socks5://127.0.0.1:1080', edgeUrl: 'http://127.0.0.1:9', log })).rejects.toThrow(/PROXY_URL.*EGRESS_IP/);
    expect(await resolveEgressIp({ proxyUrl: 'socks5://127.0.0.1:1080', egressIp: '192.0.2.7', log })).toBe('192.0.2.7');
  });
});
