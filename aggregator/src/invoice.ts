/**
 * The invoice run for one month M, per account, issued at the end of M (SPEC §5; seed 002:
 * "services récurrents facturés en fin de période P pour la période P+1; en début de service,
 * la période P entamée est facturée au prorata"; 003 §9.2):
 *   - recurring fees in advance for M+1: each user's plan and the account's options;
 *   - when the service was activated during M, also the started period M: prorated by calendar
 *     days from the activation day ("prorata") or in full ("started_month_due"), per plan;
 *   - annual billing: the annual fee on activation, then in advance of each anniversary month;
 *   - a user's upgrade during M (003 §9.2): M's fee of the old plan, billed in advance on the
 *     previous invoice, is credited and the new plan is billed for M; fees in advance follow the
 *     plan of their month (planOf), so a downgrade shows from the month after its date;
 *   - deactivation (of the account, or of a user while the account goes on) on a day of M: no
 *     fee for any month after M; under "prorata" the fee of M billed in advance is credited for
 *     the days after the deactivation, under "started_month_due" M stays due in full; the plan's
 *     termination fee once per user licence (seed 004);
 *   - usage of M: one line per plan, kind, zone (national, each international country, special
 *     numbers) and destination class with included and billed quantities (the amount is the sum
 *     of per-call prices, each already rounded up to the cent), and apart from it the fair-use
 *     overage: the quantities billed because a cap was crossed (the included part of such a
 *     record stays on its usage line); a line with zero quantity and zero amount is left out;
 *   - adjustments: usage of an earlier, already invoiced month that changed since (late CDRs,
 *     re-ratings) is billed as the difference with what was invoiced for that month (003 §6.2.4);
 *   - VAT of the account's VAT country on the total excl. VAT, rounded half up to the cent, shown
 *     per rate (vat_breakdown);
 *   - what French and Belgian invoices must carry (invoice-terms.ts): the seller (config) and the
 *     buyer (accounts file), the issue date and a due date from the payment terms, the legal text,
 *     and a number of one gap-free sequence per seller and year, given at issue (runInvoices).
 * An issued invoice (its header exists) is never recomputed or rewritten.
 */
import { type Account, type AccountBook, type Catalog, type Plan, planOf, type Trie } from '@ratel/rater';
import { daysInMonth, errors, MICROS_PER_CENT, monthOfDate, mulDivRound, nextMonth, previousMonth } from '@ratel/schemas';
import {
  addDays,
  DEFAULT_TERMS,
  formatInvoiceNumber,
  type InvoiceTerms,
  localDate,
  NO_SELLER,
  type Seller,
  sellerKey,
} from './invoice-terms.js';
import { int, type Store, str, strList } from './store/store.js';
import { monthTotals, type UsageTotal } from './totals.js';

export type Section = 'recurring' | 'option' | 'termination' | 'usage' | 'overage' | 'event' | 'adjustment';

export interface InvoiceLine {
  line_no: number;
  section: Section;
  /** yyyymm the line is for: the service month of a fee, the usage month of usage. */
  period: number;
  description: string;
  user_id: string;
  quantity: number;
  included_qty: number;
  billed_qty: number;
  unit: string;
  amount_micros: number;
}

/** The seller as printed on the invoice (config `seller.*`); null where the config gives nothing. */
export interface SellerParty {
  name: string | null;
  address: string | null;
  company_number: string | null;
  vat_number: string | null;
}

/** The buyer as printed on the invoice (accounts file `buyer`; name = the account's name unless given). */
export interface BuyerParty {
  name: string;
  address: string | null;
  vat_id: string | null;
}

/** The VAT of one rate: the amounts excl. VAT at that rate, and their VAT. */
export interface VatAtRate {
  vat_bp: number;
  base_micros: number;
  vat_micros: number;
}

export interface Invoice {
  invoice_id: string;
  /** The legal number, `FA-2026-000001`: sequential and gap-free per seller and year of issue, given at issue. */
  number: string;
  account_id: string;
  account_name: string;
  month: number;
  issued_at_ms: number;
  /** YYYY-MM-DD in the invoice time zone (config invoice.timeZone). */
  issue_date: string;
  /** Issue date + payment_terms_days. */
  due_date: string;
  payment_terms_days: number;
  seller: SellerParty;
  buyer: BuyerParty;
  currency: string;
  vat_country: string;
  vat_bp: number;
  total_excl_micros: number;
  vat_micros: number;
  total_incl_micros: number;
  /** VAT per rate; vat_micros is their sum. */
  vat_breakdown: VatAtRate[];
  legal_text: string;
  catalog_version: string;
  lines: InvoiceLine[];
}

/** Usage of an earlier month that differs from what its invoices billed. */
export interface LateUsage {
  account_id: string;
  period: number;
  /** Current usage amount of the period minus what invoices have billed for it. */
  delta_micros: number;
  /** CDRs of the period rated after its invoice was issued. */
  late_records: number;
}

const UNITS: Record<string, string> = { VOICE: 's', SMS: 'msg', MMS: 'msg', DATA: 'B', EVENT: 'event' };

/** Half-up rounding of micros to whole cents. */
export function roundHalfUpToCent(micros: number): number {
  return mulDivRound(micros, 1, MICROS_PER_CENT) * MICROS_PER_CENT;
}

export const monthLabel = (m: number): string => `${Math.floor(m / 100)}-${String(m % 100).padStart(2, '0')}`;

/**
 * Fee of a plan or option for service month `month`: 0 outside the service (before the month
 * of activation, after the month of `deactivated`); for the days of service in the month, from
 * the activation day and up to the deactivation day (both inclusive), prorated by calendar days
 * and rounded half up to the cent, or in full under "started_month_due"; in full otherwise.
 */
export function recurringFee(
  monthly: number,
  activated: string,
  month: number,
  policy: Plan['proration'],
  deactivated: string | null = null,
): { amount: number; days: number; of: number } {
  const actMonth = monthOfDate(activated);
  const endMonth = deactivated === null ? Number.POSITIVE_INFINITY : monthOfDate(deactivated);
  const dim = daysInMonth(month);
  if (month < actMonth || month > endMonth) return { amount: 0, days: 0, of: dim };
  const first = month === actMonth ? Number(activated.slice(8, 10)) : 1;
  const last = month === endMonth ? Number((deactivated as string).slice(8, 10)) : dim;
  const days = last - first + 1;
  if (days === dim || policy === 'started_month_due') return { amount: monthly, days: dim, of: dim };
  return { amount: mulDivRound(monthly, days, dim * MICROS_PER_CENT) * MICROS_PER_CENT, days, of: dim };
}

/** The day a user's service ends: its own deactivation or the account's, the earlier; null while active. */
export function userEnd(account: Account, userId: string): string | null {
  const own = account.userDeactivated.get(userId) ?? null;
  if (own === null) return account.deactivated;
  return account.deactivated !== null && account.deactivated < own ? account.deactivated : own;
}

export function vatOf(totalExcl: number, vatBp: number): number {
  if (totalExcl < 0) return -vatOf(-totalExcl, vatBp);
  return mulDivRound(totalExcl, vatBp, 10_000 * MICROS_PER_CENT) * MICROS_PER_CENT;
}

/** Classes of the "special numbers" zone: billed (or blocked, or free) whatever their country. */
const SPECIAL_CLASSES = new Set(['special', 'premium', 'freephone', 'emergency']);
const SPECIAL_LABELS: Record<string, string> = { special: 'service', premium: 'premium', freephone: 'freephone', emergency: 'emergency' };

/** Destination name -> country of every row of a tariff (names are unique within a country). */
const countries = new WeakMap<Trie, Map<string, string>>();
function countryOf(trie: Trie, destination: string): string | undefined {
  let byName = countries.get(trie);
  if (byName === undefined) {
    byName = new Map();
    for (let row = 0; row < trie.rowCount; row++) {
      const name = trie.destination(row);
      if (!byName.has(name)) byName.set(name, trie.countryOf(row));
    }
    countries.set(trie, byName);
  }
  return byName.get(destination);
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
const countryName = (code: string): string => {
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
};

/**
 * The zone of a usage total: '' where there is no destination (inbound calls and messages,
 * data, per-event services), 'special' for special numbers, 'national' for the account's own
 * country, else the destination's country (ISO code), found by its name in the plan's tariff
 * (the destination name itself when the catalog no longer has it).
 */
function zoneOf(t: Pick<UsageTotal, 'kind' | 'dest_class' | 'plan_id' | 'destination'>, catalog: Catalog, account: Account): string {
  if (t.kind === 'EVENT' || !t.dest_class) return '';
  if (SPECIAL_CLASSES.has(t.dest_class)) return 'special';
  const plan = catalog.plans.get(t.plan_id);
  const trie = plan && catalog.tariffs.get(plan.tariff)?.trie;
  const country = trie ? countryOf(trie, t.destination) : undefined;
  if (country === undefined) return t.destination ? `?${t.destination}` : '';
  return country === account.country ? 'national' : country;
}

/** Sort key of a zone: none, national, the countries by name, special numbers. */
const zoneOrder = (zone: string): string =>
  zone === '' ? '0' : zone === 'national' ? '1' : zone === 'special' ? '3' : `2${zone.startsWith('?') ? zone.slice(1) : countryName(zone)}`;

function describeUsage(t: Pick<UsageTotal, 'kind' | 'dest_class' | 'plan_id'>, zone: string, plan: Plan | undefined): string {
  const planName = plan?.name ?? t.plan_id;
  if (t.kind === 'EVENT') return `${plan?.events.get(t.dest_class)?.name ?? t.dest_class} (${planName})`;
  const what = t.kind === 'VOICE' ? 'Calls' : t.kind === 'DATA' ? 'Data' : t.kind;
  if (zone === '') return `${what} ${t.dest_class || (t.kind === 'DATA' ? 'session' : 'inbound')} (${planName})`;
  if (zone === 'special') {
    // Premium numbers are blocked by the plans that say so (SPEC §2): the line shows the attempts.
    const blocked = t.dest_class === 'premium' && plan?.premium === 'block' ? ', blocked' : '';
    return `${what} special numbers, ${SPECIAL_LABELS[t.dest_class] ?? t.dest_class}${blocked} (${planName})`;
  }
  const where = zone === 'national' ? 'national' : zone.startsWith('?') ? zone.slice(1) : countryName(zone);
  return `${what} ${t.dest_class}, ${where} (${planName})`;
}

/** Section and description of the usage line a usage total (or one rated event) of `zone` is on. */
function lineOf(t: Pick<UsageTotal, 'kind' | 'dest_class' | 'plan_id'>, zone: string, overage: number, catalog: Catalog) {
  const section: Section = t.kind === 'EVENT' ? 'event' : overage ? 'overage' : 'usage';
  return { section, description: `${overage ? 'Fair-use overage: ' : ''}${describeUsage(t, zone, catalog.plans.get(t.plan_id))}` };
}

/**
 * The usage line (section and description) that carries the cost of one rated event of an
 * account: its overage line when it was billed beyond a fair-use cap, else its usage line. The
 * itemised call detail finds each call's line with it.
 */
export function usageLineOf(
  t: Pick<UsageTotal, 'kind' | 'dest_class' | 'plan_id' | 'destination'>,
  overage: number,
  catalog: Catalog,
  account: Account,
): { section: Section; description: string } {
  return lineOf(t, zoneOf(t as UsageTotal, catalog, account), overage, catalog);
}

/**
 * The descriptions the line of a usage total (or one rated event) may have when the account's
 * country is not at hand (the dashboard reads the store only): for a destination abroad, its
 * country by name, then "national" (the run never names the account's own country).
 */
export function usageLineCandidates(
  t: Pick<UsageTotal, 'kind' | 'dest_class' | 'plan_id' | 'destination'>,
  overage: number,
  catalog: Catalog,
): string[] {
  const plan = catalog.plans.get(t.plan_id);
  const trie = plan && catalog.tariffs.get(plan.tariff)?.trie;
  const country =
    t.kind === 'EVENT' || !t.dest_class || SPECIAL_CLASSES.has(t.dest_class) || !trie ? undefined : countryOf(trie, t.destination);
  const zones = country === undefined ? [zoneOf(t, catalog, { country: '' } as Account)] : [country, 'national'];
  return zones.map((zone) => lineOf(t, zone, overage, catalog).description);
}

/** The party fields of the config's seller. */
export const sellerParty = (s: Seller): SellerParty => ({
  name: s.name,
  address: s.address,
  company_number: s.companyNumber,
  vat_number: s.vatNumber,
});

/** VAT per rate of an invoice's lines (each line at `vatBp`, the rate of the account's VAT country). */
export function vatBreakdown(lines: readonly Pick<InvoiceLine, 'amount_micros'>[], vatBp: number): VatAtRate[] {
  const base = lines.reduce((s, l) => s + l.amount_micros, 0);
  return [{ vat_bp: vatBp, base_micros: base, vat_micros: vatOf(base, vatBp) }];
}

type NewLine = Omit<InvoiceLine, 'line_no'>;

/**
 * A user's upgrade taking effect in `month` (003 §9.2): the old plan's fee for the month, billed
 * in advance on the previous invoice, is credited, and the new plan is billed for the month in
 * full. Nothing when the month is the activation month: no fee was billed for it in advance.
 */
function upgradeLines(catalog: Catalog, account: Account, userId: string, month: number): NewLine[] {
  const change = account.planHistory.get(userId)?.find((h) => h.upgrade && h.from === month);
  if (!change || monthOfDate(account.activated) >= month) return [];
  const old = catalog.plans.get(planOf(account, userId, previousMonth(month)) as string) as Plan;
  const plan = catalog.plans.get(change.plan) as Plan;
  const days = daysInMonth(month);
  const line = (p: Plan, sign: 1 | -1, description: string): NewLine => ({
    section: 'recurring',
    period: month,
    description,
    user_id: userId,
    quantity: days,
    included_qty: 0,
    billed_qty: days,
    unit: 'days',
    amount_micros: sign * p.monthlyMicros,
  });
  return [
    line(old, -1, `${old.name}, ${monthLabel(month)} credited (upgrade on ${change.on})`),
    line(plan, 1, `${plan.name}, ${monthLabel(month)} (upgrade on ${change.on})`),
  ];
}

/** A plan or option fee of a service month. */
interface Fee {
  name: string;
  monthly: number;
  policy: Plan['proration'];
}

/**
 * Fee lines of one plan or option for the service months this invoice charges: the month M
 * itself when the service started in M, M+1 in advance, nothing past the deactivation. When
 * the service ends in M and M was billed in full in advance on the previous invoice, the days
 * after the deactivation are credited where the policy prorates ("prorata"); under
 * "started_month_due" the started month stays due and nothing is credited.
 */
function feeLines(
  section: 'recurring' | 'option',
  userId: string,
  feeOf: (month: number) => Fee,
  account: Account,
  end: string | null,
  month: number,
): NewLine[] {
  const lines: NewLine[] = [];
  const act = monthOfDate(account.activated);
  const ending = end !== null && monthOfDate(end) === month;
  const gone = ending ? ` (deactivated on ${end})` : '';
  if (act < month && ending) {
    const f = feeOf(month);
    const due = recurringFee(f.monthly, account.activated, month, f.policy, end);
    const credited = f.monthly - due.amount;
    if (credited > 0)
      lines.push({
        section,
        period: month,
        description: `${f.name}, ${monthLabel(month)} credited ${due.of - due.days}/${due.of} days${gone}`,
        user_id: userId,
        quantity: due.of - due.days,
        included_qty: 0,
        billed_qty: due.of - due.days,
        unit: 'days',
        amount_micros: -credited,
      });
  }
  for (const p of act === month ? [month, nextMonth(month)] : [nextMonth(month)]) {
    const f = feeOf(p);
    const fee = recurringFee(f.monthly, account.activated, p, f.policy, end);
    if (fee.amount === 0) continue;
    const pro = fee.days < fee.of ? `, prorata ${fee.days}/${fee.of} days` : '';
    lines.push({
      section,
      period: p,
      description: `${f.name}, ${monthLabel(p)}${pro}${p === month ? gone : ' (in advance)'}`,
      user_id: userId,
      quantity: fee.days,
      included_qty: 0,
      billed_qty: fee.days,
      unit: 'days',
      amount_micros: fee.amount,
    });
  }
  return lines;
}

/** The termination fee of a user licence whose service ends in `month` (seed 004: per user licence). */
function terminationLine(plan: Plan, userId: string, end: string | null, month: number): NewLine[] {
  if (end === null || monthOfDate(end) !== month || !plan.terminationFeeMicros) return [];
  return [
    {
      section: 'termination',
      period: month,
      description: `Termination fee, ${plan.name} (deactivated on ${end})`,
      user_id: userId,
      quantity: 1,
      included_qty: 0,
      billed_qty: 1,
      unit: 'licence',
      amount_micros: plan.terminationFeeMicros,
    },
  ];
}

/** Recurring lines (plans, options, termination fees) of an invoice issued at the end of `month`. */
function recurringLines(catalog: Catalog, account: Account, month: number): NewLine[] {
  const lines: NewLine[] = [];
  const act = monthOfDate(account.activated);
  const next = nextMonth(month);
  if (act > month) return lines;
  for (const [userId, planId] of account.users) {
    const end = userEnd(account, userId);
    if (end !== null && monthOfDate(end) < month) continue;
    if (account.billing === 'annual') {
      const plan = catalog.plans.get(planId) as Plan;
      // No renewal for a year that would start after the service ended.
      const renews = act === month || (next % 100 === act % 100 && next > act && (end === null || monthOfDate(end) >= next));
      if (renews) {
        const from = act === month ? month : next;
        lines.push({
          section: 'recurring',
          period: from,
          description: `${plan.name}, annual subscription from ${monthLabel(from)}`,
          user_id: userId,
          quantity: 1,
          included_qty: 0,
          billed_qty: 1,
          unit: 'year',
          amount_micros: plan.annualMicros ?? 0,
        });
      }
      lines.push(...terminationLine(plan, userId, end, month));
      continue;
    }
    lines.push(...upgradeLines(catalog, account, userId, month));
    const planFee = (p: number): Fee => {
      const plan = catalog.plans.get(planOf(account, userId, p) as string) as Plan;
      return { name: plan.name, monthly: plan.monthlyMicros, policy: plan.proration };
    };
    lines.push(...feeLines('recurring', userId, planFee, account, end, month));
    lines.push(...terminationLine(catalog.plans.get(planOf(account, userId, month) as string) as Plan, userId, end, month));
  }
  const basePlan = catalog.plans.get(account.plan) as Plan;
  for (const optId of account.options) {
    const opt = basePlan.options.get(optId);
    if (!opt) continue;
    const fee: Fee = { name: `Option: ${opt.name}`, monthly: opt.monthlyMicros, policy: basePlan.proration };
    lines.push(...feeLines('option', '', () => fee, account, account.deactivated, month));
  }
  return lines;
}

/** Builds (does not store) the invoice of one account for `month`. */
export function buildInvoice(
  catalog: Catalog,
  accounts: AccountBook,
  accountId: string,
  month: number,
  usage: readonly UsageTotal[],
  issuedAtMs: number,
  late: readonly LateUsage[] = [],
  terms: InvoiceTerms = DEFAULT_TERMS,
  number = '',
): Invoice {
  const account = accounts.get(accountId);
  if (!account) throw errors.accountUnknown(accountId, `not in the accounts book: no invoice for ${monthLabel(month)}`);
  const base = catalog.plans.get(account.plan) as Plan;
  const currency = catalog.tariffs.get(base.tariff)?.currency ?? 'EUR';
  const lines: NewLine[] = recurringLines(catalog, account, month);
  // Usage: one line per (plan, kind, zone, destination class), summed over the account's users.
  // The included part of a record billed beyond a fair-use cap stays on its usage line; the
  // overage line holds what the cap left out (billed, or only flagged).
  type Part = Pick<UsageTotal, 'records' | 'quantity' | 'included_qty' | 'billed_qty' | 'cost_micros'>;
  const grouped = new Map<string, { t: UsageTotal; zone: string }>();
  const add = (t: UsageTotal, zone: string, overage: number, part: Part) => {
    const k = `${t.plan_id}|${t.kind}|${zone}|${t.dest_class}|${overage}`;
    const g = grouped.get(k);
    if (!g) grouped.set(k, { t: { ...t, ...part, user_id: '', destination: '', overage }, zone });
    else {
      g.t.records += part.records;
      g.t.quantity += part.quantity;
      g.t.included_qty += part.included_qty;
      g.t.billed_qty += part.billed_qty;
      g.t.cost_micros += part.cost_micros;
    }
  };
  for (const t of usage) {
    const zone = zoneOf(t, catalog, account);
    if (!t.overage) add(t, zone, 0, t);
    else {
      const inc = t.included_qty;
      if (inc !== 0) add(t, zone, 0, { records: 0, quantity: inc, included_qty: inc, billed_qty: 0, cost_micros: 0 });
      add(t, zone, 1, {
        records: t.records,
        quantity: t.quantity - inc,
        included_qty: 0,
        billed_qty: t.billed_qty,
        cost_micros: t.cost_micros,
      });
    }
  }
  const order = ({ t, zone }: { t: UsageTotal; zone: string }) => `${t.overage}|${t.kind}|${zoneOrder(zone)}|${t.dest_class}|${t.plan_id}`;
  for (const g of [...grouped.values()].sort((a, b) => order(a).localeCompare(order(b)))) {
    const t = g.t;
    lines.push({
      ...lineOf(t, g.zone, t.overage, catalog),
      period: month,
      user_id: '',
      quantity: t.quantity,
      included_qty: t.included_qty,
      billed_qty: t.billed_qty,
      unit: UNITS[t.kind] ?? '',
      amount_micros: t.cost_micros,
    });
  }
  for (const l of [...late].sort((a, b) => a.period - b.period)) {
    if (l.delta_micros === 0) continue;
    lines.push({
      section: 'adjustment',
      period: l.period,
      description: `Adjustment: usage of ${monthLabel(l.period)} received or re-rated after its invoice (${l.late_records} records)`,
      user_id: '',
      quantity: l.late_records,
      included_qty: 0,
      billed_qty: l.late_records,
      unit: 'records',
      amount_micros: l.delta_micros,
    });
  }
  // A line with nothing to show (unanswered calls only: zero quantity, zero amount) is left out.
  const numbered = lines.filter((l) => l.quantity !== 0 || l.amount_micros !== 0).map((l, i) => ({ ...l, line_no: i + 1 }));
  const totalExcl = numbered.reduce((s, l) => s + l.amount_micros, 0);
  const vatBp = catalog.vatBp.get(account.vatCountry);
  if (vatBp === undefined)
    throw errors.catalogInvalid('vat.json', account.vatCountry, `no VAT rate for account ${accountId}'s VAT country`);
  const breakdown = vatBreakdown(numbered, vatBp);
  const vat = breakdown.reduce((s, r) => s + r.vat_micros, 0);
  const issueDate = localDate(issuedAtMs, terms.timeZone);
  return {
    invoice_id: `${accountId}-${month}`,
    number,
    account_id: accountId,
    account_name: account.name,
    month,
    issued_at_ms: issuedAtMs,
    issue_date: issueDate,
    due_date: addDays(issueDate, terms.paymentTermsDays),
    payment_terms_days: terms.paymentTermsDays,
    seller: sellerParty(terms.seller),
    buyer: { name: account.buyer.name, address: account.buyer.address, vat_id: account.buyer.vatId },
    currency,
    vat_country: account.vatCountry,
    vat_bp: vatBp,
    total_excl_micros: totalExcl,
    vat_micros: vat,
    total_incl_micros: totalExcl + vat,
    vat_breakdown: breakdown,
    legal_text: terms.legalText,
    catalog_version: catalog.version,
    lines: numbered,
  };
}

/**
 * Usage of months before `month` that were already invoiced and changed since: the current
 * amount (rated_events FINAL) minus what issued invoices billed for that period.
 */
export async function lateUsage(store: Store, month: number): Promise<LateUsage[]> {
  const current = await store.query<{ account_id: string; period: number; cost: number; late: number }>(
    `SELECT r.account_id AS account_id, r.month AS period, sum(r.cost_micros) AS cost, countIf(r.rated_at_ms > h.issued_at_ms) AS late
     FROM (SELECT account_id, month, cost_micros, rated_at_ms FROM rated_events FINAL WHERE month < ${int(month)}) AS r
     INNER JOIN (SELECT account_id, month, issued_at_ms FROM invoices FINAL WHERE month < ${int(month)}) AS h USING (account_id, month)
     GROUP BY r.account_id, r.month`,
  );
  const billed = await store.query<{ account_id: string; period: number; billed: number }>(
    `SELECT account_id, period, sum(amount_micros) AS billed
     FROM (SELECT account_id, month, issued_at_ms, period, amount_micros FROM invoice_lines
           WHERE section IN ('usage', 'overage', 'event', 'adjustment') AND period < ${int(month)}) AS l
     INNER JOIN (SELECT account_id, month, issued_at_ms FROM invoices FINAL) AS h USING (account_id, month, issued_at_ms)
     GROUP BY account_id, period`,
  );
  const key = (a: string, p: number) => `${a}|${p}`;
  const billedBy = new Map(billed.map((b) => [key(b.account_id, b.period), b.billed]));
  return current
    .map((c) => ({
      account_id: c.account_id,
      period: c.period,
      delta_micros: c.cost - (billedBy.get(key(c.account_id, c.period)) ?? 0),
      late_records: c.late,
    }))
    .filter((l) => l.delta_micros !== 0);
}

export interface InvoiceRunResult {
  month: number;
  issued: Invoice[];
  /** Accounts whose invoice for the month already existed (left unchanged). */
  alreadyIssued: number;
}

export interface InvoiceRunOptions {
  /** Seller, numbering, payment terms and legal text (default: no seller, drafts). */
  terms?: InvoiceTerms;
  /** Rows per insert of lines and of headers (50,000). */
  chunkRows?: number;
  /** Called after each insert of headers with the number of headers stored so far (tests stop a run there). */
  onHeaders?: (stored: number) => void | Promise<void>;
}

/**
 * The last sequence number issued in the seller-year `key`/`year`: numbers exist only on
 * headers, and headers are written last (one insert per chunk, in account order), so the
 * issued numbers of a series are always 1..n.
 */
async function lastNumber(store: Store, key: string, year: number): Promise<number> {
  const [row] = await store.query<{ top: number }>(
    `SELECT max(number_seq) AS top FROM invoices FINAL WHERE seller_key = ${str(key)} AND number_year = ${int(year)}`,
  );
  return row?.top ?? 0;
}

/** A stored header: the invoice without its lines and the book's account name, with its number's series. */
function headerRow(inv: Invoice, key: string, year: number, seq: number) {
  return {
    invoice_id: inv.invoice_id,
    account_id: inv.account_id,
    month: inv.month,
    issued_at_ms: inv.issued_at_ms,
    currency: inv.currency,
    vat_country: inv.vat_country,
    vat_bp: inv.vat_bp,
    total_excl_micros: inv.total_excl_micros,
    vat_micros: inv.vat_micros,
    total_incl_micros: inv.total_incl_micros,
    catalog_version: inv.catalog_version,
    number: inv.number,
    seller_key: key,
    number_year: year,
    number_seq: seq,
    issue_date: inv.issue_date,
    due_date: inv.due_date,
    payment_terms_days: inv.payment_terms_days,
    seller: JSON.stringify(inv.seller),
    buyer: JSON.stringify(inv.buyer),
    vat_breakdown: JSON.stringify(inv.vat_breakdown),
    legal_text: inv.legal_text,
  };
}

/**
 * Invoices every active account of the book for `month`, storing lines then headers.
 *
 * Numbers: the invoices of a run are numbered at issue, in account order, from the last number
 * issued in the seller-year (FA-<year>-000001 first). A number exists only once its header is
 * stored, so a run that dies before or while writing its headers leaves the numbers of the
 * stored headers (1..k, in account order: headers go in account order, one insert per chunk)
 * and nothing else: the rerun numbers the rest from k + 1, the same numbers the dead run had
 * derived for them when the same invoices are due. One invoice run at a time per store.
 */
export async function runInvoices(
  store: Store,
  catalog: Catalog,
  accounts: AccountBook,
  month: number,
  now: () => number = Date.now,
  opts: InvoiceRunOptions = {},
): Promise<InvoiceRunResult> {
  const terms = opts.terms ?? DEFAULT_TERMS;
  const chunk = opts.chunkRows ?? 50_000;
  const done = new Set(
    (await store.query<{ account_id: string }>(`SELECT account_id FROM invoices FINAL WHERE month = ${int(month)}`)).map(
      (r) => r.account_id,
    ),
  );
  const usage = new Map<string, UsageTotal[]>();
  for (const t of await monthTotals(store, month)) {
    const list = usage.get(t.account_id);
    if (list) list.push(t);
    else usage.set(t.account_id, [t]);
  }
  const late = new Map<string, LateUsage[]>();
  for (const l of await lateUsage(store, month)) {
    const list = late.get(l.account_id);
    if (list) list.push(l);
    else late.set(l.account_id, [l]);
  }
  const issuedAt = now();
  const issued: Invoice[] = [];
  for (const id of [...accounts.keys()].sort()) {
    if (done.has(id)) continue;
    const a = accounts.get(id);
    if (!a || monthOfDate(a.activated) > month) continue;
    const inv = buildInvoice(catalog, accounts, id, month, usage.get(id) ?? [], issuedAt, late.get(id) ?? [], terms);
    // After the month of its deactivation, an account gets an invoice only for what is left to bill (late usage).
    if (inv.lines.length === 0 && a.deactivated !== null && monthOfDate(a.deactivated) < month) continue;
    issued.push(inv);
  }
  const key = sellerKey(terms.seller);
  const year = Number(localDate(issuedAt, terms.timeZone).slice(0, 4));
  const first = (await lastNumber(store, key, year)) + 1;
  const headers = issued.map((inv, i) => {
    inv.number = formatInvoiceNumber(terms.numberPrefix, year, first + i);
    return headerRow(inv, key, year, first + i);
  });
  const lineRows = issued.flatMap((inv) =>
    inv.lines.map((l) => ({ ...l, invoice_id: inv.invoice_id, account_id: inv.account_id, month, issued_at_ms: issuedAt })),
  );
  for (let i = 0; i < lineRows.length; i += chunk) await store.insert('invoice_lines', lineRows.slice(i, i + chunk));
  for (let i = 0; i < headers.length; i += chunk) {
    await store.insert('invoices', headers.slice(i, i + chunk));
    await opts.onHeaders?.(Math.min(headers.length, i + chunk));
  }
  return { month, issued, alreadyIssued: done.size };
}

/** Header columns read back, in the order of the Invoice. */
const HEADER_COLUMNS = `invoice_id, number, account_id, month, issued_at_ms, issue_date, due_date, payment_terms_days, seller, buyer,
  currency, vat_country, vat_bp, total_excl_micros, vat_micros, total_incl_micros, vat_breakdown, legal_text, catalog_version`;

type HeaderRow = Omit<StoredInvoice, 'lines' | 'seller' | 'buyer' | 'vat_breakdown'> & {
  seller: string;
  buyer: string;
  vat_breakdown: string;
};

const parsedOr = <T>(json: string, fallback: T): T => (json === '' ? fallback : (JSON.parse(json) as T));

/** A stored header as the invoice holds it (a header stored before numbering has empty parties). */
function headerOf(h: HeaderRow): Omit<StoredInvoice, 'lines'> {
  return {
    ...h,
    seller: parsedOr<SellerParty>(h.seller, sellerParty(NO_SELLER)),
    buyer: parsedOr<BuyerParty>(h.buyer, { name: '', address: null, vat_id: null }),
    vat_breakdown: parsedOr<VatAtRate[]>(h.vat_breakdown, [
      { vat_bp: h.vat_bp, base_micros: h.total_excl_micros, vat_micros: h.vat_micros },
    ]),
  };
}

/** Reads a stored invoice (header + the lines of the run that issued it). */
export async function readInvoice(store: Store, accountId: string, month: number): Promise<Omit<Invoice, 'account_name'> | null> {
  const [row] = await store.query<HeaderRow>(
    `SELECT ${HEADER_COLUMNS} FROM invoices FINAL WHERE account_id = ${str(accountId)} AND month = ${int(month)}`,
  );
  if (!row) return null;
  const h = headerOf(row);
  const lines = await store.query<InvoiceLine>(
    `SELECT line_no, section, period, description, user_id, quantity, included_qty, billed_qty, unit, amount_micros
     FROM invoice_lines WHERE account_id = ${str(accountId)} AND month = ${int(month)} AND issued_at_ms = ${int(h.issued_at_ms)}
     ORDER BY line_no`,
  );
  return { ...h, lines };
}

/** An issued invoice as the store holds it: the account's name is not stored (it is the book's). */
export type StoredInvoice = Omit<Invoice, 'account_name'>;

/** Ids of the month's issued invoices (those whose header exists), by account. */
export async function issuedInvoiceIds(store: Store, month: number): Promise<{ account_id: string; invoice_id: string }[]> {
  return store.query<{ account_id: string; invoice_id: string }>(
    `SELECT account_id, invoice_id FROM invoices FINAL WHERE month = ${int(month)} ORDER BY account_id`,
  );
}

/** Accounts per query: keeps the IN list of one statement to a few hundred kB. */
const READ_CHUNK = 5000;

/**
 * Reads back the month's issued invoices of these accounts (header + the lines of the run that
 * issued it), in account order; an account without an issued invoice is left out. Used to write
 * again the files of invoices issued by an earlier run.
 */
export async function readIssuedInvoices(store: Store, month: number, accountIds: readonly string[]): Promise<StoredInvoice[]> {
  const out: StoredInvoice[] = [];
  const ids = [...new Set(accountIds)].sort();
  for (let i = 0; i < ids.length; i += READ_CHUNK) out.push(...(await readIssuedChunk(store, month, ids.slice(i, i + READ_CHUNK))));
  return out;
}

async function readIssuedChunk(store: Store, month: number, ids: readonly string[]): Promise<StoredInvoice[]> {
  const where = `month = ${int(month)} AND account_id IN ${strList(ids)}`;
  const headers = (await store.query<HeaderRow>(`SELECT ${HEADER_COLUMNS} FROM invoices FINAL WHERE ${where} ORDER BY account_id`)).map(
    headerOf,
  );
  const lines = await store.query<InvoiceLine & { account_id: string }>(
    `SELECT account_id, line_no, section, period, description, user_id, quantity, included_qty, billed_qty, unit, amount_micros
     FROM (SELECT account_id, month, issued_at_ms, line_no, section, period, description, user_id, quantity, included_qty,
                  billed_qty, unit, amount_micros FROM invoice_lines WHERE ${where}) AS l
     INNER JOIN (SELECT account_id, month, issued_at_ms FROM invoices FINAL WHERE ${where}) AS h USING (account_id, month, issued_at_ms)
     ORDER BY account_id, line_no`,
  );
  const byAccount = new Map<string, InvoiceLine[]>();
  for (const { account_id, ...l } of lines) {
    const list = byAccount.get(account_id);
    if (list) list.push(l);
    else byAccount.set(account_id, [l]);
  }
  return headers.map((h) => ({ ...h, lines: byAccount.get(h.account_id) ?? [] }));
}
