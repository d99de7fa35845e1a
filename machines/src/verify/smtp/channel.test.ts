import { Socket } from 'node:net';
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
});
