/** Per-user monthly totals, read through FINAL so pending duplicate versions never count twice. */

import { Reason } from '@ratel/rater';
import type { Store } from './store/store.js';
import { int, str } from './store/store.js';

/** Reasons that mark a billed quantity as beyond a fair-use cap (not merely outside the pack). */
export const FAIR_USE_REASONS = [
  Reason.DISTINCT_CALLEE_CAP,
  Reason.OVER_CALL_CAP,
  Reason.MONTHLY_CAP,
  Reason.REPEATED_LONG_CALL,
  Reason.SMS_CAP,
  Reason.SMS_DESTINATION_CAP,
  Reason.DATA_QUOTA,
];
const overageSql = FAIR_USE_REASONS.map((r) => `has(reasons, ${str(r)})`).join(' OR ');

export interface UsageTotal {
  account_id: string;
  user_id: string;
  plan_id: string;
  kind: string;
  dest_class: string;
  /**
   * Destination name of the tariff row ("Spain fixed", "France freephone"; '' for inbound calls
   * and data): the invoice finds its country, and so the line's zone, in the catalog.
   */
  destination: string;
  /** 1 when these records were billed because a fair-use cap was crossed. */
  overage: number;
  records: number;
  quantity: number;
  included_qty: number;
  billed_qty: number;
  cost_micros: number;
}

export function monthTotalsSql(month: number): string {
  return `SELECT account_id, user_id, plan_id, kind, dest_class, destination, toUInt8(${overageSql}) AS overage,
      count() AS records, sum(quantity) AS quantity, sum(included_qty) AS included_qty,
      sum(billed_qty) AS billed_qty, sum(cost_micros) AS cost_micros
    FROM rated_events FINAL
    WHERE month = ${int(month)}
    GROUP BY account_id, user_id, plan_id, kind, dest_class, destination, overage
    ORDER BY account_id, user_id, kind, dest_class, destination, overage`;
}

export async function monthTotals(store: Store, month: number): Promise<UsageTotal[]> {
  return store.query<UsageTotal>(monthTotalsSql(month));
}

export interface MonthSummary {
  accounts: number;
  users: number;
  records: number;
  cost_micros: number;
}

export async function monthSummary(store: Store, month: number): Promise<MonthSummary> {
  const [row] = await store.query<MonthSummary>(
    `SELECT uniqExact(account_id) AS accounts, uniqExact(user_id) AS users, count() AS records, sum(cost_micros) AS cost_micros
     FROM rated_events FINAL WHERE month = ${int(month)}`,
  );
  return row ?? { accounts: 0, users: 0, records: 0, cost_micros: 0 };
}
