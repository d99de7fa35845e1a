import { describe, expect, it } from 'vitest';
import { COMMON_DOMAINS, editDistance, suggestDomain } from './typo.ts';

describe('suggestDomain', () => {
  it.each([
    ['gmial.com', 'gmail.com'],
    ['gamil.com', 'gmail.com'],
    ['gmal.com', 'gmail.com'],
    ['gmaill.com', 'gmail.com'],
    ['gmail.co', 'gmail.com'],
    ['gmail.con', 'gmail.com'],
    ['gmail.cmo', 'gmail.com'],
    ['gmailcom', 'gmail.com'],
    ['GMIAL.COM', 'gmail.com'],
    ['hotmial.com', 'hotmail.com'],
    ['hotmal.con', 'hotmail.com'],
    ['yaho.com', 'yahoo.com'],
    ['yahooo.com', 'yahoo.com'],
    ['yaho.co.uk', 'yahoo.co.uk'],
    ['yahoo.couk', 'yahoo.co.uk'],
    ['outlok.com', 'outlook.com'],
    ['otlook.com', 'outlook.com'],
    ['icloud.cm', 'icloud.com'],
    ['iclod.com', 'icloud.com'],
    ['googlemial.com', 'googlemail.com'],
    ['comcast.nte', 'comcast.net'],
    ['protonmial.com', 'protonmail.com'],
  ])('a misspelt provider %s is suggested as %s', (typo, intended) => {
    expect(suggestDomain(typo)).toBe(intended);
  });

  it.each([
    ['mycompany.con', 'mycompany.com'],
    ['mycompany.ocm', 'mycompany.com'],
    ['mycompany.comm', 'mycompany.com'],
    ['example.nte', 'example.net'],
    ['example.orgg', 'example.org'],
  ])('a TLD that does not exist, %s, is corrected to %s', (typo, intended) => {
    expect(suggestDomain(typo)).toBe(intended);
  });

  it.each([
    'example.org',
    'mycompany.com',
    'example.test',
    'mycompany.co', // .co is a real TLD: only providers' names are corrected
    'mycompany.cm',
    'cloud.com', // not icloud.com: a different real name
    'mi.com', // short names are never "corrected" (not me.com)
    'main.com', // not mail.com
    'gmx.at', // GMX's own sibling domains stay as they are
    'yahoo.fr',
    'hotmail.co.uk',
    'ymail.com',
    'email.com',
    'mail.yahoo.example',
    '',
  ])('%s is not a typo and gets no suggestion', (domain) => {
    expect(suggestDomain(domain)).toBeNull();
  });

  it('never suggests anything for a listed provider domain', () => {
    for (const domain of COMMON_DOMAINS) expect(suggestDomain(domain), domain).toBeNull();
  });

  it('an absurdly long domain is not compared (and returns at once)', () => {
    expect(suggestDomain(`${'g'.repeat(100_000)}.com`)).toBeNull();
  });
});

describe('editDistance', () => {
  it.each([
    ['gmail', 'gmail', 0],
    ['gmail', 'gmial', 1], // one transposition
    ['gmail', 'gmal', 1],
    ['gmail', 'gmaill', 1],
    ['gmail', 'hotmail', 3],
    ['ca', 'abc', 3], // OSA, not full Damerau–Levenshtein (which gives 2)
    ['', 'abc', 3],
  ])('distance(%s, %s) = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});
