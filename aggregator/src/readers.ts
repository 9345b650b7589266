/**
 * Reading what ratel stored, for library users: the latest rating of each CDR, the alerts, the
 * dead letters (invoices: readInvoice and readIssuedInvoices in invoice.ts). Same SQL on both
 * engines; `FINAL`, so a CDR re-rated several times reads as its latest version.
 */
import type { RatedEvent } from '@ratel/schemas';
import type { AlertRow, DeadLetterRow } from './rated-events.js';
import { int, type Store, str } from './store/store.js';

export interface Scope {
  /** Billing month YYYYMM. */
  month: number;
  /** One account only. */
  account?: string;
}

const where = (s: Scope): string => `month = ${int(s.month)}${s.account === undefined ? '' : ` AND account_id = ${str(s.account)}`}`;

/** The latest rating of each CDR of the month, in start order. */
export async function readRatings(store: Store, scope: Scope): Promise<RatedEvent[]> {
  const rows = await store.query<RatedEvent>(
    `SELECT * FROM rated_events FINAL WHERE ${where(scope)} ORDER BY account_id, start_ms, cdr_id`,
  );
  return rows.map((r) => ({
    ...r,
    version: Number(r.version),
    start_ms: Number(r.start_ms),
    month: Number(r.month),
    quantity: Number(r.quantity),
    included_qty: Number(r.included_qty),
    billed_qty: Number(r.billed_qty),
    cost_micros: Number(r.cost_micros),
    rated_at_ms: Number(r.rated_at_ms),
  }));
}

/** The alerts of the month (credit limits, fair use, premium attempts, roaming abuse), in time order. */
export async function readAlerts(store: Store, scope: Scope): Promise<AlertRow[]> {
  const rows = await store.query<AlertRow>(`SELECT * FROM alerts FINAL WHERE ${where(scope)} ORDER BY at_ms, account_id, kind`);
  return rows.map((r) => ({ ...r, month: Number(r.month), at_ms: Number(r.at_ms) }));
}

/** Dead letters recorded at or after `sinceMs`, oldest first. */
export async function readDeadLetters(store: Store, sinceMs = 0): Promise<DeadLetterRow[]> {
  const rows = await store.query<DeadLetterRow>(`SELECT * FROM dead_letters FINAL WHERE at_ms >= ${int(sinceMs)} ORDER BY at_ms, cdr_id`);
  return rows.map((r) => ({ ...r, at_ms: Number(r.at_ms) }));
}
