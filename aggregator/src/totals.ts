/** Per-user monthly totals, read through FINAL so pending duplicate versions never count twice. */

import type { Store } from './store/store.js';
import { int } from './store/store.js';

export interface UsageTotal {
  account_id: string;
  user_id: string;
  plan_id: string;
  kind: string;
  dest_class: string;
  records: number;
  quantity: number;
  included_qty: number;
  billed_qty: number;
  cost_micros: number;
}

export function monthTotalsSql(month: number): string {
  return `SELECT account_id, user_id, plan_id, kind, dest_class,
      count() AS records, sum(quantity) AS quantity, sum(included_qty) AS included_qty,
      sum(billed_qty) AS billed_qty, sum(cost_micros) AS cost_micros
    FROM rated_events FINAL
    WHERE month = ${int(month)}
    GROUP BY account_id, user_id, plan_id, kind, dest_class
    ORDER BY account_id, user_id, kind, dest_class`;
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
