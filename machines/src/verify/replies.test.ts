import { describe, expect, it } from 'vitest';
import { REPLY_EXAMPLES } from '../../../test/data/reply-examples.ts';
import {
  classifyReply,
  ENHANCED_RULES,
  explainReply,
  normalizeReplyText,
  parseEnhancedCode,
  REPLY_PATTERNS,
} from './replies.ts';

describe('parseEnhancedCode', () => {
  it('reads the enhanced code at the start of the text', () => {
    expect(parseEnhancedCode('5.1.1 <user@example.test>: Recipient address rejected: User unknown')).toBe('5.1.1');
    expect(parseEnhancedCode('4.2.2 The email account that you tried to reach is over quota.', 452)).toBe('4.2.2');
    expect(parseEnhancedCode('5.7.606 Access denied, banned sending IP [192.0.2.1].', 550)).toBe('5.7.606');
    expect(parseEnhancedCode('5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found', 550)).toBe('5.1.10');
    expect(parseEnhancedCode('2.1.5 Ok', 250)).toBe('2.1.5');
  });

  it('finds nothing when the text does not start with one', () => {
    expect(parseEnhancedCode('Requested action not taken: mailbox unavailable', 550)).toBeNull();
    expect(parseEnhancedCode('cuda_nsu 5.1.1 <email@example.com> Recipient address rejected: User unknown', 550)).toBeNull();
    expect(parseEnhancedCode('Sorry, no mailbox here by that name. (#5.1.1)', 554)).toBeNull();
    expect(parseEnhancedCode('', 550)).toBeNull();
  });

  it('ignores a code whose class disagrees with the basic code', () => {
    expect(parseEnhancedCode('5.1.1 User unknown', 450)).toBeNull();
    expect(parseEnhancedCode('4.7.1 Try again later', 550)).toBeNull();
    expect(parseEnhancedCode('5.1.1 User unknown', 550)).toBe('5.1.1');
  });

  it('rejects classes other than 2, 4 and 5, and IP addresses that look like codes', () => {
    expect(parseEnhancedCode('3.1.1 something')).toBeNull();
    expect(parseEnhancedCode('5.135.185.166 found on one or more DNSBLs', 554)).toBeNull();
    expect(parseEnhancedCode('5.1.1234 too long', 550)).toBeNull();
  });

  it('takes the first line of a multi-line reply, where Gmail repeats the code on every line', () => {
    const gmail =
      '5.1.1 The email account that you tried to reach does not exist. Please try\n' +
      "5.1.1 double-checking the recipient's email address for typos or\n" +
      '5.1.1 unnecessary spaces.';
    expect(parseEnhancedCode(gmail, 550)).toBe('5.1.1');
    expect(parseEnhancedCode('Service unavailable; Client host [192.0.2.1] blocked using\n5.7.1 Barracuda', 554)).toBeNull();
  });
});

describe('normalizeReplyText', () => {
  it('joins lines, drops the repeated codes and lower-cases, so a phrase split across lines still matches', () => {
    const text =
      '5.7.25 The IP address sending this message does not have a\n5.7.25 PTR record setup, or the corresponding\n5.7.25 forward DNS entry';
    expect(normalizeReplyText(text)).toBe(
      'the ip address sending this message does not have a ptr record setup, or the corresponding forward dns entry',
    );
    expect(normalizeReplyText('This user doesn\u2019t have a yahoo.com account')).toBe("this user doesn't have a yahoo.com account");
  });
});

describe('classifyReply on real server replies', () => {
  it.each(REPLY_EXAMPLES.map((e) => [e.expected, e.code, e.text, e.source] as const))(
    'classifies as %s: %i %s (%s)',
    (expected, code, text) => {
      expect(classifyReply({ code, text })).toBe(expected);
    },
  );

  it('has a real reply for every pattern, so no pattern is a guess', () => {
    const used = new Set<string>(REPLY_EXAMPLES.map((e) => explainReply(e).evidence));
    const unused = REPLY_PATTERNS.map((p) => `pattern:${p.id}`).filter((id) => !used.has(id));
    expect(unused).toEqual([]);
  });

  it('has at least 40 examples and covers every class', () => {
    expect(REPLY_EXAMPLES.length).toBeGreaterThanOrEqual(40);
    const classes = new Set(REPLY_EXAMPLES.map((e) => e.expected));
    for (const c of ['accepted', 'cannot_verify', 'rate_limited', 'no_mailbox', 'disabled', 'full', 'greylisted', 'temporary', 'policy', 'sender', 'relay_denied', 'unknown']) {
      expect(classes, c).toContain(c);
    }
  });

  it('has patterns made of printable characters only (a stray \\b in a generated edit once became a backspace)', () => {
    for (const p of REPLY_PATTERNS) expect(p.match.source, p.id).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
  });

  it('gives pattern ids that are unique', () => {
    const ids = REPLY_PATTERNS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('classifyReply order of evidence', () => {
  it('accepts any 2xx whatever the text says', () => {
    expect(classifyReply({ code: 250, text: '2.1.5 Recipient OK' })).toBe('accepted');
    expect(classifyReply({ code: 251, text: 'User not local; will forward to <user@example.test>' })).toBe('accepted');
  });

  it('does not treat non-answers (1xx, 3xx, out of range) as a verdict', () => {
    expect(classifyReply({ code: 354, text: 'End data with <CR><LF>.<CR><LF>' })).toBe('unknown');
    expect(classifyReply({ code: 999, text: 'User unknown' })).toBe('unknown');
  });

  it('decides by the enhanced code when the text is not recognised', () => {
    expect(classifyReply({ code: 550, text: '5.1.1 Computer says no' })).toBe('no_mailbox');
    expect(classifyReply({ code: 553, text: '5.1.3 Computer says no' })).toBe('no_mailbox');
    expect(classifyReply({ code: 551, text: '5.1.6 Computer says no' })).toBe('no_mailbox');
    expect(classifyReply({ code: 550, text: '5.1.10 Computer says no' })).toBe('no_mailbox');
    expect(classifyReply({ code: 550, text: '5.2.1 Computer says no' })).toBe('disabled');
    expect(classifyReply({ code: 552, text: '5.2.2 Computer says no' })).toBe('full');
    expect(classifyReply({ code: 452, text: '4.2.2 Computer says no' })).toBe('full');
    expect(classifyReply({ code: 550, text: '5.7.1 Computer says no' })).toBe('policy');
    expect(classifyReply({ code: 450, text: '4.7.1 Computer says no' })).toBe('policy');
    expect(classifyReply({ code: 553, text: '5.1.8 Computer says no' })).toBe('sender');
    expect(classifyReply({ code: 550, text: '5.7.23 Computer says no' })).toBe('sender');
    expect(classifyReply({ code: 550, text: '5.7.25 Computer says no' })).toBe('policy');
    expect(classifyReply({ code: 554, text: '5.2.122 Computer says no' })).toBe('rate_limited');
    expect(classifyReply({ code: 452, text: '4.4.5 Computer says no' })).toBe('temporary');
  });

  it('uses an enhanced code the client already parsed, and re-checks it against the basic code', () => {
    expect(classifyReply({ code: 550, text: 'Computer says no', enhanced: '5.1.1' })).toBe('no_mailbox');
    expect(explainReply({ code: 550, text: 'Computer says no', enhanced: '5.1.1' }).evidence).toBe('enhanced:5.1.1');
    // A 4.x.x code on a 5xx reply is ignored: the basic code wins.
    expect(classifyReply({ code: 550, text: 'Computer says no', enhanced: '4.2.2' })).toBe('unknown');
    expect(classifyReply({ code: 550, text: '4.2.2 Computer says no' })).toBe('unknown');
  });

  it('never reads a 4xx as proof the mailbox is missing or disabled', () => {
    expect(classifyReply({ code: 450, text: '4.1.1 Computer says no' })).toBe('temporary');
    expect(classifyReply({ code: 450, text: '4.2.1 Computer says no' })).toBe('temporary');
    expect(classifyReply({ code: 450, text: 'User unknown' })).toBe('temporary');
  });

  it('does not call message-too-big (5.2.3) a full mailbox', () => {
    expect(classifyReply({ code: 552, text: '5.2.3 Computer says no' })).toBe('unknown');
  });

  it('falls back to temporary for an unrecognised 4xx and unknown for an unrecognised 5xx', () => {
    expect(explainReply({ code: 451, text: 'Computer says no' })).toMatchObject({ class: 'temporary', evidence: 'default' });
    expect(explainReply({ code: 550, text: 'Computer says no' })).toMatchObject({ class: 'unknown', evidence: 'default' });
    expect(explainReply({ code: 554, text: '5.3.0 Computer says no' })).toMatchObject({ class: 'unknown', evidence: 'default' });
  });

  it('lets a clear "no such user" text beat a 5.7.x code, but not a policy text', () => {
    expect(classifyReply({ code: 550, text: '5.7.1 <user@example.test>: Recipient address rejected: User unknown' })).toBe('no_mailbox');
    expect(
      classifyReply({ code: 550, text: '5.7.1 Client host [192.0.2.1] blocked using zen.spamhaus.org; user unknown' }),
    ).toBe('policy');
    expect(classifyReply({ code: 550, text: '5.7.1 Requested action not taken: mailbox unavailable' })).toBe('policy');
    // The phrasings issue 10 names: a 5.7.x about the recipient is about the mailbox.
    expect(classifyReply({ code: 550, text: '5.7.1 This address is marked as invalid' })).toBe('no_mailbox');
    expect(classifyReply({ code: 554, text: '5.7.1 <user@example.test>: recipient does not exist' })).toBe('no_mailbox');
  });

  it('reports the Microsoft 365 edge-blocking reply as no mailbox, and other "Access denied" as not', () => {
    expect(classifyReply({ code: 550, text: '5.4.1 Recipient address rejected: Access denied. AS(201806281) [x.prod.protection.outlook.com]' })).toBe(
      'no_mailbox',
    );
    expect(classifyReply({ code: 550, text: '5.7.1 Client host rejected: Access denied' })).toBe('policy');
    expect(classifyReply({ code: 550, text: 'Access denied' })).toBe('policy');
  });
});

describe('a policy rejection is never a mailbox verdict', () => {
  const mailboxClasses = new Set(['no_mailbox', 'disabled', 'full', 'accepted']);
  // Policy replies recognised by their text (the others are policy only through their 4.7.x/5.7.x code).
  const policyTexts = REPLY_EXAMPLES.filter((e) => e.expected === 'policy' && explainReply(e).evidence.startsWith('pattern:'));

  it('covers most policy examples', () => {
    expect(policyTexts.length).toBeGreaterThanOrEqual(25);
  });

  it.each(policyTexts.map((e) => [e.code, e.text] as const))('%i %s', (code, text) => {
    // Whatever enhanced code a server puts in front, blocklist/rDNS/reputation texts stay policy.
    for (const enhanced of ['5.1.1', '5.2.1', '5.2.2', '5.5.0', null]) {
      const replyCode = code >= 500 ? code : 550;
      const cls = classifyReply({ code: replyCode, text, enhanced });
      expect(mailboxClasses.has(cls), `${enhanced ?? 'no code'} -> ${cls}`).toBe(false);
    }
  });

  it('keeps the enhanced rules from mapping any x.7.x to a mailbox class: about our IP, or about our sender domain (RFC 7372)', () => {
    for (const detail of ['0', '1', '25', '28', '606']) {
      expect(ENHANCED_RULES.find((r) => r.code.test(`5.7.${detail}`))?.class, `5.7.${detail}`).toBe('policy');
    }
    for (const detail of ['20', '23', '24', '26', '27']) {
      expect(ENHANCED_RULES.find((r) => r.code.test(`5.7.${detail}`))?.class, `5.7.${detail}`).toBe('sender');
    }
  });
});

describe('the classes in the other direction', () => {
  const byClass = (c: string) => REPLY_EXAMPLES.filter((e) => e.expected === c);
  const otherCodes = ['5.1.1', '5.2.1', '5.7.1', '5.5.0', null];

  it.each(byClass('sender').map((e) => [e.code, e.text] as const))('about our reverse path, whatever code comes with it: %i %s', (code, text) => {
    for (const enhanced of otherCodes) {
      const cls = classifyReply({ code: code >= 500 ? code : 550, text, enhanced });
      expect(['no_mailbox', 'disabled', 'full', 'accepted'], `${enhanced ?? 'no code'} -> ${cls}`).not.toContain(cls);
    }
  });

  it.each(byClass('rate_limited').map((e) => [e.code, e.text] as const))('a recipient over its rate is never invalid: %i %s', (code, text) => {
    for (const enhanced of otherCodes) expect(classifyReply({ code, text, enhanced })).toBe('rate_limited');
  });

  it.each(byClass('no_mailbox').concat(byClass('disabled')).map((e) => [e.code, e.text] as const))(
    'a recipient-about text in a 4xx proves nothing yet: %i %s',
    (code, text) => {
      // The same words with a 4xx basic code (and the enhanced class digit to match) are a deferral, never a verdict.
      const deferred = text.replace(/(^|\n)5\.(\d{1,3}\.\d{1,3})/g, '$14.$2');
      expect(code).toBeGreaterThanOrEqual(500);
      expect(['no_mailbox', 'disabled']).not.toContain(classifyReply({ code: 450, text: deferred }));
    },
  );

  it('252 is never acceptance, whatever its text', () => {
    expect(classifyReply({ code: 252, text: '2.1.5 OK' })).toBe('cannot_verify');
    expect(classifyReply({ code: 251, text: 'User not local; will forward to <user@example.test>' })).toBe('accepted');
  });

  it('"your account" or a sender\'s account being suspended is about us, not the mailbox', () => {
    expect(classifyReply({ code: 550, text: '5.7.1 Your account has been suspended for sending spam' })).toBe('policy');
    expect(classifyReply({ code: 550, text: '5.7.1 Sender account is disabled' })).not.toBe('disabled');
  });
});
