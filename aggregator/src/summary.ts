/** A month's finance summary, read from the finance views, and its terminal rendering. */
import { formatMoney } from '@ratel/schemas';
import { monthLabel } from './invoice.js';
import { int, type Store } from './store/store.js';
import { type MonthSummary, monthSummary } from './totals.js';

export interface FinanceSummary {
  month: number;
  usage: MonthSummary;
  byPlan: { plan_id: string; records: number; revenue_micros: number }[];
  topDestinations: { destination: string; dest_class: string; calls: number; seconds: number; revenue_micros: number }[];
  offenders: number;
  alerts: { kind: string; alerts: number; accounts: number }[];
  late: { records: number; cost_micros: number };
  invoiced: { section: string; lines: number; amount_micros: number }[];
}

export async function financeSummary(store: Store, month: number, top = 10): Promise<FinanceSummary> {
  const m = int(month);
  const usage = await monthSummary(store, month);
  const byPlan = await store.query<FinanceSummary['byPlan'][number]>(
    `SELECT plan_id, sum(records) AS records, sum(revenue_micros) AS revenue_micros FROM v_revenue WHERE month = ${m} GROUP BY plan_id ORDER BY revenue_micros DESC, plan_id`,
  );
  const topDestinations = await store.query<FinanceSummary['topDestinations'][number]>(
    `SELECT destination, dest_class, calls, seconds, revenue_micros FROM v_top_destinations WHERE month = ${m} ORDER BY revenue_micros DESC, calls DESC, destination LIMIT ${int(top)}`,
  );
  const [off] = await store.query<{ n: number }>(`SELECT count() AS n FROM v_fair_use_offenders WHERE month = ${m}`);
  const alerts = await store.query<FinanceSummary['alerts'][number]>(
    `SELECT kind, alerts, accounts FROM v_alerts WHERE month = ${m} ORDER BY kind`,
  );
  const [late] = await store.query<FinanceSummary['late']>(
    `SELECT sum(records) AS records, sum(cost_micros) AS cost_micros FROM v_late_usage WHERE month = ${m}`,
  );
  const invoiced = await store.query<FinanceSummary['invoiced'][number]>(
    `SELECT section, lines, amount_micros FROM v_invoiced WHERE month = ${m} ORDER BY section`,
  );
  return {
    month,
    usage,
    byPlan,
    topDestinations,
    offenders: off?.n ?? 0,
    alerts,
    late: late ?? { records: 0, cost_micros: 0 },
    invoiced,
  };
}

export function summaryText(s: FinanceSummary): string {
  const eur = (x: number) => formatMoney(x).padStart(14);
  const out = [`ratel summary ${monthLabel(s.month)} (EUR excl. VAT)`];
  out.push(
    `  usage: ${s.usage.records} rated records, ${s.usage.accounts} accounts, ${s.usage.users} users, revenue ${formatMoney(s.usage.cost_micros)}`,
  );
  out.push('  revenue by plan:');
  for (const p of s.byPlan) out.push(`    ${p.plan_id.padEnd(24)}${String(p.records).padStart(10)} records${eur(p.revenue_micros)}`);
  out.push('  top destinations (outbound voice):');
  for (const d of s.topDestinations)
    out.push(
      `    ${`${d.destination} [${d.dest_class}]`.slice(0, 40).padEnd(40)}${String(d.calls).padStart(8)} calls${eur(d.revenue_micros)}`,
    );
  out.push(`  fair-use offenders: ${s.offenders} users`);
  out.push(`  alerts: ${s.alerts.map((a) => `${a.kind} ${a.alerts}`).join(', ') || 'none'}`);
  out.push(`  late usage after invoicing: ${s.late.records} records, ${formatMoney(s.late.cost_micros)}`);
  out.push(`  invoiced: ${s.invoiced.map((i) => `${i.section} ${formatMoney(i.amount_micros)}`).join(', ') || 'no invoices issued'}`);
  return out.join('\n');
}
