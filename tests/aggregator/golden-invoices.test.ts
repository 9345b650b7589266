/**
 * Golden invoices for scenarios built from SPEC.md and the seeds, on the embedded engine. Every
 * figure is computed by hand in the comments; the full invoice is also compared with golden
 * files, as JSON, CSV and HTML (tests/aggregator/golden/<scenario>.json|.csv|.html; regenerate
 * with UPDATE_GOLDEN=1 after a deliberate change, and review the diff line by line).
 *
 * October 2026 has 31 days; its invoices are issued at the end of October with November's fees
 * in advance (SPEC §5).
 *
 * Every invoice names its seller (the config's seller.*) and buyer (the accounts file's buyer,
 * or the account's name), carries a number of the seller's 2026 sequence given at issue in
 * account order (October's 15 invoices FA-2026-000001..15, November's 11 continuing at 16),
 * its issue date and its due date 30 days later, and its VAT per rate.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createSchema,
  DEFAULT_TERMS,
  type Invoice,
  type InvoiceTerms,
  invoiceCsv,
  invoiceHtml,
  invoiceJson,
  openChdbStore,
  runInvoices,
  type Store,
  writeRated,
} from '@ratel/aggregator';
import { type AccountInput, accountBook, loadCatalog, newOutput, RatingEngine, rateAll } from '@ratel/rater';
import type { Cdr } from '@ratel/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const GOLDEN = join(import.meta.dirname, 'golden');
const catalog = loadCatalog();
const OCT = 202610;
const RATED_AT = Date.parse('2026-10-31T23:30:00Z');
const ISSUED_OCT = Date.parse('2026-11-01T00:00:00Z');
const LATE_AT = Date.parse('2026-11-20T10:00:00Z');
const ISSUED_NOV = Date.parse('2026-12-01T00:00:00Z');

const acct = (
  id: string,
  plan: string,
  country: 'FR' | 'BE',
  activated = '2025-03-01',
  extra: Partial<AccountInput> = {},
): AccountInput => ({
  id,
  name: `Golden ${id}`,
  plan,
  billing: 'monthly',
  activated,
  country,
  time_zone: country === 'FR' ? 'Europe/Paris' : 'Europe/Brussels',
  vat_country: country,
  credit_limit: '1000.00',
  options: [],
  users: [{ id: `${id}-u1` }],
  ...extra,
});

const TERMS: InvoiceTerms = {
  ...DEFAULT_TERMS,
  seller: {
    name: 'Golden Telecom SAS',
    address: '10 rue de la Paix\n75002 Paris\nFrance',
    companyNumber: 'RCS Paris 123 456 789',
    vatNumber: 'FR32123456789',
  },
};

const ACCOUNTS = [
  acct('g1-activation', 'fr-start', 'FR', '2026-10-17', {
    buyer: { name: 'Golden Activation SARL', address: '5 place Bellecour\n69002 Lyon', vat_id: 'FR40303265045' },
  }),
  acct('g2-start-distinct', 'fr-start', 'FR'),
  acct('g3-pro-mixed', 'fr-pro', 'FR'),
  acct('g4-be-option', 'be-unlimited-fixed', 'BE', '2025-03-01', {
    buyer: { address: 'Rue Neuve 1\n1000 Bruxelles', vat_id: 'BE0403170701' },
  }),
  acct('g5-answering', 'answering-service', 'BE'),
  acct('g6-roaming-late', 'be-mobile-unlimited', 'BE'),
  acct('g7-upgrade', 'fr-start', 'FR', '2025-03-01', {
    users: [{ id: 'g7-upgrade-u1', plan_changes: [{ on: '2026-10-10', plan: 'fr-pro' }] }],
  }),
  acct('g8-downgrade', 'fr-pro', 'FR', '2025-03-01', {
    users: [{ id: 'g8-downgrade-u1', plan_changes: [{ on: '2026-10-10', plan: 'fr-start' }] }],
  }),
  acct('g9-deactivation-prorata', 'fr-start', 'FR', '2025-03-01', { deactivated: '2026-10-15' }),
  acct('g10-deactivation-started', 'be-mobile-unlimited', 'BE', '2025-03-01', { deactivated: '2026-10-15' }),
  acct('g10b-started-and-ended', 'be-mobile-unlimited', 'BE', '2026-10-05', { deactivated: '2026-10-20' }),
  acct('g11-pro-termination', 'fr-pro', 'FR', '2025-03-01', {
    deactivated: '2026-10-20',
    options: ['call-recording'],
    users: [{ id: 'g11-pro-termination-u1' }, { id: 'g11-pro-termination-u2' }],
  }),
  acct('g12-user-deactivated', 'fr-pro', 'FR', '2025-03-01', {
    users: [{ id: 'g12-user-deactivated-u1' }, { id: 'g12-user-deactivated-u2', deactivated: '2026-10-10' }],
  }),
  acct('g13-zones', 'fr-start', 'FR'),
  acct('g14-overage', 'fr-start', 'FR'),
];
const accounts = accountBook(ACCOUNTS, catalog);

let n = 0;
const at = (day: number, hour = 10): number => Date.UTC(2026, 9, day, hour, 0, 0) + (n++ % 3000) * 1000;
const voice = (account: string, callee: string, start: number, secs: number, direction: 'OUTBOUND' | 'FORWARDED' = 'OUTBOUND'): Cdr => ({
  id: `${account}-${n++}`,
  kind: 'VOICE',
  account_id: account,
  user_id: `${account}-u1`,
  start_ms: start,
  roaming_country: null,
  voice: {
    sip_call_id: `sip-${n}`,
    trunk_id: 'sbc1',
    caller: '+33100000000',
    callee,
    forwarded_from: direction === 'FORWARDED' ? '+3221111111' : null,
    direction,
    answer_ms: secs > 0 ? start + 3000 : null,
    end_ms: start + 3000 + secs * 1000,
    duration_s: secs + 3,
    billable_s: secs,
    disposition: secs > 0 ? 'ANSWERED' : 'NO_ANSWER',
    sip_status: secs > 0 ? 200 : 480,
  },
  message: null,
  data: null,
  event: null,
});
const event = (account: string, service: string, start: number): Cdr => ({
  id: `${account}-${n++}`,
  kind: 'EVENT',
  account_id: account,
  user_id: `${account}-u1`,
  start_ms: start,
  roaming_country: null,
  voice: null,
  message: null,
  data: null,
  event: { service, quantity: 1, reference: null },
});

const october: Cdr[] = [];
// g2: 120 one-minute calls to distinct French mobiles
for (let i = 0; i < 120; i++) october.push(voice('g2-start-distinct', `+3361234${String(i).padStart(4, '0')}`, at(2 + (i % 25)), 60));
// g3: Pro mixing included and non-included destinations
october.push(voice('g3-pro-mixed', '+32470123456', at(3), 600)); // Belgium mobile: included
october.push(voice('g3-pro-mixed', '+819012345678', at(4), 600)); // Japan mobile: not included (fixed only)
october.push(voice('g3-pro-mixed', '+212612345678', at(5), 60)); // Morocco mobile: not in the list
october.push(voice('g3-pro-mixed', '+33145678901', at(6), 300)); // France fixed: included
// g4: 16 one-hour calls to distinct Brussels numbers
for (let i = 0; i < 16; i++) october.push(voice('g4-be-option', `+3222${String(100000 + i)}`, at(2 + i), 3600));
// g5: 100 handled calls, 10 transferred (one-off fee + the forwarded call itself)
for (let i = 0; i < 100; i++) october.push(event('g5-answering', 'answering.handled_call', at(1 + (i % 28), 9)));
for (let i = 0; i < 10; i++) {
  october.push(event('g5-answering', 'answering.transfer', at(1 + i, 11)));
  october.push(voice('g5-answering', `+3247${String(1000000 + i)}`, at(1 + i, 12), 120, 'FORWARDED'));
}

// g7: upgraded Start -> Pro on 10 October; a Belgian mobile call on 3 October, before the upgrade
october.push(voice('g7-upgrade', '+32470123456', at(3), 600));
// g8: downgraded Pro -> Start on 10 October; a Belgian mobile call on 20 October, after the
// downgrade's date (Pro still applies in October), and one on 5 November (Start applies)
october.push(voice('g8-downgrade', '+32470123456', at(20), 600));
const g8November = voice('g8-downgrade', '+32470123456', Date.UTC(2026, 10, 5, 10, 0, 0), 600);

// g9: a French mobile call on 5 October, before the deactivation of the 15th
october.push(voice('g9-deactivation-prorata', '+33612345678', at(5), 60));
// g10: a Belgian mobile call on 5 October (national calls unlimited on Magic SIM)
october.push(voice('g10-deactivation-started', '+32470123456', at(5), 60));
// g13: one call to each zone: France fixed, Spain fixed and mobile, UK mobile (unanswered),
// French freephone, a French service number (0806) and a premium number (0899, blocked)
october.push(voice('g13-zones', '+33145678901', at(5), 120));
october.push(voice('g13-zones', '+34911234567', at(6), 60));
october.push(voice('g13-zones', '+34612345678', at(7), 30));
october.push(voice('g13-zones', '+447700900123', at(8), 0));
october.push(voice('g13-zones', '+33800123456', at(9), 45));
october.push(voice('g13-zones', '+33806123456', at(10), 60));
october.push(voice('g13-zones', '+33899123456', at(11), 30));
// g14: a 4000 s call to a French mobile (over the 1 h per-call cap) and a 300 s one
october.push(voice('g14-overage', '+33612345678', at(5), 4000));
october.push(voice('g14-overage', '+33698765432', at(6), 300));

// g6: a data session in the US on 28 October, received on 20 November (after October's invoice)
const lateRoaming: Cdr = {
  id: 'g6-late-roaming',
  kind: 'DATA',
  account_id: 'g6-roaming-late',
  user_id: 'g6-roaming-late-u1',
  start_ms: Date.UTC(2026, 9, 28, 15, 0, 0),
  roaming_country: 'US',
  voice: null,
  message: null,
  data: { end_ms: Date.UTC(2026, 9, 28, 16, 0, 0), bytes_up: 10_000_000, bytes_down: 40_000_000, apn: 'internet' },
  event: null,
};

let store: Store;
let dir: string;
const oct = new Map<string, Invoice>();
const nov = new Map<string, Invoice>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ratel-golden-'));
  store = openChdbStore(join(dir, 'chdb'));
  await createSchema(store);
  const engine = new RatingEngine({ catalog, accounts }, () => RATED_AT);
  const out = newOutput();
  for (const c of [...october].sort((a, b) => a.start_ms - b.start_ms)) engine.addAll([c], out);
  expect(out.dead).toEqual([]);
  await writeRated(store, out.events);
  for (const inv of (await runInvoices(store, catalog, accounts, OCT, () => ISSUED_OCT, { terms: TERMS })).issued)
    oct.set(inv.account_id, inv);
  const late = rateAll({ catalog, accounts }, [lateRoaming, g8November], () => LATE_AT);
  await writeRated(store, late.events);
  for (const inv of (await runInvoices(store, catalog, accounts, 202611, () => ISSUED_NOV, { terms: TERMS })).issued)
    nov.set(inv.account_id, inv);
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const amounts = (inv: Invoice | undefined) => inv?.lines.map((l) => [l.section, l.period, l.description, l.amount_micros]);
const totals = (inv: Invoice | undefined) => inv && [inv.total_excl_micros, inv.vat_micros, inv.total_incl_micros];

/** Compares the invoice as JSON, CSV and HTML with its golden files (the catalog hash left out of the JSON). */
function golden(name: string, inv: Invoice | undefined) {
  expect(inv).toBeDefined();
  const stable = { ...(inv as Invoice), catalog_version: '(any)' };
  for (const [ext, text] of [
    ['json', invoiceJson(stable)],
    ['csv', invoiceCsv(stable)],
    ['html', invoiceHtml(stable)],
  ] as const) {
    const file = join(GOLDEN, `${name}.${ext}`);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
      if (process.env.CI) throw new Error(`golden file ${file} missing: run UPDATE_GOLDEN=1 locally and commit it`);
      writeFileSync(file, text);
    }
    expect(text, file).toBe(readFileSync(file, 'utf8'));
  }
}

describe('what the law asks of the golden invoices', () => {
  it('numbers: one 2026 sequence in account order, October 1-15, November continuing at 16, no gap, no duplicate', () => {
    // Account ids sort as g1-, g10-, g10b-, g11-, ... g14-, g2-, ... g9- ('-' sorts before digits).
    const octOrder = [...oct.keys()].sort();
    expect(octOrder.map((id) => oct.get(id)?.number)).toEqual(
      Array.from({ length: 15 }, (_, i) => `FA-2026-${String(i + 1).padStart(6, '0')}`),
    );
    expect(oct.get('g1-activation')?.number).toBe('FA-2026-000001');
    expect(oct.get('g9-deactivation-prorata')?.number).toBe('FA-2026-000015');
    // November: the 11 accounts still billed (g9, g10, g10b and g11 ended in October).
    const novOrder = [...nov.keys()].sort();
    expect(novOrder).toHaveLength(11);
    expect(novOrder.map((id) => nov.get(id)?.number)).toEqual(
      Array.from({ length: 11 }, (_, i) => `FA-2026-${String(i + 16).padStart(6, '0')}`),
    );
  });

  it('issue and due dates: issued 2026-11-01 (01:00 in Paris), due 30 days later; November issued 2026-12-01, due 2026-12-31', () => {
    for (const inv of oct.values())
      expect([inv.issue_date, inv.due_date, inv.payment_terms_days]).toEqual(['2026-11-01', '2026-12-01', 30]);
    for (const inv of nov.values()) expect([inv.issue_date, inv.due_date]).toEqual(['2026-12-01', '2026-12-31']);
  });

  it('seller from the terms, buyer from the accounts file (or the account name), legal text', () => {
    const inv = oct.get('g1-activation');
    expect(inv?.seller).toEqual({
      name: 'Golden Telecom SAS',
      address: '10 rue de la Paix\n75002 Paris\nFrance',
      company_number: 'RCS Paris 123 456 789',
      vat_number: 'FR32123456789',
    });
    expect(inv?.buyer).toEqual({ name: 'Golden Activation SARL', address: '5 place Bellecour\n69002 Lyon', vat_id: 'FR40303265045' });
    // g4 gives an address and a VAT id but no name: the account's name stands.
    expect(oct.get('g4-be-option')?.buyer).toEqual({
      name: 'Golden g4-be-option',
      address: 'Rue Neuve 1\n1000 Bruxelles',
      vat_id: 'BE0403170701',
    });
    expect(oct.get('g2-start-distinct')?.buyer).toEqual({ name: 'Golden g2-start-distinct', address: null, vat_id: null });
    expect(inv?.legal_text).toMatch(/40 EUR/);
  });

  it('VAT per rate: one rate per invoice (the VAT country), its base the total excl. VAT', () => {
    // g1: 29.53 at 20% = 5.906 -> 5.91; g4 (BE): 18.60 at 21% = 3.906 -> 3.91.
    expect(oct.get('g1-activation')?.vat_breakdown).toEqual([{ vat_bp: 2000, base_micros: 29_530_000, vat_micros: 5_910_000 }]);
    expect(oct.get('g4-be-option')?.vat_breakdown).toEqual([{ vat_bp: 2100, base_micros: 18_600_000, vat_micros: 3_910_000 }]);
    for (const inv of [...oct.values(), ...nov.values()]) {
      expect(inv.vat_breakdown.reduce((s, r) => s + r.vat_micros, 0)).toBe(inv.vat_micros);
      expect(inv.vat_breakdown.reduce((s, r) => s + r.base_micros, 0)).toBe(inv.total_excl_micros);
    }
  });
});

describe('golden invoices (SPEC §4-§5)', () => {
  it('activation on the 17th: started month prorated, next month in advance', () => {
    const inv = oct.get('g1-activation');
    // 17-31 Oct = 15 of 31 days: 19.90 * 15/31 = 9.629.. -> 9.63; November in advance 19.90.
    // Total 29.53; VAT 20% 5.906 -> 5.91; incl. 35.44.
    expect(amounts(inv)).toEqual([
      ['recurring', 202610, 'Forfait Start, 2026-10, prorata 15/31 days', 9_630_000],
      ['recurring', 202611, 'Forfait Start, 2026-11 (in advance)', 19_900_000],
    ]);
    expect(totals(inv)).toEqual([29_530_000, 5_910_000, 35_440_000]);
    golden('activation-prorata', inv);
  });

  it('Start user past 100 distinct callees: calls 101-120 billed at 0.15 EUR/min', () => {
    const inv = oct.get('g2-start-distinct');
    // 100 calls * 60 s included; 20 calls * 60 s * 0.15/60 = 20 * 0.15 = 3.00.
    // Total 19.90 + 3.00 = 22.90; VAT 4.58; incl. 27.48.
    // The 20 calls beyond the cap are a fair-use overage line of their own.
    expect(
      inv?.lines
        .filter((l) => l.section === 'usage' || l.section === 'overage')
        .map((l) => [l.section, l.description, l.included_qty, l.billed_qty, l.amount_micros]),
    ).toEqual([
      ['usage', 'Calls mobile, national (Forfait Start)', 6000, 0, 0],
      ['overage', 'Fair-use overage: Calls mobile, national (Forfait Start)', 0, 1200, 3_000_000],
    ]);
    expect(totals(inv)).toEqual([22_900_000, 4_580_000, 27_480_000]);
    golden('start-distinct-callees', inv);
  });

  it('Pro user mixing included and non-included destinations', () => {
    const inv = oct.get('g3-pro-mixed');
    // One line per zone and class: France fixed 300 s included (national); Belgium mobile 600 s
    // included; Japan mobile (Japon: Fixe only in seed 004) 600 s * 0.89/60 = 8.90; Morocco (not
    // in the list) 60 s = 0.89. Total 39.90 + 8.90 + 0.89 = 49.69; VAT 9.938 -> 9.94; 59.63.
    const byClass = Object.fromEntries(
      (inv?.lines ?? []).filter((l) => l.section === 'usage').map((l) => [l.description, [l.included_qty, l.billed_qty, l.amount_micros]]),
    );
    expect(byClass).toEqual({
      'Calls fixed, national (Forfait Pro)': [300, 0, 0],
      'Calls mobile, Belgium (Forfait Pro)': [600, 0, 0],
      'Calls mobile, Japan (Forfait Pro)': [0, 600, 8_900_000],
      'Calls mobile, Morocco (Forfait Pro)': [0, 60, 890_000],
    });
    expect(totals(inv)).toEqual([49_690_000, 9_940_000, 59_630_000]);
    golden('pro-mixed-destinations', inv);
  });

  it('Belgian unlimited option past 15 h: the 16th hour billed per minute', () => {
    const inv = oct.get('g4-be-option');
    // 15 h = 54,000 s included; 16th call 3600 s * 0.06/60 = 3.60. Total 15.00 + 3.60 = 18.60;
    // VAT 21% 3.906 -> 3.91; incl. 22.51.
    expect(
      inv?.lines
        .filter((l) => l.section === 'usage' || l.section === 'overage')
        .map((l) => [l.section, l.included_qty, l.billed_qty, l.amount_micros]),
    ).toEqual([
      ['usage', 54_000, 0, 0],
      ['overage', 0, 3600, 3_600_000],
    ]);
    expect(totals(inv)).toEqual([18_600_000, 3_910_000, 22_510_000]);
    golden('be-option-over-15h', inv);
  });

  it('answering service: handled calls, one-off transfer fees and the transferred calls', () => {
    const inv = oct.get('g5-answering');
    // 100 * 1.20 = 120.00; 10 * 0.50 = 5.00; 10 forwarded calls * 120 s * 0.12/60 = 10 * 0.24 = 2.40;
    // fee 25.00. Total 152.40; VAT 21% 32.004 -> 32.00; incl. 184.40.
    const lines = Object.fromEntries(
      (inv?.lines ?? []).filter((l) => l.section !== 'recurring').map((l) => [l.description, [l.billed_qty, l.amount_micros]]),
    );
    expect(lines).toEqual({
      'Calls mobile, national (Telephone answering service)': [1200, 2_400_000],
      'Handled inbound call (Telephone answering service)': [100, 120_000_000],
      'Call transfer (one-off fee) (Telephone answering service)': [10, 5_000_000],
    });
    expect(totals(inv)).toEqual([152_400_000, 32_000_000, 184_400_000]);
    golden('answering-service', inv);
  });

  it('a roaming CDR received after its month was invoiced lands on the next invoice', () => {
    const octInv = oct.get('g6-roaming-late');
    // October invoice: November in advance 30.00; no usage yet. VAT 21% 6.30; incl. 36.30.
    expect(totals(octInv)).toEqual([30_000_000, 6_300_000, 36_300_000]);
    const inv = nov.get('g6-roaming-late');
    // 50 MB in the US (outside the EU quota) * 0.01/MB = 0.50, as an adjustment for October;
    // December in advance 30.00. Total 30.50; VAT 21% 6.405 -> 6.41 (half up); incl. 36.91.
    expect(amounts(inv)).toEqual([
      ['recurring', 202612, 'Magic SIM unlimited, 2026-12 (in advance)', 30_000_000],
      ['adjustment', 202610, 'Adjustment: usage of 2026-10 received or re-rated after its invoice (1 records)', 500_000],
    ]);
    expect(totals(inv)).toEqual([30_500_000, 6_410_000, 36_910_000]);
    golden('roaming-late-adjustment', inv);
  });

  it('an upgrade on 10 October: October on Start credited, October and November on Pro (003 §9.2)', () => {
    const inv = oct.get('g7-upgrade');
    // September's invoice billed October on Start (19.90) in advance: credited. Pro is billed for
    // October (39.90) and November in advance (39.90). The Belgian mobile call of 3 October is
    // rated on Pro, where Belgium is included: 0.00. Total -19.90 + 39.90 + 39.90 = 59.90;
    // VAT 20% 11.98; incl. 71.88.
    expect(amounts(inv)).toEqual([
      ['recurring', 202610, 'Forfait Start, 2026-10 credited (upgrade on 2026-10-10)', -19_900_000],
      ['recurring', 202610, 'Forfait Pro, 2026-10 (upgrade on 2026-10-10)', 39_900_000],
      ['recurring', 202611, 'Forfait Pro, 2026-11 (in advance)', 39_900_000],
      ['usage', 202610, 'Calls mobile, Belgium (Forfait Pro)', 0],
    ]);
    expect(totals(inv)).toEqual([59_900_000, 11_980_000, 71_880_000]);
    golden('plan-upgrade', inv);
  });

  it('a downgrade on 10 October: October stays on Pro, Start from November', () => {
    const inv = oct.get('g8-downgrade');
    // No credit: October was billed on Pro and stays on Pro; the call of 20 October is included
    // (0.00). November in advance on Start 19.90; VAT 20% 3.98; incl. 23.88.
    expect(amounts(inv)).toEqual([
      ['recurring', 202611, 'Forfait Start, 2026-11 (in advance)', 19_900_000],
      ['usage', 202610, 'Calls mobile, Belgium (Forfait Pro)', 0],
    ]);
    expect(totals(inv)).toEqual([19_900_000, 3_980_000, 23_880_000]);
    // November: the call of 5 November is on Start, where Belgium is international: 600 s * 0.89
    // / 60 = 8.90. December in advance 19.90. Total 28.80; VAT 20% 5.76; incl. 34.56.
    const novInv = nov.get('g8-downgrade');
    expect(amounts(novInv)).toEqual([
      ['recurring', 202612, 'Forfait Start, 2026-12 (in advance)', 19_900_000],
      ['usage', 202611, 'Calls mobile, Belgium (Forfait Start)', 8_900_000],
    ]);
    expect(totals(novInv)).toEqual([28_800_000, 5_760_000, 34_560_000]);
    golden('plan-downgrade', inv);
  });

  it('deactivation on 15 October, prorata: the advance for October credited after the 15th, no November', () => {
    const inv = oct.get('g9-deactivation-prorata');
    // SPEC §5 / seed 002: fees are billed in advance, so September's invoice billed October in
    // full (19.90). Forfait Start prorates ("prorata"): 1-15 October = 15 of 31 days are due,
    // 19.90 * 15/31 = 9.629.. -> 9.63, so 19.90 - 9.63 = 10.27 is credited (16 days). Nothing
    // for November. Termination fee (seed 004 « 59€ HT de frais de résiliation du service par
    // licence utilisateur », one cell for both plans): 59.00 for the one user. The call of 5
    // October to a French mobile is included. Total -10.27 + 59.00 = 48.73; VAT 20% 9.746 ->
    // 9.75; incl. 58.48.
    expect(amounts(inv)).toEqual([
      ['recurring', 202610, 'Forfait Start, 2026-10 credited 16/31 days (deactivated on 2026-10-15)', -10_270_000],
      ['termination', 202610, 'Termination fee, Forfait Start (deactivated on 2026-10-15)', 59_000_000],
      ['usage', 202610, 'Calls mobile, national (Forfait Start)', 0],
    ]);
    expect(inv?.lines[0]).toMatchObject({ quantity: 16, unit: 'days', user_id: 'g9-deactivation-prorata-u1' });
    expect(inv?.lines[1]).toMatchObject({ quantity: 1, unit: 'licence' });
    expect(totals(inv)).toEqual([48_730_000, 9_750_000, 58_480_000]);
    // November: no fee, no usage, nothing late: no invoice.
    expect(nov.has('g9-deactivation-prorata')).toBe(false);
    golden('deactivation-prorata', inv);
  });

  it('deactivation on 15 October, every started month due: October stays billed, no November', () => {
    const inv = oct.get('g10-deactivation-started');
    // Magic SIM unlimited is "started_month_due" (003 §9.4): October, billed in full (30.00) in
    // advance on September's invoice, is due in full: no credit. Nothing for November; the plan
    // has no termination fee. The call of 5 October to a Belgian mobile is included.
    // Total 0.00; VAT 0.00.
    expect(amounts(inv)).toEqual([['usage', 202610, 'Calls mobile, national (Magic SIM unlimited)', 0]]);
    expect(totals(inv)).toEqual([0, 0, 0]);
    expect(nov.has('g10-deactivation-started')).toBe(false);
    // Activated on 5 October and deactivated on the 20th: the started month is due in full
    // (30.00), nothing in advance. VAT 21% 6.30; incl. 36.30.
    const short = oct.get('g10b-started-and-ended');
    expect(amounts(short)).toEqual([['recurring', 202610, 'Magic SIM unlimited, 2026-10 (deactivated on 2026-10-20)', 30_000_000]]);
    expect(totals(short)).toEqual([30_000_000, 6_300_000, 36_300_000]);
    golden('deactivation-started-month-due', inv);
    golden('activation-and-deactivation-same-month', short);
  });

  it('Forfait Pro deactivated on 20 October: two user licences, an option, the termination fee per licence', () => {
    const inv = oct.get('g11-pro-termination');
    // 1-20 October = 20 of 31 days due. Each user: 39.90 * 20/31 = 25.741.. -> 25.74, credit
    // 39.90 - 25.74 = 14.16 (11 days); termination 59.00 per user licence (seed 004, SPEC §4).
    // Call recording (10.00, account option, the plan's prorata): 10 * 20/31 = 6.451.. -> 6.45,
    // credit 3.55. Total -14.16 * 2 - 3.55 + 59.00 * 2 = 86.13; VAT 20% 17.226 -> 17.23; 103.36.
    expect(amounts(inv)).toEqual([
      ['recurring', 202610, 'Forfait Pro, 2026-10 credited 11/31 days (deactivated on 2026-10-20)', -14_160_000],
      ['termination', 202610, 'Termination fee, Forfait Pro (deactivated on 2026-10-20)', 59_000_000],
      ['recurring', 202610, 'Forfait Pro, 2026-10 credited 11/31 days (deactivated on 2026-10-20)', -14_160_000],
      ['termination', 202610, 'Termination fee, Forfait Pro (deactivated on 2026-10-20)', 59_000_000],
      ['option', 202610, 'Option: Call recording, 2026-10 credited 11/31 days (deactivated on 2026-10-20)', -3_550_000],
    ]);
    expect(inv?.lines.map((l) => l.user_id)).toEqual([
      'g11-pro-termination-u1',
      'g11-pro-termination-u1',
      'g11-pro-termination-u2',
      'g11-pro-termination-u2',
      '',
    ]);
    expect(totals(inv)).toEqual([86_130_000, 17_230_000, 103_360_000]);
    expect(nov.has('g11-pro-termination')).toBe(false);
    golden('pro-termination-fee', inv);
  });

  it('a user deactivated on 10 October while the account goes on', () => {
    const inv = oct.get('g12-user-deactivated');
    // u1 goes on: November in advance 39.90. u2 ends on the 10th: 10 of 31 days due, 39.90 *
    // 10/31 = 12.870.. -> 12.87, credit 39.90 - 12.87 = 27.03 (21 days); its licence's
    // termination fee 59.00; nothing for November. Total 39.90 - 27.03 + 59.00 = 71.87;
    // VAT 20% 14.374 -> 14.37; incl. 86.24.
    expect(inv?.lines.map((l) => [l.user_id, l.section, l.period, l.description, l.amount_micros])).toEqual([
      ['g12-user-deactivated-u1', 'recurring', 202611, 'Forfait Pro, 2026-11 (in advance)', 39_900_000],
      ['g12-user-deactivated-u2', 'recurring', 202610, 'Forfait Pro, 2026-10 credited 21/31 days (deactivated on 2026-10-10)', -27_030_000],
      ['g12-user-deactivated-u2', 'termination', 202610, 'Termination fee, Forfait Pro (deactivated on 2026-10-10)', 59_000_000],
    ]);
    expect(totals(inv)).toEqual([71_870_000, 14_370_000, 86_240_000]);
    // November: u1 only, December in advance 39.90; VAT 7.98; incl. 47.88.
    const novInv = nov.get('g12-user-deactivated');
    expect(novInv?.lines.map((l) => [l.user_id, l.period, l.amount_micros])).toEqual([['g12-user-deactivated-u1', 202612, 39_900_000]]);
    expect(totals(novInv)).toEqual([39_900_000, 7_980_000, 47_880_000]);
    golden('user-deactivated', inv);
  });

  it('usage grouped by zone: national, each country, special numbers; no zero line', () => {
    const inv = oct.get('g13-zones');
    // Forfait Start (seed 004): France fixed 120 s included. Spain is international: fixed 60 s *
    // 0.89/60 = 0.89; mobile 30 s * 0.89/60 = 0.445, rounded up to the cent 0.45 (seed 002).
    // The unanswered UK call (0 s, 0.00) prints no line. Special numbers ("hors coût du service
    // de n° spéciaux"): freephone 45 s free (tariff fr-retail: 0); the 0806 service number 60 s
    // at the catalog's 0.15/min = 0.15; the premium number is blocked (SPEC §2, 003 Art. 4):
    // its 30 s are shown, nothing billed. November in advance 19.90.
    // Total 19.90 + 0.89 + 0.45 + 0.15 = 21.39; VAT 20% 4.278 -> 4.28; incl. 25.67.
    expect(
      inv?.lines
        .filter((l) => l.section === 'usage')
        .map((l) => [l.description, l.quantity, l.included_qty, l.billed_qty, l.amount_micros]),
    ).toEqual([
      ['Calls fixed, national (Forfait Start)', 120, 120, 0, 0],
      ['Calls fixed, Spain (Forfait Start)', 60, 0, 60, 890_000],
      ['Calls mobile, Spain (Forfait Start)', 30, 0, 30, 450_000],
      ['Calls special numbers, freephone (Forfait Start)', 45, 0, 45, 0],
      ['Calls special numbers, premium, blocked (Forfait Start)', 30, 0, 0, 0],
      ['Calls special numbers, service (Forfait Start)', 60, 0, 60, 150_000],
    ]);
    expect(inv?.lines.filter((l) => l.quantity === 0 && l.amount_micros === 0)).toEqual([]);
    expect(totals(inv)).toEqual([21_390_000, 4_280_000, 25_670_000]);
    golden('usage-by-zone', inv);
  });

  it('a call over the 1 h per-call cap: the overage line bills the 400 s beyond it', () => {
    const inv = oct.get('g14-overage');
    // Seed 004: « 1h maximum par appel ». The 4000 s call: 3600 s included, on the usage line
    // with the 300 s call (3900 s included); 400 s beyond the cap on the overage line, quantity
    // 400, 400 s * 0.15/60 = 1.00. Total 19.90 + 1.00 = 20.90; VAT 20% 4.18; incl. 25.08.
    expect(
      inv?.lines
        .filter((l) => l.section !== 'recurring')
        .map((l) => [l.section, l.description, l.quantity, l.included_qty, l.billed_qty, l.amount_micros]),
    ).toEqual([
      ['usage', 'Calls mobile, national (Forfait Start)', 3900, 3900, 0, 0],
      ['overage', 'Fair-use overage: Calls mobile, national (Forfait Start)', 400, 0, 400, 1_000_000],
    ]);
    expect(totals(inv)).toEqual([20_900_000, 4_180_000, 25_080_000]);
    golden('overage-per-call-cap', inv);
  });
});
