/**
 * Finance views for dashboards, on both engines. Each reads deduplicated rows (FINAL), so a
 * duplicate or superseded rating never shows. Money columns are Int64 micros (1 EUR = 10^6).
 *
 * v_revenue        usage revenue by month, plan, kind, destination class and destination
 * v_top_destinations  outbound voice by month and destination: calls, seconds, revenue
 * v_fair_use_offenders  users with fair-use alerts per month, with the caps they crossed
 * v_late_usage     ratings of already invoiced months that arrived after the invoice
 * v_alerts         alerts per month and kind
 * v_invoiced       invoiced amounts by month and section (only lines of issued invoices)
 * v_usage_month    usage per month: accounts and users with usage, records, revenue (dashboard)
 * v_invoices       issued invoices, one row per invoice with its totals (dashboard)
 * v_adjustments    adjustment lines of issued invoices: the earlier period and its amount (dashboard)
 */
import type { Store } from './store.js';

export const VIEWS = {
  v_revenue: `CREATE VIEW IF NOT EXISTS v_revenue AS
    SELECT month, plan_id, kind, dest_class, destination,
      count() AS records, sum(quantity) AS quantity, sum(included_qty) AS included_qty,
      sum(billed_qty) AS billed_qty, sum(cost_micros) AS revenue_micros
    FROM rated_events FINAL
    GROUP BY month, plan_id, kind, dest_class, destination`,
  v_top_destinations: `CREATE VIEW IF NOT EXISTS v_top_destinations AS
    SELECT month, destination, dest_class, count() AS calls, sum(quantity) AS seconds,
      sum(billed_qty) AS billed_seconds, sum(cost_micros) AS revenue_micros
    FROM rated_events FINAL
    WHERE kind = 'VOICE' AND direction != 'INBOUND'
    GROUP BY month, destination, dest_class`,
  v_fair_use_offenders: `CREATE VIEW IF NOT EXISTS v_fair_use_offenders AS
    SELECT month, account_id, user_id, count() AS crossings, groupArray(detail) AS caps
    FROM alerts FINAL
    WHERE kind = 'FAIR_USE'
    GROUP BY month, account_id, user_id`,
  v_late_usage: `CREATE VIEW IF NOT EXISTS v_late_usage AS
    SELECT month, account_id, count() AS records, sum(cost_micros) AS cost_micros
    FROM (SELECT account_id, month, cost_micros, rated_at_ms FROM rated_events FINAL) AS r
    INNER JOIN (SELECT account_id, month, issued_at_ms FROM invoices FINAL) AS h USING (account_id, month)
    WHERE rated_at_ms > issued_at_ms
    GROUP BY month, account_id`,
  v_alerts: `CREATE VIEW IF NOT EXISTS v_alerts AS
    SELECT month, kind, count() AS alerts, uniqExact(account_id) AS accounts
    FROM alerts FINAL
    GROUP BY month, kind`,
  v_invoiced: `CREATE VIEW IF NOT EXISTS v_invoiced AS
    SELECT month, section, count() AS lines, sum(amount_micros) AS amount_micros
    FROM (SELECT account_id, month, issued_at_ms, section, amount_micros FROM invoice_lines) AS l
    INNER JOIN (SELECT account_id, month, issued_at_ms FROM invoices FINAL) AS h USING (account_id, month, issued_at_ms)
    GROUP BY month, section`,
  v_usage_month: `CREATE VIEW IF NOT EXISTS v_usage_month AS
    SELECT month, uniqExact(account_id) AS accounts, uniqExact(user_id) AS users, count() AS records,
      sum(cost_micros) AS revenue_micros
    FROM rated_events FINAL
    GROUP BY month`,
  v_invoices: `CREATE VIEW IF NOT EXISTS v_invoices AS
    SELECT month, invoice_id, account_id, issued_at_ms, currency, vat_country, total_excl_micros, vat_micros, total_incl_micros
    FROM invoices FINAL`,
  v_adjustments: `CREATE VIEW IF NOT EXISTS v_adjustments AS
    SELECT month, account_id, invoice_id, period, quantity AS records, amount_micros
    FROM (SELECT account_id, month, issued_at_ms, invoice_id, period, quantity, amount_micros FROM invoice_lines
          WHERE section = 'adjustment') AS l
    INNER JOIN (SELECT account_id, month, issued_at_ms FROM invoices FINAL) AS h USING (account_id, month, issued_at_ms)`,
} as const;

export async function createViews(store: Store): Promise<void> {
  for (const ddl of Object.values(VIEWS)) await store.exec(ddl);
}
