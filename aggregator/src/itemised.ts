/**
 * Itemised call detail of an invoice: every rated event of the month behind its usage, overage
 * and per-event lines, per user, read from rated_events FINAL of the account and month (the
 * latest rating of each CDR, as the lines were summed). Each event is tagged with the line that
 * carries its cost (usageLineOf), so the costs of a line's events add up to the line to the cent:
 * the line's amount is the sum of these per-event costs, each already rounded up to the cent.
 *
 * Only events rated before the invoice was issued are listed: a CDR received later is billed as
 * an adjustment on a later invoice. A re-rating after the issue replaces the event's rating in
 * the store, so detail written again after a re-rating shows the new rating.
 */
import type { AccountBook, Catalog } from '@ratel/rater';
import { type Invoice, type StoredInvoice, usageLineOf } from './invoice.js';
import { localDateTime } from './invoice-terms.js';
import { int, type Store, str, strList } from './store/store.js';
import { FAIR_USE_REASONS } from './totals.js';

export interface CallDetail {
  /** The invoice line this event's cost is on. */
  line_no: number;
  user_id: string;
  cdr_id: string;
  start_ms: number;
  /** `YYYY-MM-DD HH:MM:SS` in the account's time zone. */
  local_time: string;
  kind: string;
  direction: string;
  /** The number called (or calling, for an inbound call), last four digits masked unless the account asks for full numbers. */
  number: string;
  destination: string;
  /** Seconds for calls, parts for messages, bytes for data, events for services. */
  quantity: number;
  included_qty: number;
  billed_qty: number;
  unit: string;
  cost_micros: number;
}

const UNITS: Record<string, string> = { VOICE: 's', SMS: 'msg', MMS: 'msg', DATA: 'B', EVENT: 'event' };

/** `+33612345678` -> `+3361234XXXX`: the last four digits masked (all of them in a shorter number). */
export function maskNumber(number: string): string {
  let left = 4;
  let out = '';
  for (let i = number.length - 1; i >= 0; i--) {
    const c = number[i] as string;
    if (left > 0 && c >= '0' && c <= '9') {
      out = `X${out}`;
      left--;
    } else out = c + out;
  }
  return out;
}

interface EventRow {
  account_id: string;
  user_id: string;
  cdr_id: string;
  plan_id: string;
  kind: string;
  direction: string;
  start_ms: number;
  counterpart: string;
  destination: string;
  dest_class: string;
  quantity: number;
  included_qty: number;
  billed_qty: number;
  cost_micros: number;
  overage: number;
  rated_at_ms: number;
}

const overageSql = FAIR_USE_REASONS.map((r) => `has(reasons, ${str(r)})`).join(' OR ');

/** The SQL reading the month's rated events of these accounts (no parameters: values inlined and escaped). */
export function itemisedSql(month: number, accountIds: readonly string[]): string {
  return `SELECT account_id, user_id, cdr_id, plan_id, kind, direction, start_ms, counterpart, destination, dest_class,
      quantity, included_qty, billed_qty, cost_micros, toUInt8(${overageSql}) AS overage, rated_at_ms
    FROM rated_events FINAL
    WHERE month = ${int(month)} AND account_id IN ${strList(accountIds)}
    ORDER BY account_id, user_id, start_ms, cdr_id`;
}

const READ_CHUNK = 2000;

/**
 * The itemised detail of each invoice (by invoice id), in user order, then time. Events that
 * carry nothing (unanswered calls: no quantity, no cost) and events of no printed line are left out.
 */
export async function itemisedCalls(
  store: Store,
  catalog: Catalog,
  accounts: AccountBook,
  invoices: readonly (Invoice | StoredInvoice)[],
): Promise<Map<string, CallDetail[]>> {
  const out = new Map<string, CallDetail[]>();
  const byMonth = new Map<number, (Invoice | StoredInvoice)[]>();
  for (const inv of invoices) {
    const list = byMonth.get(inv.month);
    if (list) list.push(inv);
    else byMonth.set(inv.month, [inv]);
  }
  for (const [month, list] of byMonth) {
    for (let i = 0; i < list.length; i += READ_CHUNK) {
      const part = list.slice(i, i + READ_CHUNK);
      const rows = await store.query<EventRow>(
        itemisedSql(
          month,
          part.map((inv) => inv.account_id),
        ),
      );
      const byAccount = new Map<string, EventRow[]>();
      for (const r of rows) {
        const l = byAccount.get(r.account_id);
        if (l) l.push(r);
        else byAccount.set(r.account_id, [r]);
      }
      for (const inv of part) out.set(inv.invoice_id, detailOf(inv, byAccount.get(inv.account_id) ?? [], catalog, accounts));
    }
  }
  return out;
}

function detailOf(inv: Invoice | StoredInvoice, rows: readonly EventRow[], catalog: Catalog, accounts: AccountBook): CallDetail[] {
  const account = accounts.get(inv.account_id);
  if (!account) return [];
  const lineNo = new Map<string, number>();
  for (const l of inv.lines)
    if (l.section === 'usage' || l.section === 'overage' || l.section === 'event') lineNo.set(`${l.section}|${l.description}`, l.line_no);
  const out: CallDetail[] = [];
  const lineOfKey = new Map<string, number | undefined>();
  for (const r of rows) {
    if (r.rated_at_ms > inv.issued_at_ms) continue;
    if (r.quantity === 0 && r.cost_micros === 0) continue;
    const key = `${r.plan_id}|${r.kind}|${r.dest_class}|${r.destination}|${r.overage}`;
    let no = lineOfKey.get(key);
    if (!lineOfKey.has(key)) {
      const line = usageLineOf(r, r.overage, catalog, account);
      no = lineNo.get(`${line.section}|${line.description}`);
      lineOfKey.set(key, no);
    }
    if (no === undefined) continue;
    const number = r.counterpart === '' ? '' : `+${r.counterpart}`;
    const plan = catalog.plans.get(r.plan_id);
    const destination =
      r.kind === 'EVENT'
        ? (plan?.events.get(r.dest_class)?.name ?? r.dest_class)
        : r.destination || (r.kind === 'DATA' ? 'data session' : r.direction === 'INBOUND' ? 'inbound' : r.dest_class);
    out.push({
      line_no: no,
      user_id: r.user_id,
      cdr_id: r.cdr_id,
      start_ms: r.start_ms,
      local_time: localDateTime(r.start_ms, account.timeZone),
      kind: r.kind,
      direction: r.direction,
      number: account.fullNumbers ? number : maskNumber(number),
      destination,
      quantity: r.quantity,
      included_qty: r.included_qty,
      billed_qty: r.billed_qty,
      unit: UNITS[r.kind] ?? '',
      cost_micros: r.cost_micros,
    });
  }
  return out;
}

/** The detail grouped by user, in order of first appearance (the rows come by user). */
export function callsByUser(calls: readonly CallDetail[]): [string, CallDetail[]][] {
  const m = new Map<string, CallDetail[]>();
  for (const c of calls) {
    const l = m.get(c.user_id);
    if (l) l.push(c);
    else m.set(c.user_id, [c]);
  }
  return [...m];
}
