import { describe, expect, it } from 'vitest';
import { parseEnhancedCode } from '../replies.ts';
import { ReplyReader, SmtpProtocolError } from './reply-reader.ts';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('ReplyReader', () => {
  it('reads a one-line reply and its enhanced status code', () => {
    const [reply, ...rest] = new ReplyReader().push(bytes('550 5.1.1 <a@example.test>: Recipient address rejected: User unknown in local recipient table\r\n'));
    expect(rest).toEqual([]);
    expect(reply).toEqual({
      code: 550,
      enhanced: '5.1.1',
      text: '5.1.1 <a@example.test>: Recipient address rejected: User unknown in local recipient table',
      lines: ['5.1.1 <a@example.test>: Recipient address rejected: User unknown in local recipient table'],
    });
  });

  it('joins a multi-line reply with "\\n", codes and separators stripped', () => {
    const r = new ReplyReader().push(bytes('250-mx.example.test at your service\r\n250-SIZE 157286400\r\n250-PIPELINING\r\n250 SMTPUTF8\r\n'));
    expect(r).toHaveLength(1);
    expect(r[0]!.code).toBe(250);
    expect(r[0]!.text).toBe('mx.example.test at your service\nSIZE 157286400\nPIPELINING\nSMTPUTF8');
    expect(r[0]!.enhanced).toBeNull();
  });

  it('waits for the rest of a line split across chunks, even inside the CRLF', () => {
    const reader = new ReplyReader();
    expect(reader.push(bytes('25'))).toEqual([]);
    expect(reader.push(bytes('0-first\r'))).toEqual([]);
    expect(reader.midReply).toBe(true);
    expect(reader.push(bytes('\n250 2.1.5 Ok'))).toEqual([]);
    const [reply] = reader.push(bytes('\r\n'));
    expect(reply).toMatchObject({ code: 250, enhanced: '2.1.5', text: 'first\n2.1.5 Ok' });
    expect(reader.midReply).toBe(false);
  });

  it('returns every reply a chunk completes, in order (pipelined answers)', () => {
    const r = new ReplyReader().push(bytes('250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 no\r\n'));
    expect(r.map((x) => x.code)).toEqual([250, 250, 550]);
  });

  it('accepts bare LF as a line end', () => {
    const r = new ReplyReader().push(bytes('220-mx.example.test ESMTP\n220 ready\n'));
    expect(r).toHaveLength(1);
    expect(r[0]!.text).toBe('mx.example.test ESMTP\nready');
  });

  it('accepts a reply code with no text', () => {
    expect(new ReplyReader().push(bytes('250\r\n'))[0]).toMatchObject({ code: 250, text: '' });
  });

  it('decodes invalid UTF-8 as latin1 instead of throwing', () => {
    const line = Buffer.concat([bytes('550 5.1.1 Benutzer unbekannt: M'), Buffer.from([0xfc]), bytes('ller\r\n')]);
    expect(new ReplyReader().push(line)[0]!.text).toBe('5.1.1 Benutzer unbekannt: Müller');
  });

  it('decodes UTF-8 text (SMTPUTF8 servers)', () => {
    expect(new ReplyReader().push(bytes('550 5.1.1 Empfänger unbekannt\r\n'))[0]!.text).toBe('5.1.1 Empfänger unbekannt');
  });

  it('rejects garbage such as an HTTP answer', () => {
    expect(() => new ReplyReader().push(bytes('HTTP/1.1 400 Bad Request\r\n'))).toThrow(SmtpProtocolError);
  });

  it('rejects a continuation line with a different code', () => {
    expect(() => new ReplyReader().push(bytes('250-first\r\n550 second\r\n'))).toThrow(/code changed from 250 to 550/);
  });

  it('rejects a line longer than the limit even when it never ends', () => {
    const reader = new ReplyReader({ maxLineBytes: 100 });
    expect(reader.push(bytes(`220 ${'x'.repeat(90)}`))).toEqual([]);
    expect(() => reader.push(bytes('x'.repeat(20)))).toThrow(/longer than 100 bytes/);
  });

  it('accepts a line exactly at the limit with its CRLF split off', () => {
    const reader = new ReplyReader({ maxLineBytes: 100 });
    const line = `250 ${'x'.repeat(96)}`;
    expect(reader.push(bytes(`${line}\r`))).toEqual([]);
    expect(reader.push(bytes('\n'))[0]!.text).toHaveLength(96);
  });

  it('rejects a 100 KB line sent without a newline', () => {
    expect(() => new ReplyReader().push(bytes('x'.repeat(100_000)))).toThrow(/longer than 2048 bytes/);
  });

  it('rejects a reply with too many lines', () => {
    const reader = new ReplyReader({ maxReplyLines: 5 });
    expect(() => reader.push(bytes('250-x\r\n'.repeat(6)))).toThrow(/longer than 5 lines/);
  });

  it('rejects a reply larger than the byte limit', () => {
    const reader = new ReplyReader({ maxReplyBytes: 1000 });
    expect(() => reader.push(bytes(`250-${'y'.repeat(400)}\r\n`.repeat(3)))).toThrow(/larger than 1000 bytes/);
  });

  it('stays broken after a protocol error', () => {
    const reader = new ReplyReader();
    expect(() => reader.push(bytes('garbage\r\n'))).toThrow(SmtpProtocolError);
    expect(() => reader.push(bytes('250 ok\r\n'))).toThrow(SmtpProtocolError);
  });
});

describe('parseEnhancedCode', () => {
  it.each([
    ['5.1.1 <a@example.test>: Recipient address rejected', '5.1.1'],
    ['4.2.0 Greylisted', '4.2.0'],
    ['5.7.1 Service unavailable', '5.7.1'],
    ['2.1.5 Ok', '2.1.5'],
    ['5.1.10 RCPT TO syntax', '5.1.10'],
    ['Ok', null],
    ['5.1 not a code', null],
    ['3.1.1 not a class', null],
    ['5.1.1234 too long', null],
    ['5.135.185.166 is on a blocklist', null],
    ['5.7.1. Message rejected', '5.7.1'],
  ])('%s → %s', (text, code) => {
    expect(parseEnhancedCode(text)).toBe(code);
  });
});
