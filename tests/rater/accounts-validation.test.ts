// The accounts loaders: loadAccounts (a file) and accountBook (objects) apply the same schema,
// defaults and rules, and refuse a broken account with CATALOG_INVALID naming the place.
import { generateAccounts } from '@ratel/ingest';
import { type AccountEntry, accountBook, type Catalog, compileAccount, loadAccounts, loadCatalog } from '@ratel/rater';
import { isCalendarDate } from '@ratel/schemas';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountsFile, expectCatalogInvalid, minimalAccount } from './loader-fixtures.js';

let catalog: Catalog;
beforeAll(() => {
  catalog = loadCatalog();
});

describe('isCalendarDate', () => {
  it.each(['2025-01-01', '2024-02-29', '2000-02-29', '2026-12-31', '0004-02-29', '9999-12-31'])('accepts %s', (d) => {
    expect(isCalendarDate(d)).toBe(true);
  });

  it.each([
    '2026-13-45',
    '2024-13-25',
    '2025-02-29',
    '1900-02-29',
    '2026-04-31',
    '2026-00-10',
    '2026-01-00',
    '2026-1-01',
    '20260101',
    '2026-01-01T00:00:00Z',
    ' 2026-01-01',
    '',
  ])('refuses %j', (d) => {
    expect(isCalendarDate(d)).toBe(false);
  });
});

/** Each broken account, where its error must point in the file, and the rule named. */
const BROKEN: [string, Record<string, unknown>[], string, RegExp][] = [
  ['an impossible activation date', [minimalAccount('a1', ['u1'], { activated: '2026-13-45' })], 'accounts.0.activated', /calendar date/],
  ['29 February of a common year', [minimalAccount('a1', ['u1'], { activated: '2025-02-29' })], 'accounts.0.activated', /calendar date/],
  [
    'an impossible deactivation date',
    [minimalAccount('a1', ['u1'], { deactivated: '2026-06-31' })],
    'accounts.0.deactivated',
    /calendar date/,
  ],
  [
    'an impossible plan change date',
    [minimalAccount('a1', ['u1'], { users: [{ id: 'u1', plan_changes: [{ on: '2025-04-31', plan: 'fr-pro' }] }] })],
    'accounts.0.users.0.plan_changes.0.on',
    /calendar date/,
  ],
  [
    'deactivation before activation',
    [minimalAccount('a1', ['u1'], { activated: '2025-03-01', deactivated: '2025-02-28' })],
    'accounts.0.deactivated',
    /before activated 2025-03-01/,
  ],
  [
    'an option listed twice',
    [minimalAccount('a1', ['u1'], { options: ['call-recording', 'call-recording'] })],
    'accounts.0.options.1',
    /option "call-recording" is listed twice/,
  ],
  [
    'a user listed twice in one account',
    [minimalAccount('a0', ['x']), minimalAccount('a1', ['u1', 'u2', 'u1'])],
    'accounts.1.users.2.id',
    /user id "u1" is listed twice/,
  ],
  [
    'two accounts with one id',
    [minimalAccount('a1', ['u1']), minimalAccount('a1', ['u2'])],
    'accounts.1.id',
    /account id "a1" is listed twice/,
  ],
  [
    'a user in two accounts',
    [minimalAccount('a1', ['u1']), minimalAccount('a2', ['u2', 'u1'])],
    'accounts.1.users.1.id',
    /user id "u1" is already a user of account a1/,
  ],
  [
    'a credit limit that overflows safe micros',
    [minimalAccount('a1', ['u1'], { credit_limit: '99999999999999999999' })],
    'accounts.0.credit_limit',
    /at most/,
  ],
  [
    'a credit limit over 1 billion',
    [minimalAccount('a1', ['u1'], { credit_limit: '1000000000.01' })],
    'accounts.0.credit_limit',
    /at most 1,000,000,000/,
  ],
  ['a negative credit limit', [minimalAccount('a1', ['u1'], { credit_limit: '-5.00' })], 'accounts.0.credit_limit', /decimal amount/],
  [
    'a credit limit in exponent form',
    [minimalAccount('a1', ['u1'], { credit_limit: '1e400' })],
    'accounts.0.credit_limit',
    /decimal amount/,
  ],
  ['a credit limit as a JSON number', [minimalAccount('a1', ['u1'], { credit_limit: 100 })], 'accounts.0.credit_limit', /string/],
  [
    'a user credit limit that overflows safe micros',
    [minimalAccount('a1', ['u1'], { users: [{ id: 'u1', credit_limit: '9007199254.740992' }] })],
    'accounts.0.users.0.credit_limit',
    /at most/,
  ],
];

describe('loadAccounts and accountBook refuse the same broken accounts at the same place', () => {
  it.each(BROKEN)('%s', (_what, accounts, place, rule) => {
    const file = accountsFile(accounts);
    expectCatalogInvalid(() => loadAccounts(file, catalog), file, `at ${place}:`, rule);
    expectCatalogInvalid(
      () => accountBook(accounts as AccountEntry[], catalog, 'program accounts'),
      'program accounts',
      `at ${place}:`,
      rule,
    );
  });

  it('compileAccount checks one account through the same schema, naming the account', () => {
    const e = expectCatalogInvalid(
      () => compileAccount(minimalAccount('a1', ['u1'], { deactivated: '2024-01-01' }) as AccountEntry, catalog),
      'accounts',
      'at account a1 deactivated:',
    );
    expect(e.message).toMatch(/before activated/);
  });

  it('accepts a service ending on the day it started, and a credit limit of exactly 1 billion', () => {
    const book = accountBook(
      [minimalAccount('a1', ['u1'], { activated: '2025-03-01', deactivated: '2025-03-01', credit_limit: '1000000000' }) as AccountEntry],
      catalog,
    );
    expect(book.get('a1')).toMatchObject({ deactivated: '2025-03-01', creditLimitMicros: 1_000_000_000_000_000 });
  });
});

describe('checks against the catalog', () => {
  it.each([
    ['a VAT country without a rate in vat.json', { vat_country: 'PL' }, /no VAT rate for vat_country "PL"/],
    ['a country libphonenumber does not know', { country: 'XX' }, /no dialling rules for country "XX"/],
  ])('refuses %s, naming the account', (_what, over, rule) => {
    const file = accountsFile([minimalAccount('a1', ['u1'], over)]);
    expectCatalogInvalid(() => loadAccounts(file, catalog), file, 'account a1', rule);
  });
});

describe('accountBook applies the schema defaults like the file', () => {
  it('fills name, billing, credit limit and options for objects without them', () => {
    const fromObjects = accountBook([minimalAccount('a1', ['u1']) as AccountEntry], catalog).get('a1');
    const fromFile = loadAccounts(accountsFile([minimalAccount('a1', ['u1'])]), catalog).get('a1');
    expect(fromObjects).toMatchObject({ name: 'a1', billing: 'monthly', creditLimitMicros: 100_000_000, options: [] });
    expect(fromObjects).toEqual(fromFile);
  });

  it('refuses unknown keys in objects as in the file (strict schema)', () => {
    expectCatalogInvalid(
      () => accountBook([minimalAccount('a1', ['u1'], { credit_limt: '5.00' }) as AccountEntry], catalog),
      'accounts',
      'at accounts.0',
    );
  });

  it('still accepts the accounts of the generator (npm start) unchanged', () => {
    const inputs = generateAccounts({ accounts: 3000, month: 202610, seed: 7 });
    const book = accountBook(inputs, catalog, 'generated accounts');
    expect(book.size).toBe(3000);
    const first = inputs[0];
    expect(first && book.get(first.id)?.users.size).toBe(first?.users.length);
  });
});
