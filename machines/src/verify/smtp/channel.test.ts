import { createServer, Socket, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { assertSafeCommand, SmtpChannel } from './channel.ts';

describe('SmtpChannel', () => {
  it.each(['RCPT TO:<a@example.test>\r\nDATA', 'MAIL FROM:<a@example.test>\n', 'EHLO a\0b', 'RCPT TO:<a@example.test>\rQUIT'])(
    'refuses to write %j, before anything reaches the socket',
    (command) => {
      const socket = new Socket();
      const written: unknown[] = [];
      socket.write = ((chunk: unknown) => written.push(chunk) > 0) as Socket['write'];
      const ch = new SmtpChannel(socket);
      expect(() => ch.write(['NOOP', command])).toThrow(/CR, LF or NUL/);
      expect(written).toEqual([]);
      ch.destroy();
    },
  );

  it('lets a plain command through', () => {
    expect(() => assertSafeCommand('RCPT TO:<alice@example.test>')).not.toThrow();
  });

  it('a read times out and the next read reports the same failure once the channel fails', async () => {
    const socket = new Socket();
    const ch = new SmtpChannel(socket);
    await expect(ch.read(20)).rejects.toMatchObject({ failure: 'timeout' });
    ch.fail('aborted', 'check aborted');
    await expect(ch.read(1000)).rejects.toMatchObject({ failure: 'aborted' });
    expect(socket.destroyed).toBe(true);
  });

  it('each read has its own timeout: one answered in time leaves nothing behind to fail the next, which times out on its own', async () => {
    const server = createServer((s) => {
      s.write('220 mx.example.test ESMTP\r\n');
      s.on('data', () => {}); // then silence
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket = new Socket();
    await new Promise<void>((r) => socket.connect((server.address() as AddressInfo).port, '127.0.0.1', r));
    const ch = new SmtpChannel(socket);
    try {
      expect((await ch.read(150)).code).toBe(220);
      // Past the first read's timeout: a timer left from it must not reject this one early.
      const started = Date.now();
      await expect(ch.read(400)).rejects.toMatchObject({ failure: 'timeout', message: 'no reply within 400 ms' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
      await expect(ch.read(100)).rejects.toMatchObject({ failure: 'timeout', message: 'no reply within 100 ms' });
    } finally {
      ch.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
