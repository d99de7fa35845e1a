import { describe, expect, it } from 'vitest';
import { SyntaxSchema } from './result.ts';
import { checkSyntax, toAsciiDomain } from './syntax.ts';

describe('checkSyntax: valid addresses', () => {
  it('a plain address is valid and keeps its parts', () => {
    expect(checkSyntax('john.doe@example.test')).toEqual({
      address: 'john.doe@example.test',
      username: 'john.doe',
      domain: 'example.test',
      is_valid_syntax: true,
      normalized_email: 'john.doe@example.test',
      suggestion: null,
      asciiDomain: 'example.test',
      addressLiteral: null,
    });
  });

  it('its result fits the API schema (extra fields aside)', () => {
    expect(() => SyntaxSchema.parse(checkSyntax('john@example.test'))).not.toThrow();
    expect(() => SyntaxSchema.parse(checkSyntax('not an address'))).not.toThrow();
  });

  it.each([
    'a@example.test',
    "o'brien@example.test",
    'john+tag@example.test',
    "!#$%&'*+-/=?^_`{|}~@example.test",
    'x@sub.domain.example.test',
    'x@my-company.example',
    'x@123.example', // numeric labels are fine, only the TLD may not be numeric
    'x@xn--bcher-kva.example',
    '"john doe"@example.test',
    '"john@doe"@example.test',
    '"john\\"doe"@example.test',
    '"a\\\\b"@example.test',
    '"very.(),:;<>[]\\".VERY.\\"very@\\\\ \\"very\\".unusual"@strange.example.test',
    'user@[192.0.2.1]',
    'user@[IPv6:2001:db8::1]',
    'user@[IPv6:2001:db8:0:0:0:0:0:1]',
    'user@[IPv6:::ffff:192.0.2.1]',
    'user@[IPv6:1:2:3:4:5:6:192.0.2.1]',
    'josé@example.test', // RFC 6531 UTF-8 local part
    '用户@例え.テスト',
  ])('%s is valid', (address) => {
    const r = checkSyntax(address);
    expect(r.is_valid_syntax).toBe(true);
    expect(r.address).toBe(address);
    expect(r.asciiDomain).not.toBeNull();
  });

  it('surrounding whitespace is trimmed, inner whitespace is not', () => {
    expect(checkSyntax('  john@example.test ').address).toBe('john@example.test');
    expect(checkSyntax('jo hn@example.test').is_valid_syntax).toBe(false);
  });

  it('the domain is lowercased, the local part is kept as given', () => {
    const r = checkSyntax('John.Doe@Example.TEST');
    expect(r).toMatchObject({ username: 'John.Doe', domain: 'example.test', normalized_email: 'John.Doe@example.test' });
  });

  it('a Unicode domain is kept for display and converted to punycode for DNS and SMTP', () => {
    const r = checkSyntax('info@Bücher.example');
    expect(r).toMatchObject({
      is_valid_syntax: true,
      domain: 'bücher.example',
      asciiDomain: 'xn--bcher-kva.example',
      normalized_email: 'info@xn--bcher-kva.example',
    });
    expect(checkSyntax('x@例え.テスト').asciiDomain).toBe('xn--r8jz45g.xn--zckzah');
  });

  it('an address literal is valid, and says which IP it names', () => {
    expect(checkSyntax('user@[192.0.2.1]')).toMatchObject({ asciiDomain: '[192.0.2.1]', addressLiteral: '192.0.2.1' });
    expect(checkSyntax('user@[IPv6:2001:DB8::1]').addressLiteral).toBe('2001:db8::1');
  });
});

describe('checkSyntax: invalid addresses', () => {
  it.each([
    ['', 'empty'],
    ['john', 'no @'],
    ['@example.test', 'empty local part'],
    ['john@', 'empty domain'],
    ['.john@example.test', 'leading dot'],
    ['john.@example.test', 'trailing dot'],
    ['jo..hn@example.test', 'double dot'],
    ['jo(hn)@example.test', 'comment'],
    ['john@example.test (John)', 'trailing comment'],
    ['John <john@example.test>', 'display name'],
    ['<john@example.test>', 'angle brackets'],
    ['jo"hn@example.test', 'stray quote'],
    ['"john@example.test', 'unclosed quote'],
    ['""@example.test', 'empty quoted string'],
    ['"jo"hn"@example.test', 'unescaped quote in a quoted string'],
    ['a@b@example.test', 'two @'],
    ['john@localhost', 'single-label domain'],
    ['john@example', 'single-label domain'],
    ['john@example.test.', 'trailing dot in the domain'],
    ['john@.example.test', 'leading dot in the domain'],
    ['john@exa..mple.test', 'empty label'],
    ['john@-example.test', 'label starting with a hyphen'],
    ['john@example-.test', 'label ending with a hyphen'],
    ['john@exa_mple.test', 'underscore'],
    ['john@exa%41mple.test', 'percent-encoding (the URL parser would decode it)'],
    ['john@exa mple.test', 'space in the domain'],
    ['john@example.123', 'numeric TLD'],
    ['john@192.0.2.1', 'bare IP without brackets'],
    ['john@[192.0.2.256]', 'IPv4 literal out of range'],
    ['john@[192.0.2]', 'short IPv4 literal'],
    ['john@[2001:db8::1]', 'IPv6 literal without the IPv6: tag'],
    ['john@[IPv6:2001:db8::1::2]', 'two ::'],
    ['john@[IPv6:1:2:3:4:5:6:7]', 'seven groups without ::'],
    ['john@[IPv6:1:2:3:4:5:6:7::]', 'more than six groups besides ::'],
    ['john@[IPv6:192.0.2.1::]', 'IPv4 not at the end'],
    ['john@[IPv6:12345::1]', 'five hex digits'],
    ['john@[tag:whatever]', 'general address literal'],
    ['john@xn--zz.example', 'bad punycode'],
    ['john@a\uFF0Fb.example', 'fullwidth solidus maps to a forbidden character'],
    ['jo\u200Bhn@example.test', 'zero-width space in the local part'],
    ['jo\u202Ehn@example.test', 'bidi override in the local part'],
    ['jo\u00A0hn@example.test', 'no-break space in the local part'],
  ])('%j is invalid (%s)', (address) => {
    const r = checkSyntax(address);
    expect(r.is_valid_syntax).toBe(false);
    expect(r.address).toBeNull();
    expect(r.normalized_email).toBeNull();
    expect(r.asciiDomain).toBeNull();
  });

  it('an invalid address still reports its parts where they can be told apart', () => {
    expect(checkSyntax('jo..hn@Example.TEST')).toMatchObject({ username: 'jo..hn', domain: 'example.test' });
    expect(checkSyntax('john')).toMatchObject({ username: '', domain: '' });
  });

  it.each([
    ['CR LF', 'john@example.test\r\nRCPT TO:<x@example.test>'],
    ['LF', 'john@example.test\n'],
    ['CR', '\rjohn@example.test'],
    ['NUL', 'john\u0000@example.test'],
    ['TAB', 'jo\thn@example.test'],
    ['DEL', 'john\u007F@example.test'],
    ['C1 control', 'john\u0085@example.test'],
    ['a replacement character (bytes that were not UTF-8)', 'jo\uFFFDhn@example.test'],
    ['a lone high surrogate', 'jo\uD800hn@example.test'],
    ['a lone low surrogate', 'jo\uDC00hn@example.test'],
    ['a control character inside quotes', '"jo\nhn"@example.test'],
  ])('an address with %s is invalid and echoes nothing back', (_, address) => {
    expect(checkSyntax(address)).toMatchObject({
      is_valid_syntax: false,
      address: null,
      username: '',
      domain: '',
      suggestion: null,
      asciiDomain: null,
    });
  });

  it('a well-paired surrogate (an emoji) is not mistaken for a lone one', () => {
    expect(checkSyntax('😀@example.test').is_valid_syntax).toBe(true);
  });
});

describe('checkSyntax: length limits (octets of UTF-8)', () => {
  const label63 = 'a'.repeat(63);

  it('a 64-octet local part is valid, 65 is not', () => {
    expect(checkSyntax(`${'a'.repeat(64)}@example.test`).is_valid_syntax).toBe(true);
    expect(checkSyntax(`${'a'.repeat(65)}@example.test`).is_valid_syntax).toBe(false);
  });

  it('the local part is measured in UTF-8 octets, not characters', () => {
    expect(checkSyntax(`${'é'.repeat(32)}@example.test`).is_valid_syntax).toBe(true); // 64 octets
    expect(checkSyntax(`${'é'.repeat(33)}@example.test`).is_valid_syntax).toBe(false); // 66 octets
  });

  it('a 63-octet label is valid, 64 is not', () => {
    expect(checkSyntax(`x@${label63}.test`).is_valid_syntax).toBe(true);
    expect(checkSyntax(`x@${label63}a.test`).is_valid_syntax).toBe(false);
  });

  it('the whole address may have 254 octets, not 255', () => {
    // local 62 + @ + domain 191 = 254
    const domain = `${label63}.${label63}.${'a'.repeat(58)}.test`;
    expect(domain.length).toBe(63 + 1 + 63 + 1 + 58 + 5);
    expect(checkSyntax(`${'b'.repeat(62)}@${domain}`).is_valid_syntax).toBe(true);
    expect(checkSyntax(`${'b'.repeat(63)}@${domain}`).is_valid_syntax).toBe(false);
  });

  it('a domain longer than 253 octets is invalid', () => {
    const domain = `${label63}.${label63}.${label63}.${'a'.repeat(57)}.test`; // 254
    expect(toAsciiDomain(domain)).toBeNull();
    expect(toAsciiDomain(domain.slice(1))).toBe(domain.slice(1));
  });

  it('a punycoded domain is measured in its ASCII form', () => {
    // 60 × "ü" is a 60-character label but a longer A-label (xn--tdaaa…, over 63).
    expect(checkSyntax(`x@${'ü'.repeat(60)}.example`).is_valid_syntax).toBe(false);
    expect(checkSyntax(`x@${'ü'.repeat(20)}.example`).is_valid_syntax).toBe(true);
  });

  it.each([
    ['100k dots', '.'.repeat(100_000)],
    ['100k a', 'a'.repeat(100_000)],
    ['100k a then @', `${'a'.repeat(100_000)}@`],
    ['100k of a.', `${'a.'.repeat(50_000)}@example.test`],
    ['100k quotes and backslashes', `"${'\\'.repeat(100_000)}`],
    ['100k labels', `x@${'a.'.repeat(50_000)}test`],
    ['100k Unicode', `x@${'ü'.repeat(100_000)}.example`],
  ])('a huge input (%s) is simply invalid', (_, input) => {
    expect(checkSyntax(input).is_valid_syntax).toBe(false);
  });
});

describe('checkSyntax: normalization', () => {
  it('Gmail dots, +tags and googlemail.com are folded only when asked', () => {
    expect(checkSyntax('J.Doe+news@GoogleMail.com').normalized_email).toBe('J.Doe+news@googlemail.com');
    expect(checkSyntax('J.Doe+news@GoogleMail.com', { gmailDots: true }).normalized_email).toBe('jdoe@gmail.com');
    expect(checkSyntax('j.o.h.n@gmail.com', { gmailDots: true }).normalized_email).toBe('john@gmail.com');
  });

  it('Gmail folding leaves other domains alone', () => {
    expect(checkSyntax('J.Doe+news@example.test', { gmailDots: true }).normalized_email).toBe('J.Doe+news@example.test');
  });

  it('Gmail folding never produces an empty local part', () => {
    expect(checkSyntax('+tag@gmail.com', { gmailDots: true }).normalized_email).toBe('+tag@gmail.com');
  });
});

describe('checkSyntax: suggestions', () => {
  it.each([
    ['john@gmial.com', 'john@gmail.com'],
    ['john@gmail.con', 'john@gmail.com'],
    ['John.Doe@HOTMIAL.com', 'John.Doe@hotmail.com'],
    ['"john doe"@yaho.com', '"john doe"@yahoo.com'],
    ['john@mycompany.con', 'john@mycompany.com'],
  ])('a valid address with a misspelt domain, %s, suggests %s', (address, suggestion) => {
    const r = checkSyntax(address);
    expect(r.is_valid_syntax).toBe(true);
    expect(r.suggestion).toBe(suggestion);
  });

  it.each([
    ['john@gmail,com', 'john@gmail.com'],
    ['john@gmail..com', 'john@gmail.com'],
    ['john@gmail.com.', 'john@gmail.com'],
    ['john@gmial,com', 'john@gmail.com'],
    ['john@gmailcom', 'john@gmail.com'],
  ])('a near-valid address, %s, suggests %s', (address, suggestion) => {
    const r = checkSyntax(address);
    expect(r.is_valid_syntax).toBe(false);
    expect(r.suggestion).toBe(suggestion);
  });

  it.each(['john@gmail.com', 'john@example.test', 'jo..hn@gmial.com', 'john@[192.0.2.1]', 'john@exa_mple.test'])(
    '%s gets no suggestion',
    (address) => {
      expect(checkSyntax(address).suggestion).toBeNull();
    },
  );
});

describe('toAsciiDomain', () => {
  it.each([
    ['Example.TEST', 'example.test'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['ＥＸＡＭＰＬＥ.test', 'example.test'], // UTS #46 maps fullwidth letters
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
  ])('%s → %s', (domain, ascii) => {
    expect(toAsciiDomain(domain)).toBe(ascii);
  });

  it.each(['', 'a b.test', 'a/b.test', 'a:1.test', 'a@b.test', '１２７.０.０.１', 'bücher.example.', '.bücher.example', '\u200D.test'])(
    '%j is refused',
    (domain) => {
      expect(toAsciiDomain(domain)).toBeNull();
    },
  );
});
