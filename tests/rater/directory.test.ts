/** The subscriber directory (rater/src/directory.ts): numbers, ranges, SIP users, ambiguity, national numbers. */
import { type AccountEntry, AMBIGUOUS, accountBook, Directory, diallingOf, loadCatalog, NO_SUBSCRIBER, numberKey } from '@ratel/rater';
import { describe, expect, it } from 'vitest';

const catalog = loadCatalog();
const account = (id: string, country: string, users: AccountEntry['users']): AccountEntry => ({
  id,
  plan: country === 'FR' ? 'fr-pro' : 'be-unlimited-fixed',
  activated: '2025-01-01',
  country,
  time_zone: country === 'FR' ? 'Europe/Paris' : 'Europe/Brussels',
  vat_country: country,
  users,
});
const who = (d: Directory, s: number) => (s < 0 ? s : `${d.subscriber(s).account.id}/${d.subscriber(s).userId}`);

describe('Directory', () => {
  const book = accountBook(
    [
      account('fr', 'FR', [
        { id: 'pbx', numbers: ['+33140000000-+33140009999'] },
        { id: 'team', numbers: ['+33140000100-+33140000199'] },
        { id: 'direct', numbers: ['0140000150'], sip_users: ['direct@pbx'] },
        { id: 'twin-a', numbers: ['+33150000000-+33150000009'] },
        { id: 'twin-b', numbers: ['+33150000000-+33150000009'], sip_users: ['shared@pbx'] },
        { id: 'x', sip_users: ['shared@pbx'] },
      ]),
      account('be', 'BE', [{ id: 'desk', numbers: ['021234567', '+3240000000'] }]),
      account('fr2', 'FR', [{ id: 'desk2', numbers: ['+33240000000'] }]),
    ],
    catalog,
  );
  const d = Directory.compile(book);

  it('finds single numbers, ranges (both ends in), and the narrowest entry over a number', () => {
    expect(who(d, d.lookupNumber('+33140000000'))).toBe('fr/pbx');
    expect(who(d, d.lookupNumber('+33140009999'))).toBe('fr/pbx');
    expect(d.lookupNumber('+33140010000')).toBe(NO_SUBSCRIBER);
    expect(who(d, d.lookupNumber('+33140000100'))).toBe('fr/team'); // a block inside the PBX's
    expect(who(d, d.lookupNumber('+33140000199'))).toBe('fr/team');
    expect(who(d, d.lookupNumber('+33140000200'))).toBe('fr/pbx');
    expect(who(d, d.lookupNumber('+33140000150'))).toBe('fr/direct'); // a single number inside both
    expect(d.numberCount).toBe(10_000 + 100 + 1 + 10 + 10 + 2 + 1);
  });

  it('reads the numbers of a file with +, 00 and the national trunk prefix, with every country of the directory', () => {
    expect(who(d, d.lookupNumber('0140000150'))).toBe('fr/direct');
    expect(who(d, d.lookupNumber('0033140000150'))).toBe('fr/direct');
    expect(who(d, d.lookupNumber('021234567'))).toBe('be/desk');
    // 040000000 reads +33 40000000 in France (fr2's number is +33240000000, not this one) and +32 40000000 in Belgium.
    expect(who(d, d.lookupNumber('040000000'))).toBe('be/desk');
    expect(who(d, d.lookupNumber('040000000', diallingOf('BE')))).toBe('be/desk');
    expect(d.lookupNumber('040000000', diallingOf('FR'))).toBe(NO_SUBSCRIBER);
    expect(d.lookupNumber('112')).toBe(NO_SUBSCRIBER);
    expect(d.lookupNumber('anonymous')).toBe(NO_SUBSCRIBER);
    expect(d.lookupNumber('')).toBe(NO_SUBSCRIBER);
  });

  it('gives AMBIGUOUS for a number or SIP user of two users, and names them', () => {
    expect(d.lookupNumber('+33150000005')).toBe(AMBIGUOUS);
    expect(d.candidates('+33150000005')).toBe('two ranges of the same width');
    expect(d.lookupSipUser('shared@pbx')).toBe(AMBIGUOUS);
    expect(d.candidates('shared@pbx')).toBe('fr/twin-b, fr/x');
    expect(who(d, d.lookupSipUser('direct@pbx'))).toBe('fr/direct');
    expect(d.lookupSipUser('nobody@pbx')).toBe(NO_SUBSCRIBER);
    const dup = Directory.compile(
      accountBook(
        [account('a', 'FR', [{ id: 'u1', numbers: ['+33160000000'] }]), account('b', 'FR', [{ id: 'u2', numbers: ['0160000000'] }])],
        catalog,
      ),
    );
    expect(dup.lookupNumber('+33160000000')).toBe(AMBIGUOUS);
    expect(dup.candidates('+33160000000')).toBe('a/u1, b/u2');
  });

  it('refuses entries that are no numbers, ranges of unequal length and reversed ranges, naming the account and user', () => {
    const bad = (numbers: string[]) => () =>
      Directory.compile(accountBook([account('a', 'FR', [{ id: 'u', numbers }])], catalog), 'f.json');
    expect(bad(['112'])).toThrow(/CATALOG_INVALID|tariff catalog f.json at account a user u: number "112" is not a phone number/);
    expect(bad(['+33140000000-+331400000099'])).toThrow(/both ends must have the same number of digits/);
    expect(bad(['+33140000099-+33140000000'])).toThrow(/the last number is before the first/);
    // The schema refuses what is not digits.
    expect(() => accountBook([account('a', 'FR', [{ id: 'u', numbers: ['01 40 00 00 00'] }])], catalog)).toThrow(/numbers/);
  });

  it('numberKey reads a clean number without allocating: E.164 digits as one number, -1 for what is no subscriber number', () => {
    const fr = diallingOf('FR');
    expect(numberKey('+33140000000', fr)).toBe(33140000000);
    expect(numberKey('0140000000', fr)).toBe(33140000000);
    expect(numberKey('0033140000000', fr)).toBe(33140000000);
    expect(numberKey('+0140000000', fr)).toBe(-1);
    expect(numberKey('15', fr)).toBe(-1);
    expect(numberKey('01400a0000', fr)).toBe(-1);
    expect(numberKey('+1234567890123456', fr)).toBe(-1);
  });
});
