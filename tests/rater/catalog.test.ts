// The tariff catalog: what the shipped files compile to, and how a broken catalog is reported
// (RatelError CATALOG_INVALID naming the file, the place in it and the rule broken).
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  accountBook,
  type Catalog,
  compileAccount,
  DEFAULT_CATALOG_DIR,
  loadAccounts,
  loadCatalog,
  loadDeckCsv,
  planOf,
} from '@ratel/rater';
import { isRatelError, type RatelError } from '@ratel/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountInput } from './helpers.js';

let shipped: Catalog;
const temps: string[] = [];
beforeAll(() => {
  shipped = loadCatalog();
});
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** A private copy of the shipped catalog, changed by `edit`. */
function copyCatalog(edit: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'ratel-catalog-'));
  temps.push(dir);
  cpSync(DEFAULT_CATALOG_DIR, dir, { recursive: true });
  edit(dir);
  return dir;
}

/** A JSON value as the tests edit it: free-form on purpose, to write what the schema refuses. */
// biome-ignore lint/suspicious/noExplicitAny: free-form edits of catalog JSON
type Json = any;

function editJson(file: string, change: (j: Json) => void): void {
  const j = JSON.parse(readFileSync(file, 'utf8'));
  change(j);
  writeFileSync(file, JSON.stringify(j, null, 1));
}

/** The RatelError loadCatalog throws for `dir` (fails the test when it loads). */
function loadError(dir: string): RatelError {
  try {
    loadCatalog(dir);
  } catch (e) {
    expect(isRatelError(e), String(e)).toBe(true);
    return e as RatelError;
  }
  throw new Error(`catalog in ${dir} loaded although it is broken`);
}

describe('shipped catalog', () => {
  it('has the five plans and two tariffs of SPEC §4', () => {
    expect([...shipped.plans.keys()].sort()).toEqual([
      'answering-service',
      'be-mobile-unlimited',
      'be-unlimited-fixed',
      'fr-pro',
      'fr-start',
    ]);
    expect([...shipped.tariffs.keys()].sort()).toEqual(['be-retail', 'fr-retail']);
    for (const p of shipped.plans.values()) expect(shipped.tariffs.has(p.tariff), p.id).toBe(true);
  });

  it('compiles the recurring fees of seed 004 in micros', () => {
    const start = shipped.plans.get('fr-start')!;
    const pro = shipped.plans.get('fr-pro')!;
    // 19.90 / 199 EUR and 39.90 / 399 EUR HT; options 10 EUR; termination 59 EUR
    expect([start.monthlyMicros, start.annualMicros]).toEqual([19_900_000, 199_000_000]);
    expect([pro.monthlyMicros, pro.annualMicros]).toEqual([39_900_000, 399_000_000]);
    expect(pro.options.get('call-recording')?.monthlyMicros).toBe(10_000_000);
    expect(pro.options.get('extra-profile')?.monthlyMicros).toBe(10_000_000);
    expect(pro.terminationFeeMicros).toBe(59_000_000);
  });

  it('compiles the fair-use caps of SPEC §4 (null = unlimited)', () => {
    const start = shipped.plans.get('fr-start')!;
    expect(start.caps.distinctCallees).toBe(100);
    expect(start.caps.perCallSeconds).toBe(3600);
    expect(start.caps.monthlySeconds).toBe(Number.POSITIVE_INFINITY);
    expect(start.forwarded).toBe(false);
    expect(start.premium).toBe('block');
    const be = shipped.plans.get('be-unlimited-fixed')!;
    // 15 h = 54000 s, 150 distinct numbers, no repeated calls over 1 h
    expect([be.caps.monthlySeconds, be.caps.distinctCallees, be.caps.repeatedLongCallSeconds]).toEqual([54_000, 150, 3600]);
    const mobile = shipped.plans.get('be-mobile-unlimited')!;
    // 40 h = 144000 s, 150 numbers, 1000 SMS, 50 SMS destinations, 300 GB national, 65 GB EU
    expect(mobile.caps).toMatchObject({
      monthlySeconds: 144_000,
      distinctCallees: 150,
      sms: 1000,
      smsDestinations: 50,
      bytesNational: 300_000_000_000,
      bytesEu: 65_000_000_000,
    });
    expect(mobile.proration).toBe('started_month_due');
    const answering = shipped.plans.get('answering-service')!;
    expect(answering.events.get('answering.handled_call')?.priceMicros).toBe(1_200_000);
    expect(answering.events.get('answering.transfer')?.priceMicros).toBe(500_000);
  });

  // Seed 004, "Destinations incluses" of Forfait Pro, mapped to ISO codes (Hawaii is US,
  // "Chypre du Sud" is CY).
  const SEED_004_PRO: Record<string, 'F' | 'FM'> = {
    AD: 'F',
    AR: 'F',
    AU: 'FM',
    AT: 'F',
    BD: 'FM',
    BE: 'FM',
    BM: 'FM',
    BR: 'FM',
    BG: 'FM',
    CA: 'FM',
    CL: 'F',
    CO: 'FM',
    CR: 'F',
    CY: 'F',
    CZ: 'FM',
    DK: 'FM',
    DO: 'F',
    FI: 'FM',
    GF: 'FM',
    DE: 'FM',
    GI: 'F',
    GR: 'F',
    GP: 'FM',
    GU: 'FM',
    HK: 'FM',
    HU: 'FM',
    IS: 'FM',
    IN: 'FM',
    ID: 'FM',
    IE: 'FM',
    IL: 'FM',
    IT: 'FM',
    JP: 'F',
    KR: 'FM',
    LU: 'FM',
    MY: 'FM',
    MT: 'FM',
    MQ: 'FM',
    YT: 'FM',
    MX: 'FM',
    MN: 'FM',
    NL: 'FM',
    NZ: 'FM',
    NO: 'FM',
    PA: 'F',
    PY: 'F',
    PE: 'FM',
    PL: 'FM',
    PT: 'FM',
    PR: 'FM',
    RE: 'FM',
    RO: 'FM',
    RU: 'F',
    SM: 'F',
    SK: 'FM',
    ES: 'F',
    SE: 'FM',
    CH: 'F',
    TW: 'F',
    TR: 'F',
    GB: 'FM',
    US: 'FM',
    VE: 'FM',
    VI: 'FM',
  };
  const seedKeys = () => {
    const keys = new Set(['FR:fixed', 'FR:mobile']);
    for (const [c, fm] of Object.entries(SEED_004_PRO)) {
      keys.add(`${c}:fixed`);
      if (fm === 'FM') keys.add(`${c}:mobile`);
    }
    return keys;
  };

  it('Forfait Pro includes nothing beyond the seed 004 destination list', () => {
    const seed = seedKeys();
    const extra = [...shipped.plans.get('fr-pro')!.includedVoice].filter((k) => !seed.has(k));
    expect(extra).toEqual([]);
    expect([...shipped.plans.get('fr-start')!.includedVoice].sort()).toEqual(['FR:fixed', 'FR:mobile']);
  });

  // Seed 004 lists "Finlande (Fixe et Mobile)" between République Dominicaine and Guyane; the
  // fr-pro plan in rater/catalog/plans.json has no FI entry.
  it('Forfait Pro includes every destination of seed 004 (regression)', () => {
    const pro = shipped.plans.get('fr-pro')!.includedVoice;
    const missing = [...seedKeys()].filter((k) => !pro.has(k));
    expect(missing).toEqual([]);
  });

  it('compiles VAT rates in basis points', () => {
    expect(shipped.vatBp.get('FR')).toBe(2000);
    expect(shipped.vatBp.get('BE')).toBe(2100);
    expect(shipped.vatBp.get('LU')).toBe(1700);
  });

  it('prices French destinations at seed 004 rates and short codes by the account country', () => {
    const fr = shipped.tariffs.get('fr-retail')!.trie;
    const at = Date.parse('2025-03-03T10:00:00Z');
    const row = (key: string) => {
      const r = fr.lookup(key, at);
      expect(r, key).toBeGreaterThanOrEqual(0);
      return { cls: fr.classOf(r), country: fr.countryOf(r), rate: fr.rate(r), prefix: fr.prefixOf(r) };
    };
    expect(row('33612345678')).toMatchObject({ cls: 'mobile', country: 'FR', rate: 150_000 });
    expect(row('33140000000')).toMatchObject({ cls: 'fixed', country: 'FR', rate: 150_000 });
    expect(row('4930123456')).toMatchObject({ country: 'DE', rate: 890_000 });
    expect(row('033112')).toMatchObject({ cls: 'emergency', rate: 0, prefix: '033112' });
    expect(row('03315')).toMatchObject({ cls: 'emergency', rate: 0 });
    expect(row('032101')).toMatchObject({ cls: 'emergency', country: 'BE' });
    expect(row('33899123456')).toMatchObject({ cls: 'premium' });
    expect(row('33800123456')).toMatchObject({ cls: 'freephone', rate: 0 });
    // fr-retail starts 2024-09-25: nothing in force the day before
    expect(fr.lookup('33612345678', Date.parse('2024-09-24T12:00:00Z'))).toBe(-1);
  });

  it('has a stable content version that changes with any file', () => {
    expect(shipped.version).toMatch(/^[0-9a-f]{12}$/);
    expect(loadCatalog().version).toBe(shipped.version);
    const dir = copyCatalog((d) => editJson(join(d, 'vat.json'), (j) => (j.rates_percent.FR = '19.6')));
    const changed = loadCatalog(dir);
    expect(changed.version).not.toBe(shipped.version);
    expect(changed.vatBp.get('FR')).toBe(1960);
    expect(changed.dir).toBe(dir);
  });
});

describe('broken catalog -> CATALOG_INVALID naming the file and the place', () => {
  it('plans.json that is not JSON (missing comma): file and position', () => {
    const dir = copyCatalog((d) => {
      const f = join(d, 'plans.json');
      const text = readFileSync(f, 'utf8');
      writeFileSync(f, text.replace('"name": "Forfait Pro",', '"name": "Forfait Pro"'));
    });
    const e = loadError(dir);
    expect(e.code).toBe('CATALOG_INVALID');
    expect(e.message).toContain(join(dir, 'plans.json'));
    expect(e.message).toMatch(/not valid JSON/);
    expect(e.message).toMatch(/position \d+/);
  });

  it('truncated plans.json', () => {
    const dir = copyCatalog((d) => {
      const f = join(d, 'plans.json');
      writeFileSync(f, readFileSync(f, 'utf8').slice(0, 1000));
    });
    const e = loadError(dir);
    expect(e.code).toBe('CATALOG_INVALID');
    expect(e.message).toContain('plans.json');
  });

  it('a plan price "abc": names plans.json and the field path', () => {
    const dir = copyCatalog((d) => editJson(join(d, 'plans.json'), (j) => (j.plans[1].recurring.monthly = 'abc')));
    const e = loadError(dir);
    expect(e.code).toBe('CATALOG_INVALID');
    expect(e.message).toContain(join(dir, 'plans.json'));
    expect(e.message).toContain('plans.1.recurring.monthly');
    expect(e.message).toMatch(/decimal amount/);
    expect(e.subject).toBe(join(dir, 'plans.json'));
  });

  it('a tariff rate "abc": names the tariff file and the rule', () => {
    const dir = copyCatalog((d) => editJson(join(d, 'tariffs', 'fr-retail.json'), (j) => (j.versions[0].rules[1].rate_per_min = 'abc')));
    const e = loadError(dir);
    expect(e.code).toBe('CATALOG_INVALID');
    expect(e.message).toContain(join(dir, 'tariffs', 'fr-retail.json'));
    expect(e.message).toContain('versions.0.rules.1.rate_per_min');
  });

  it('a plan naming an unknown tariff: names the plan', () => {
    const dir = copyCatalog((d) => editJson(join(d, 'plans.json'), (j) => (j.plans[0].tariff = 'nope')));
    const e = loadError(dir);
    expect(e.code).toBe('CATALOG_INVALID');
    expect(e.message).toContain('plans.json');
    expect(e.message).toContain('plan fr-start');
    expect(e.message).toContain('unknown tariff "nope"');
  });

  it('an unknown key in a plan (strict schema)', () => {
    const dir = copyCatalog((d) => editJson(join(d, 'plans.json'), (j) => (j.plans[2].fair_use.distinct_calees = 10)));
    const e = loadError(dir);
    expect(e.code).toBe('CATALOG_INVALID');
    expect(e.message).toContain('plans.2.fair_use');
  });

  it('a plan without its source (every plan names the contract it comes from)', () => {
    const dir = copyCatalog((d) => editJson(join(d, 'plans.json'), (j) => (j.plans[0].source = '')));
    expect(loadError(dir).message).toMatch(/plans\.0\.source.*contract/);
  });

  it('a tariff version without a catch-all rule', () => {
    const dir = copyCatalog((d) => editJson(join(d, 'tariffs', 'fr-retail.json'), (j) => j.versions[0].rules.pop()));
    const e = loadError(dir);
    expect(e.message).toContain('fr-retail.json');
    expect(e.message).toContain('versions.0.rules');
    expect(e.message).toMatch(/catch-all/);
  });

  it('a numbering row with a non-digit prefix: names world.csv and the line', () => {
    let line = 0;
    const dir = copyCatalog((d) => {
      const f = join(d, 'numbering', 'world.csv');
      line = readFileSync(f, 'utf8').trimEnd().split('\n').length + 1;
      appendFileSync(f, '99a,XX,Nowhere,mobile\n');
    });
    const e = loadError(dir);
    expect(e.message).toContain(join('numbering', 'world.csv'));
    expect(e.message).toContain(`line ${line}`);
  });

  it('a CSV rate deck with a bad rate: names the deck, line and column', () => {
    const dir = copyCatalog((d) =>
      writeFileSync(
        join(d, 'tariffs', 'be-retail.csv'),
        'prefix,destination,class,country,rate_per_min,effective_from\n3247,BE mobile,mobile,BE,0.10,2024-01-01\n3248,BE mobile,mobile,BE,abc,2024-01-01\n',
      ),
    );
    const e = loadError(dir);
    expect(e.message).toContain('be-retail.csv');
    expect(e.message).toContain('line 3 column rate_per_min');
  });

  it('a CSV rate deck that is valid overrides the numbering-plan rows by longest prefix', () => {
    const dir = copyCatalog((d) =>
      writeFileSync(
        join(d, 'tariffs', 'be-retail.csv'),
        'prefix,destination,class,country,rate_per_min,first_increment,next_increment,effective_from\n3247012,Test carrier,mobile,BE,0.011,1,1,2024-01-01\n',
      ),
    );
    const trie = loadCatalog(dir).tariffs.get('be-retail')!.trie;
    const r = trie.lookup('32470123456', Date.parse('2025-01-01T00:00:00Z'));
    expect(trie.destination(r)).toBe('Test carrier');
    expect(trie.rate(r)).toBe(11_000);
  });

  it('vat.json with a non-numeric rate', () => {
    const dir = copyCatalog((d) => editJson(join(d, 'vat.json'), (j) => (j.rates_percent.FR = 'twenty')));
    const e = loadError(dir);
    expect(e.message).toContain('vat.json');
    expect(e.message).toContain('rates_percent.FR');
  });

  it('a missing plans.json', () => {
    const dir = copyCatalog((d) => rmSync(join(d, 'plans.json')));
    const e = loadError(dir);
    expect(e.code).toBe('CATALOG_INVALID');
    expect(e.message).toMatch(/plans\.json.*cannot read/);
  });

  // The catalog promises that "every file is schema-checked" (rater/src/catalog.ts), but the
  // class column of world.csv / short-codes.csv is only checked for being non-empty: a typo
  // loads, and the row silently becomes class id 0 = "fixed" (Uint8Array of undefined).
  it('a numbering row with an unknown class is rejected (regression)', () => {
    const dir = copyCatalog((d) => appendFileSync(join(d, 'numbering', 'world.csv'), '999123,XX,Nowhere,mobil\n'));
    const e = loadError(dir);
    expect(e.message).toContain('world.csv');
  });

  it('a short code with an unknown class is rejected (regression)', () => {
    const dir = copyCatalog((d) => appendFileSync(join(d, 'numbering', 'short-codes.csv'), 'FR,116117,Medical on-call,emergancy\n'));
    const e = loadError(dir);
    expect(e.message).toContain('short-codes.csv');
  });
});

describe('loadDeckCsv', () => {
  it('parses a deck with defaults: increments 1/1, band any, open-ended', () => {
    const dir = copyCatalog((d) =>
      writeFileSync(
        join(d, 'deck.csv'),
        'prefix,destination,class,country,rate_per_min,connect_fee,effective_from,effective_to\n44,UK,fixed,GB,0.05,0.02,2025-01-01,\n447,UK mobile,mobile,GB,0.20,,2025-01-01,2025-07-01\n',
      ),
    );
    const rows = loadDeckCsv(join(dir, 'deck.csv'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      prefix: '44',
      rateMicrosPerMin: 50_000,
      connectMicros: 20_000,
      firstIncrement: 1,
      nextIncrement: 1,
      band: 'any',
      toMs: Number.POSITIVE_INFINITY,
    });
    expect(rows[1]).toMatchObject({
      prefix: '447',
      connectMicros: 0,
      fromMs: Date.parse('2025-01-01T00:00:00Z'),
      toMs: Date.parse('2025-07-01T00:00:00Z'),
    });
  });

  it('rejects a prefix with a "+"', () => {
    const dir = copyCatalog((d) =>
      writeFileSync(join(d, 'deck.csv'), 'prefix,destination,class,rate_per_min,effective_from\n+44,UK,fixed,0.05,2025-01-01\n'),
    );
    expect(() => loadDeckCsv(join(dir, 'deck.csv'))).toThrow(/deck\.csv at line 2 column prefix/);
  });
});

describe('accounts', () => {
  it('compiles an account: credit limit in micros, dialling of its country, users on their plans', () => {
    const a = compileAccount(
      accountInput('a1', 'fr-pro', ['u1'], { credit_limit: '250.50', users: [{ id: 'u1' }, { id: 'u2', plan: 'fr-start' }] }),
      shipped,
    );
    expect(a.creditLimitMicros).toBe(250_500_000);
    expect(a.dialling).toEqual({ cc: '33', trunk: '0', intl: '00' });
    expect([...a.users]).toEqual([
      ['u1', 'fr-pro'],
      ['u2', 'fr-start'],
    ]);
    expect(a.userCreditLimitMicros).toEqual([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]);
  });

  it('compiles plan changes: an upgrade from the month of its date, a downgrade from the next (SPEC §5)', () => {
    const a = compileAccount(
      accountInput('a1', 'fr-start', ['u1'], {
        users: [
          {
            id: 'u1',
            plan_changes: [
              { on: '2025-06-01', plan: 'fr-start' },
              { on: '2025-03-10', plan: 'fr-pro' },
            ],
          },
          { id: 'u2' },
        ],
      }),
      shipped,
    );
    expect(a.planHistory.get('u1')).toEqual([
      { from: 0, plan: 'fr-start', on: null, upgrade: false },
      { from: 202503, plan: 'fr-pro', on: '2025-03-10', upgrade: true },
      { from: 202507, plan: 'fr-start', on: '2025-06-01', upgrade: false },
    ]);
    expect([202502, 202503, 202506, 202507].map((m) => planOf(a, 'u1', m))).toEqual(['fr-start', 'fr-pro', 'fr-pro', 'fr-start']);
    expect(planOf(a, 'u2', 202503)).toBe('fr-start');
    expect(a.planHistory.has('u2')).toBe(false);
  });

  it('compiles per-user credit limits (SPEC §6: per customer and per user), by user index', () => {
    const a = compileAccount(accountInput('a1', 'fr-pro', ['u1'], { users: [{ id: 'u1' }, { id: 'u2', credit_limit: '20.00' }] }), shipped);
    expect(a.userCreditLimitMicros).toEqual([Number.POSITIVE_INFINITY, 20_000_000]);
  });

  it.each([
    ['unknown plan', { plan: 'gold' }, /unknown plan "gold"/],
    ['unknown option', { options: ['karaoke'] }, /no option "karaoke"/],
    ['annual billing of a monthly-only plan', { plan: 'be-unlimited-fixed', billing: 'annual' as const }, /no annual price/],
    ['unknown time zone', { time_zone: 'Mars/Olympus' }, /unknown time zone/],
    ['user on an unknown plan', { users: [{ id: 'u1', plan: 'gold' }] }, /user u1.*unknown plan/],
    [
      'plan change to an unknown plan',
      { users: [{ id: 'u1', plan_changes: [{ on: '2025-03-10', plan: 'gold' }] }] },
      /user u1.*unknown plan "gold"/,
    ],
    [
      'plan change before activation',
      { users: [{ id: 'u1', plan_changes: [{ on: '2024-12-31', plan: 'fr-pro' }] }] },
      /before activation 2025-01-01/,
    ],
    [
      'two downgrades in one month (both would take effect in April)',
      {
        users: [
          {
            id: 'u1',
            plan: 'fr-pro',
            plan_changes: [
              { on: '2025-03-10', plan: 'be-mobile-unlimited' },
              { on: '2025-03-20', plan: 'fr-start' },
            ],
          },
        ],
      },
      /same month/,
    ],
    [
      'a plan change on annual billing',
      { billing: 'annual' as const, users: [{ id: 'u1', plan_changes: [{ on: '2025-03-10', plan: 'fr-pro' }] }] },
      /annual billing/,
    ],
  ])('rejects %s with CATALOG_INVALID', (_what, over, message) => {
    let err: unknown;
    try {
      accountBook([accountInput('a1', 'fr-start', ['u1'], over)], shipped);
    } catch (e) {
      err = e;
    }
    expect(isRatelError(err)).toBe(true);
    expect((err as RatelError).code).toBe('CATALOG_INVALID');
    expect((err as RatelError).message).toMatch(message);
    expect((err as RatelError).message).toContain('account a1');
  });

  it('loads the example accounts file (every field the README documents)', () => {
    const book = loadAccounts(join(import.meta.dirname, '../../rater/examples/accounts.json'), shipped);
    expect([...book.keys()]).toEqual(['acme-fr', 'bistro-fr', 'atelier-be', 'cabinet-be']);
    const acme = book.get('acme-fr');
    expect(acme?.userCreditLimitMicros).toEqual([Number.POSITIVE_INFINITY, 50_000_000, Number.POSITIVE_INFINITY]);
    expect(acme && planOf(acme, 'acme-fr-support', 202610)).toBe('fr-pro');
    expect(book.get('bistro-fr')).toMatchObject({ billing: 'annual', creditLimitMicros: 100_000_000 });
    expect(book.get('cabinet-be')?.deactivated).toBe('2026-12-31');
  });

  it('loadAccounts reads { accounts: [...] } with defaults and names the file on errors', () => {
    const dir = copyCatalog(() => {});
    // One account with only the required fields, `over` replacing some of them.
    const accountsFile = (name: string, over: Record<string, unknown> = {}) => {
      const file = join(dir, name);
      const account = {
        id: 'a1',
        plan: 'fr-start',
        activated: '2025-01-01',
        country: 'FR',
        time_zone: 'Europe/Paris',
        vat_country: 'FR',
        users: [{ id: 'u1' }],
        ...over,
      };
      writeFileSync(file, JSON.stringify({ accounts: [account] }));
      return file;
    };
    const book = loadAccounts(accountsFile('accounts.json'), shipped);
    // defaults: monthly billing, credit limit 100.00 EUR
    expect(book.get('a1')).toMatchObject({ billing: 'monthly', creditLimitMicros: 100_000_000, name: 'a1' });
    const bad = accountsFile('bad-accounts.json', { activated: '1 Jan 2025' });
    expect(() => loadAccounts(bad, shipped)).toThrow(/bad-accounts\.json at accounts\.0\.activated/);
    const badUser = accountsFile('bad-user.json', { users: [{ id: 'u1', credit_limit: '20,00' }] });
    expect(() => loadAccounts(badUser, shipped)).toThrow(/bad-user\.json at accounts\.0\.users\.0\.credit_limit/);
  });
});

describe('catalog rules beyond the format (dates, order, ranges, repeats)', () => {
  const frRetail = (d: string) => join(d, 'tariffs', 'fr-retail.json');
  /** fr-retail with a second version `second`, the first one changed by `first`. */
  const twoVersions = (second: Record<string, unknown>, first: Record<string, unknown> = {}) =>
    copyCatalog((d) =>
      editJson(frRetail(d), (j) => {
        Object.assign(j.versions[0], first);
        j.versions.push({ ...j.versions[0], effective_to: undefined, ...second });
      }),
    );
  const expectAt = (dir: string, file: string, place: string, rule: RegExp) => {
    const e = loadError(dir);
    expect(e.code).toBe('CATALOG_INVALID');
    expect(e.message).toContain(join(dir, file));
    expect(e.message).toContain(`at ${place}:`);
    expect(e.message).toMatch(rule);
  };

  it.each([
    ['an impossible effective_from', { effective_from: '2024-13-25' }, 'versions.0.effective_from', /calendar date/],
    ['an impossible effective_to', { effective_to: '2025-02-30' }, 'versions.0.effective_to', /calendar date/],
    ['effective_to before effective_from', { effective_to: '2024-09-01' }, 'versions.0.effective_to', /not after effective_from/],
    ['effective_to equal to effective_from', { effective_to: '2024-09-25' }, 'versions.0.effective_to', /not after effective_from/],
  ])('a tariff version with %s', (_what, change, place, rule) => {
    const dir = copyCatalog((d) => editJson(frRetail(d), (j) => Object.assign(j.versions[0], change)));
    expectAt(dir, join('tariffs', 'fr-retail.json'), place, rule);
  });

  it('two versions from the same day', () => {
    expectAt(twoVersions({ effective_from: '2024-09-25' }), join('tariffs', 'fr-retail.json'), 'versions.1.effective_from', /distinct/);
  });

  it('versions out of date order', () => {
    expectAt(twoVersions({ effective_from: '2024-01-01' }), join('tariffs', 'fr-retail.json'), 'versions.1.effective_from', /not after/);
  });

  it('a version whose effective_to runs into the next version', () => {
    const dir = twoVersions({ effective_from: '2025-01-01' }, { effective_to: '2025-02-01' });
    expectAt(dir, join('tariffs', 'fr-retail.json'), 'versions.0.effective_to', /overlaps the next version/);
  });

  it('ordered versions load, each in force in its own period', () => {
    const dir = copyCatalog((d) =>
      editJson(frRetail(d), (j) => {
        const next = structuredClone(j.versions[0]);
        next.effective_from = '2025-06-01';
        next.rules[1].rate_per_min = '0.11';
        j.versions[0].effective_to = '2025-06-01';
        j.versions.push(next);
      }),
    );
    const trie = loadCatalog(dir).tariffs.get('fr-retail')!.trie;
    expect(trie.rate(trie.lookup('33612345678', Date.parse('2025-05-31T12:00:00Z')))).toBe(150_000);
    expect(trie.rate(trie.lookup('33612345678', Date.parse('2025-06-01T12:00:00Z')))).toBe(110_000);
  });

  const deck = (body: string) =>
    copyCatalog((d) =>
      writeFileSync(
        join(d, 'tariffs', 'be-retail.csv'),
        `prefix,destination,class,country,rate_per_min,first_increment,effective_from,effective_to\n${body}`,
      ),
    );
  it.each([
    ['an impossible effective_from', '3247012,T,mobile,BE,0.01,1,2024-13-25,\n', 'line 2 column effective_from', /calendar date/],
    ['effective_to before effective_from', '3247012,T,mobile,BE,0.01,1,2025-03-01,2025-01-01\n', 'line 2 column effective_to', /after/],
    ['effective_to equal to effective_from', '3247012,T,mobile,BE,0.01,1,2025-03-01,2025-03-01\n', 'line 2 column effective_to', /after/],
    [
      'a rate that overflows safe micros',
      '3247012,T,mobile,BE,99999999999999999999,1,2025-01-01,\n',
      'line 2 column rate_per_min',
      /at most/,
    ],
    ['a rate over 1,000 per minute', '3247012,T,mobile,BE,1000.000001,1,2025-01-01,\n', 'line 2 column rate_per_min', /at most 1,000/],
    ['a negative rate', '3247012,T,mobile,BE,-0.10,1,2025-01-01,\n', 'line 2 column rate_per_min', /decimal amount/],
    ['an increment that is not a number', '3247012,T,mobile,BE,0.01,abc,2025-01-01,\n', 'line 2 column first_increment', /number/],
    ['an increment in exponent form', '3247012,T,mobile,BE,0.01,1e400,2025-01-01,\n', 'line 2 column first_increment', /number/],
    ['a negative increment', '3247012,T,mobile,BE,0.01,-6,2025-01-01,\n', 'line 2 column first_increment', /./],
    [
      'two rows of one prefix in force on one day',
      '3247012,T,mobile,BE,0.01,1,2025-01-01,2025-06-01\n3247013,U,mobile,BE,0.01,1,2025-01-01,\n3247012,T,mobile,BE,0.02,1,2025-05-01,\n',
      'line 4',
      /prefix 3247012 band any is in force twice.*line 2/,
    ],
  ])('a deck row with %s', (_what, body, place, rule) => {
    expectAt(deck(body), join('tariffs', 'be-retail.csv'), place, rule);
  });

  it('deck rows of one prefix that follow each other load', () => {
    const dir = deck('3247012,T,mobile,BE,0.01,1,2025-01-01,2025-06-01\n3247012,T,mobile,BE,0.02,1,2025-06-01,\n');
    const trie = loadCatalog(dir).tariffs.get('be-retail')!.trie;
    expect(trie.rate(trie.lookup('32470123456', Date.parse('2025-07-01T00:00:00Z')))).toBe(20_000);
  });

  it.each([
    ['over 100%', '150', /within 0-100%/],
    ['100.01%', '100.01', /within 0-100%/],
    ['negative', '-5', /percentage/],
  ])('a VAT rate %s', (_what, pct, rule) => {
    const dir = copyCatalog((d) => editJson(join(d, 'vat.json'), (j) => (j.rates_percent.FR = pct)));
    expectAt(dir, 'vat.json', 'rates_percent.FR', rule);
  });

  it('a VAT rate of 0% and of 100% loads', () => {
    const dir = copyCatalog((d) => editJson(join(d, 'vat.json'), (j) => Object.assign(j.rates_percent, { FR: '0', BE: '100' })));
    expect([loadCatalog(dir).vatBp.get('FR'), loadCatalog(dir).vatBp.get('BE')]).toEqual([0, 10_000]);
  });

  it.each([
    ['a monthly fee that overflows safe micros', (p: Json) => (p.recurring.monthly = '99999999999999999999'), 'plans.0.recurring.monthly'],
    ['a monthly fee over 1,000,000', (p: Json) => (p.recurring.monthly = '1000000.01'), 'plans.0.recurring.monthly'],
    [
      'an option price that overflows',
      (p: Json) => (p.options['call-recording'].monthly = '1e400'),
      'plans.0.options.call-recording.monthly',
    ],
    ['a cap that is not a safe integer', (p: Json) => (p.fair_use.monthly_seconds = 1e300), 'plans.0.fair_use.monthly_seconds'],
    ['a negative cap', (p: Json) => (p.fair_use.distinct_callees = -1), 'plans.0.fair_use.distinct_callees'],
    ['a fractional cap', (p: Json) => (p.fair_use.sms = 1.5), 'plans.0.fair_use.sms'],
  ])('a plan with %s', (_what, change, place) => {
    const dir = copyCatalog((d) => editJson(join(d, 'plans.json'), (j) => change(j.plans[0])));
    expectAt(dir, 'plans.json', place, /./);
  });

  it('a tariff increment that does not fit (over one hour, or not a safe integer)', () => {
    for (const v of [3601, 1e300, 0]) {
      const dir = copyCatalog((d) => editJson(frRetail(d), (j) => (j.versions[0].rules[0].next_increment = v)));
      expectAt(dir, join('tariffs', 'fr-retail.json'), 'versions.0.rules.0.next_increment', /./);
    }
  });

  it('a plan id listed twice', () => {
    const dir = copyCatalog((d) => editJson(join(d, 'plans.json'), (j) => j.plans.push({ ...j.plans[0] })));
    expectAt(
      dir,
      'plans.json',
      `plans.${JSON.parse(readFileSync(join(dir, 'plans.json'), 'utf8')).plans.length - 1}.id`,
      /plan id "fr-start" is listed twice/,
    );
  });

  it('two tariff files with one id', () => {
    const dir = copyCatalog((d) => cpSync(frRetail(d), join(d, 'tariffs', 'fr-retail-copy.json')));
    // Files load in name order: fr-retail-copy.json comes first.
    expectAt(dir, join('tariffs', 'fr-retail.json'), 'id', /tariff id "fr-retail" is already the id of fr-retail-copy\.json/);
  });

  it('a short code of an unknown country is CATALOG_INVALID, not a config error', () => {
    let line = 0;
    const dir = copyCatalog((d) => {
      const f = join(d, 'numbering', 'short-codes.csv');
      line = readFileSync(f, 'utf8').trimEnd().split('\n').length + 1;
      appendFileSync(f, 'XX,112,Nowhere emergency,emergency\n');
    });
    expectAt(dir, join('numbering', 'short-codes.csv'), `line ${line}`, /unknown country "XX"/);
  });
});
