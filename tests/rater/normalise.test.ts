// Number normalisation (SPEC §2): every SBC format to one E.164 key; short codes keyed by the
// account's country.
import { diallingOf, displayNumber, normalise } from '@ratel/rater';
import { isRatelError } from '@ratel/schemas';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const FR = diallingOf('FR');
const BE = diallingOf('BE');

describe('diallingOf (libphonenumber metadata)', () => {
  it('knows the calling code, trunk and international prefixes', () => {
    expect(FR).toEqual({ cc: '33', trunk: '0', intl: '00' });
    expect(BE).toEqual({ cc: '32', trunk: '0', intl: '00' });
    expect(diallingOf('US')).toMatchObject({ cc: '1', intl: '011' });
    expect(diallingOf('DE')).toMatchObject({ cc: '49', trunk: '0' });
  });

  it('rejects an unknown country with CONFIG_INVALID', () => {
    let err: unknown;
    try {
      diallingOf('XX');
    } catch (e) {
      err = e;
    }
    expect(isRatelError(err) && err.code).toBe('CONFIG_INVALID');
  });
});

describe('normalise from France', () => {
  it.each([
    ['+33612345678', '33612345678'],
    ['0033612345678', '33612345678'],
    ['0612345678', '33612345678'],
    ['33612345678', '33612345678'], // bare international digits
    ['06 12 34 56 78', '33612345678'],
    ['06.12.34.56.78', '33612345678'],
    ['06-12-34-56-78', '33612345678'],
    ['(06) 12 34 56 78', '33612345678'],
    ['+33 6 12 34 56 78', '33612345678'],
    ['0140000000', '33140000000'],
    ['0899123456', '33899123456'],
    ['+32470123456', '32470123456'],
    ['0032470123456', '32470123456'],
    ['+1 (212) 555-0100', '12125550100'],
    ['+81312345678', '81312345678'],
  ])('%j -> %s', (raw, key) => {
    expect(normalise(raw, FR)).toBe(key);
  });

  it.each([
    ['112', '033112'],
    ['15', '03315'],
    ['17', '03317'],
    ['18', '03318'],
    ['3900', '0333900'],
    ['116000', '033116000'],
  ])('short code %s -> %s (0 + country code + code)', (raw, key) => {
    expect(normalise(raw, FR)).toBe(key);
  });

  it.each([
    '',
    'abc',
    '06 12 ab 56 78',
    '+',
    '++33612345678',
    '06+12345678',
    '+0612345678', // E.164 never starts with 0
    '+123456', // 6 digits: too short for E.164
    '+1234567890123456', // 16 digits: too long
    '0033', // international prefix and nothing behind it
    '+33_612345678',
  ])('%j is not a phone number -> null', (raw) => {
    expect(normalise(raw, FR)).toBeNull();
  });

  it('accepts E.164 lengths 7 to 15', () => {
    expect(normalise('+1234567', FR)).toBe('1234567');
    expect(normalise('+123456789012345', FR)).toBe('123456789012345');
  });
});

describe('normalise depends on the account country', () => {
  it('national numbers take the account calling code', () => {
    expect(normalise('0470123456', BE)).toBe('32470123456');
    expect(normalise('0470 12 34 56', BE)).toBe('32470123456');
    expect(normalise('0470123456', FR)).toBe('33470123456');
  });

  it('short codes are keyed by country: 112 in BE is not 112 in FR', () => {
    expect(normalise('112', BE)).toBe('032112');
    expect(normalise('101', BE)).toBe('032101');
    expect(normalise('112', FR)).not.toBe(normalise('112', BE));
  });

  it('uses the country international prefix (011 in the US)', () => {
    const US = diallingOf('US');
    expect(normalise('011 33 6 12 34 56 78', US)).toBe('33612345678');
    expect(normalise('+33612345678', US)).toBe('33612345678');
  });
});

describe('displayNumber', () => {
  it('shows E.164 with "+" and short codes as dialled', () => {
    expect(displayNumber('33612345678')).toBe('+33612345678');
    expect(displayNumber('033112', FR)).toBe('112');
    expect(displayNumber('03315', FR)).toBe('15');
  });
});

describe('properties', () => {
  const frNational = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.stringMatching(/^\d{8}$/)).map(([a, rest]) => `${a}${rest}`);
  const separators = fc.constantFrom('', ' ', '.', '-');

  it('every French format of a number gives the same key', () => {
    fc.assert(
      fc.property(frNational, separators, (nsn, sep) => {
        const key = `33${nsn}`;
        const spaced = `0${nsn.slice(0, 1)}${sep}${nsn.slice(1, 3)}${sep}${nsn.slice(3, 5)}${sep}${nsn.slice(5, 7)}${sep}${nsn.slice(7)}`;
        expect(normalise(`+33${nsn}`, FR)).toBe(key);
        expect(normalise(`0033${nsn}`, FR)).toBe(key);
        expect(normalise(`0${nsn}`, FR)).toBe(key);
        expect(normalise(spaced, FR)).toBe(key);
      }),
      { numRuns: 300 },
    );
  });

  it('a key is digits only, 7-15 long and never starts with 0 unless it is a short code', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('0', '1', '3', '6', '9', '+', ' ', '-', 'x'), maxLength: 18 }), (raw) => {
        const k = normalise(raw, FR);
        if (k === null) return;
        expect(k).toMatch(/^\d+$/);
        if (k.startsWith('0')) expect(k).toMatch(/^033\d{1,6}$/);
        else expect(k.length).toBeGreaterThanOrEqual(7);
        expect(k.length).toBeLessThanOrEqual(15);
      }),
      { numRuns: 500 },
    );
  });

  it('normalise(displayNumber(key)) = key', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.stringMatching(/^[1-9]\d{6,14}$/),
          fc.stringMatching(/^[1-9]\d{0,5}$/).map((code) => `033${code}`),
        ),
        (key) => {
          expect(normalise(displayNumber(key, FR), FR)).toBe(key);
        },
      ),
      { numRuns: 300 },
    );
  });
});
