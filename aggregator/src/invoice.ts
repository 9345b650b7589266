/**
 * The invoice run for one month. Per account (SPEC §5):
 *   - recurring fee of each user's plan for the month, prorated from the activation day when it
 *     falls in the month (plan policy "prorata"), or due in full ("started_month_due"); annual
 *     billing charges the annual fee in the activation month and its anniversaries;
 *   - options, prorated like the plan;
 *   - usage lines per kind and destination class: quantity, included, billed, amount (the sum of
 *     the per-call prices, each already rounded up to the cent by the rater);
 *   - VAT of the account's VAT country, rounded half up to the cent, on the total excl. VAT.
 * An issued invoice (its header exists) is never recomputed: running the month again returns the
 * stored one unchanged.
 */
import type { AccountBook, Catalog, Plan } from '@ratel/rater';
import { daysInMonth, errors, MICROS_PER_CENT, mulDivRound } from '@ratel/schemas';
import { int, type Store, str } from './store/store.js';
import { monthTotals, type UsageTotal } from './totals.js';

export type Section = 'recurring' | 'option' | 'usage' | 'event' | 'adjustment';

export interface InvoiceLine {
  line_no: number;
  section: Section;
  description: string;
  user_id: string;
  quantity: number;
  included_qty: number;
  billed_qty: number;
  unit: string;
  amount_micros: number;
}

export interface Invoice {
  invoice_id: string;
  account_id: string;
  account_name: string;
  month: number;
  issued_at_ms: number;
  currency: string;
  vat_country: string;
  vat_bp: number;
  total_excl_micros: number;
  vat_micros: number;
  total_incl_micros: number;
  catalog_version: string;
  lines: InvoiceLine[];
}

const UNITS: Record<string, string> = { VOICE: 's', SMS: 'msg', MMS: 'msg', DATA: 'B', EVENT: 'event' };

/** Half-up rounding of micros to whole cents. */
export function roundHalfUpToCent(micros: number): number {
  return mulDivRound(micros, 1, MICROS_PER_CENT) * MICROS_PER_CENT;
}

/**
 * Recurring fee of a plan for `month` given the activation date: prorated by calendar days from
 * the activation day (inclusive), rounded half up to the cent; 0 before activation.
 */
export function recurringFee(
  monthly: number,
  activated: string,
  month: number,
  policy: Plan['proration'],
): { amount: number; days: number; of: number } {
  const actMonth = Number(activated.slice(0, 4)) * 100 + Number(activated.slice(5, 7));
  const dim = daysInMonth(month);
  if (month < actMonth) return { amount: 0, days: 0, of: dim };
  if (month > actMonth || policy === 'started_month_due') return { amount: monthly, days: dim, of: dim };
  const days = dim - Number(activated.slice(8, 10)) + 1;
  return { amount: mulDivRound(monthly, days, dim * MICROS_PER_CENT) * MICROS_PER_CENT, days, of: dim };
}

export function vatOf(totalExcl: number, vatBp: number): number {
  return mulDivRound(totalExcl, vatBp, 10_000 * MICROS_PER_CENT) * MICROS_PER_CENT;
}

function describeUsage(t: UsageTotal, planName: string): string {
  const what = t.kind === 'VOICE' ? 'Calls' : t.kind === 'DATA' ? 'Data' : t.kind === 'EVENT' ? 'Service' : t.kind;
  return `${what} ${t.dest_class || 'inbound'} (${planName})`;
}

/** Builds (does not store) the invoice of one account for `month`. */
export function buildInvoice(
  catalog: Catalog,
  accounts: AccountBook,
  accountId: string,
  month: number,
  usage: readonly UsageTotal[],
  issuedAtMs: number,
): Invoice {
  const account = accounts.get(accountId);
  if (!account) throw errors.cdrUnrateable('', `invoice for unknown account ${accountId}`);
  const lines: InvoiceLine[] = [];
  const push = (l: Omit<InvoiceLine, 'line_no'>) => lines.push({ ...l, line_no: lines.length + 1 });
  const mm = `${Math.floor(month / 100)}-${String(month % 100).padStart(2, '0')}`;
  let currency = 'EUR';
  for (const [userId, planId] of account.users) {
    const plan = catalog.plans.get(planId) as Plan;
    currency = catalog.tariffs.get(plan.tariff)?.currency ?? currency;
    if (account.billing === 'annual') {
      const actMonth = Number(account.activated.slice(5, 7));
      const actYm = Number(account.activated.slice(0, 4)) * 100 + actMonth;
      if (month >= actYm && month % 100 === actMonth) {
        push({
          section: 'recurring',
          description: `${plan.name}, annual subscription from ${mm}`,
          user_id: userId,
          quantity: 1,
          included_qty: 0,
          billed_qty: 1,
          unit: 'year',
          amount_micros: plan.annualMicros ?? 0,
        });
      }
    } else {
      const fee = recurringFee(plan.monthlyMicros, account.activated, month, plan.proration);
      if (fee.amount > 0) {
        const pro = fee.days < fee.of ? `, prorata ${fee.days}/${fee.of} days` : '';
        push({
          section: 'recurring',
          description: `${plan.name}, ${mm}${pro}`,
          user_id: userId,
          quantity: fee.days,
          included_qty: 0,
          billed_qty: fee.days,
          unit: 'day',
          amount_micros: fee.amount,
        });
      }
    }
  }
  const basePlan = catalog.plans.get(account.plan) as Plan;
  for (const optId of account.options) {
    const opt = basePlan.options.get(optId);
    if (!opt) continue;
    const fee = recurringFee(opt.monthlyMicros, account.activated, month, basePlan.proration);
    if (fee.amount > 0) {
      push({
        section: 'option',
        description: `Option: ${opt.name}, ${mm}`,
        user_id: '',
        quantity: fee.days,
        included_qty: 0,
        billed_qty: fee.days,
        unit: 'day',
        amount_micros: fee.amount,
      });
    }
  }
  // Usage: one line per (plan, kind, destination class), summed over the account's users.
  const grouped = new Map<string, UsageTotal>();
  for (const t of usage) {
    const k = `${t.plan_id}|${t.kind}|${t.dest_class}`;
    const g = grouped.get(k);
    if (!g) grouped.set(k, { ...t, user_id: '' });
    else {
      g.records += t.records;
      g.quantity += t.quantity;
      g.included_qty += t.included_qty;
      g.billed_qty += t.billed_qty;
      g.cost_micros += t.cost_micros;
    }
  }
  for (const t of [...grouped.values()].sort((a, b) => (a.kind + a.dest_class).localeCompare(b.kind + b.dest_class))) {
    const planName = catalog.plans.get(t.plan_id)?.name ?? t.plan_id;
    push({
      section: t.kind === 'EVENT' ? 'event' : 'usage',
      description: describeUsage(t, planName),
      user_id: '',
      quantity: t.quantity,
      included_qty: t.included_qty,
      billed_qty: t.billed_qty,
      unit: UNITS[t.kind] ?? '',
      amount_micros: t.cost_micros,
    });
  }
  const totalExcl = lines.reduce((s, l) => s + l.amount_micros, 0);
  const vatBp = catalog.vatBp.get(account.vatCountry);
  if (vatBp === undefined)
    throw errors.catalogInvalid('vat.json', account.vatCountry, `no VAT rate for account ${accountId}'s VAT country`);
  const vat = vatOf(totalExcl, vatBp);
  return {
    invoice_id: `${accountId}-${month}`,
    account_id: accountId,
    account_name: account.name,
    month,
    issued_at_ms: issuedAtMs,
    currency,
    vat_country: account.vatCountry,
    vat_bp: vatBp,
    total_excl_micros: totalExcl,
    vat_micros: vat,
    total_incl_micros: totalExcl + vat,
    catalog_version: catalog.version,
    lines,
  };
}

export interface InvoiceRunResult {
  month: number;
  issued: Invoice[];
  /** Accounts whose invoice for the month already existed (left unchanged). */
  alreadyIssued: number;
}

/** Invoices every active account of the book for `month`, storing lines then headers. */
export async function runInvoices(
  store: Store,
  catalog: Catalog,
  accounts: AccountBook,
  month: number,
  now: () => number = Date.now,
): Promise<InvoiceRunResult> {
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
  const issuedAt = now();
  const lastDay = Number(`${Math.floor(month / 100)}${String(month % 100).padStart(2, '0')}${daysInMonth(month)}`);
  const issued: Invoice[] = [];
  for (const id of [...accounts.keys()].sort()) {
    if (done.has(id)) continue;
    const a = accounts.get(id);
    if (!a || Number(a.activated.replace(/-/g, '')) > lastDay) continue;
    issued.push(buildInvoice(catalog, accounts, id, month, usage.get(id) ?? [], issuedAt));
  }
  const lineRows = issued.flatMap((inv) =>
    inv.lines.map((l) => ({ ...l, invoice_id: inv.invoice_id, account_id: inv.account_id, month, issued_at_ms: issuedAt })),
  );
  for (let i = 0; i < lineRows.length; i += 50_000) await store.insert('invoice_lines', lineRows.slice(i, i + 50_000));
  await store.insert(
    'invoices',
    issued.map(({ lines: _lines, account_name: _n, ...h }) => h),
  );
  return { month, issued, alreadyIssued: done.size };
}

/** Reads a stored invoice (header + the lines of the run that issued it). */
export async function readInvoice(store: Store, accountId: string, month: number): Promise<Omit<Invoice, 'account_name'> | null> {
  const [h] = await store.query<Omit<Invoice, 'lines' | 'account_name'>>(
    `SELECT * FROM invoices FINAL WHERE account_id = ${str(accountId)} AND month = ${int(month)}`,
  );
  if (!h) return null;
  const lines = await store.query<InvoiceLine>(
    `SELECT line_no, section, description, user_id, quantity, included_qty, billed_qty, unit, amount_micros
     FROM invoice_lines WHERE account_id = ${str(accountId)} AND month = ${int(month)} AND issued_at_ms = ${int(h.issued_at_ms)}
     ORDER BY line_no`,
  );
  return { ...h, lines };
}
