/**
 * The dashboard's pages, read from the finance views (aggregator/src/store/views.ts) through the
 * Store interface, so the same SQL runs on chDB and on the ClickHouse server. An invoice and its
 * lines come from the invoice readers; the calls behind a line from rated_events (calls.ts).
 */
import { int, monthLabel, readInvoice, type Store } from '@ratel/aggregator';
import type { Catalog } from '@ratel/rater';
import { formatMoney, previousMonth } from '@ratel/schemas';
import { ITEMISED_SECTIONS, lineCalls, maskNumber } from './calls.js';
import type { Chart, Page, Row, Table, Tile } from './model.js';

export interface PageContext {
  store: Store;
  catalog: Catalog;
}

const euros = (micros: number): number => micros / 1e6;
const num = (v: unknown): number => Number(v ?? 0);
/** Half-up division of micros, to the cent (averages). */
const perCent = (micros: number, n: number): number => (n === 0 ? 0 : Math.round(micros / n / 10_000) * 10_000);
const q = (s: string) => encodeURIComponent(s);
const mq = (m: number) => q(monthLabel(m));

/** Months the store holds usage or invoices for, newest first. */
export async function monthsOf(store: Store): Promise<number[]> {
  const rows = await store.query<{ month: number }>(
    `SELECT month FROM (SELECT month FROM v_usage_month UNION ALL SELECT DISTINCT month FROM v_invoices) GROUP BY month ORDER BY month DESC`,
  );
  return rows.map((r) => r.month);
}

const planName = (c: Catalog, id: string): string => c.plans.get(id)?.name ?? id;
/** A chart label kept short enough for the axis (the table beside it has the whole name). */
const short = (s: string): string => (s.length > 26 ? `${s.slice(0, 25)}…` : s);

/** Trend of the 12 months ending with `month`. */
function last12(month: number): number[] {
  const ms = [month];
  while (ms.length < 12) ms.unshift(previousMonth(ms[0] as number));
  return ms;
}

export async function overviewPage(ctx: PageContext, month: number, months: number[]): Promise<Page> {
  const { store, catalog } = ctx;
  const m = int(month);
  const [usage] = await store.query<{ accounts: number; users: number; records: number; revenue_micros: number }>(
    `SELECT accounts, users, records, revenue_micros FROM v_usage_month WHERE month = ${m}`,
  );
  const [inv] = await store.query<{ invoices: number; excl: number; vat: number; incl: number }>(
    `SELECT count() AS invoices, sum(total_excl_micros) AS excl, sum(vat_micros) AS vat, sum(total_incl_micros) AS incl FROM v_invoices WHERE month = ${m}`,
  );
  const u = { accounts: num(usage?.accounts), users: num(usage?.users), records: num(usage?.records), revenue: num(usage?.revenue_micros) };
  const i = { invoices: num(inv?.invoices), excl: num(inv?.excl), vat: num(inv?.vat), incl: num(inv?.incl) };
  const tiles: Tile[] = [
    { id: 'usage-revenue', label: 'Usage revenue', value: formatMoney(u.revenue), hint: `${u.records} rated records` },
    { id: 'invoiced-total', label: 'Invoiced excl. VAT', value: formatMoney(i.excl), hint: `${i.invoices} invoices` },
    { id: 'invoiced-incl', label: 'Invoiced incl. VAT', value: formatMoney(i.incl), hint: `VAT ${formatMoney(i.vat)}` },
    {
      id: 'arpu-account',
      label: 'ARPU per account',
      value: formatMoney(perCent(i.excl, i.invoices)),
      hint: 'invoiced excl. VAT / invoices',
    },
    { id: 'arpu-user', label: 'Usage ARPU per user', value: formatMoney(perCent(u.revenue, u.users)), hint: `${u.users} users with usage` },
  ];
  const byPlan = await store.query<Row>(
    `SELECT plan_id, sum(records) AS records, sum(revenue_micros) AS revenue_micros FROM v_revenue WHERE month = ${m}
     GROUP BY plan_id ORDER BY revenue_micros DESC, plan_id`,
  );
  for (const r of byPlan) r.plan = planName(catalog, String(r.plan_id));
  const byKind = await store.query<Row>(
    `SELECT kind, sum(records) AS records, sum(quantity) AS quantity, sum(billed_qty) AS billed_qty, sum(revenue_micros) AS revenue_micros
     FROM v_revenue WHERE month = ${m} GROUP BY kind ORDER BY revenue_micros DESC, kind`,
  );
  const byDest = await store.query<Row>(
    `SELECT destination, dest_class, sum(records) AS records, sum(revenue_micros) AS revenue_micros FROM v_revenue
     WHERE month = ${m} AND destination != '' GROUP BY destination, dest_class ORDER BY revenue_micros DESC, destination, dest_class LIMIT 15`,
  );
  const sections = await store.query<Row>(`SELECT section, lines, amount_micros FROM v_invoiced WHERE month = ${m} ORDER BY section`);
  const span = last12(month);
  const inSpan = `month >= ${int(span[0] as number)} AND month <= ${m}`;
  const trendUsage = new Map(
    (await store.query<{ month: number; revenue_micros: number }>(`SELECT month, revenue_micros FROM v_usage_month WHERE ${inSpan}`)).map(
      (r) => [r.month, r.revenue_micros],
    ),
  );
  const trendInv = new Map(
    (
      await store.query<{ month: number; excl: number }>(
        `SELECT month, sum(total_excl_micros) AS excl FROM v_invoices WHERE ${inSpan} GROUP BY month`,
      )
    ).map((r) => [r.month, r.excl]),
  );
  const trend: Row[] = span.map((mm) => ({
    month: monthLabel(mm),
    revenue_micros: trendUsage.get(mm) ?? 0,
    invoiced_micros: trendInv.get(mm) ?? 0,
  }));
  const charts: Chart[] = [
    {
      id: 'chart-trend',
      title: 'Last 12 months (EUR excl. VAT)',
      type: 'line',
      labels: trend.map((t) => String(t.month)),
      series: [
        { label: 'usage revenue', data: trend.map((t) => euros(num(t.revenue_micros))) },
        { label: 'invoiced', data: trend.map((t) => euros(num(t.invoiced_micros))) },
      ],
    },
    {
      id: 'chart-plan',
      title: 'Usage revenue by plan (EUR)',
      type: 'bar',
      labels: byPlan.map((r) => short(String(r.plan))),
      series: [{ label: 'revenue', data: byPlan.map((r) => euros(num(r.revenue_micros))) }],
      horizontal: true,
    },
    {
      id: 'chart-kind',
      title: 'Usage revenue by kind (EUR)',
      type: 'doughnut',
      labels: byKind.map((r) => String(r.kind)),
      series: [{ label: 'revenue', data: byKind.map((r) => euros(num(r.revenue_micros))) }],
    },
  ];
  const sum = (rows: Row[], k: string) => rows.reduce((s, r) => s + num(r[k]), 0);
  const tables: Table[] = [
    {
      id: 'by-plan',
      title: 'Revenue by plan',
      columns: [
        { key: 'plan_id', label: 'plan', type: 'text' },
        { key: 'plan', label: 'name', type: 'text' },
        { key: 'records', label: 'records', type: 'int' },
        { key: 'revenue_micros', label: 'revenue', type: 'money' },
      ],
      rows: byPlan,
      total: { plan_id: 'Total', records: sum(byPlan, 'records'), revenue_micros: sum(byPlan, 'revenue_micros') },
    },
    {
      id: 'by-kind',
      title: 'Revenue by kind',
      columns: [
        { key: 'kind', label: 'kind', type: 'text' },
        { key: 'records', label: 'records', type: 'int' },
        { key: 'quantity', label: 'quantity', type: 'int' },
        { key: 'billed_qty', label: 'billed', type: 'int' },
        { key: 'revenue_micros', label: 'revenue', type: 'money' },
      ],
      rows: byKind,
      total: { kind: 'Total', records: sum(byKind, 'records'), revenue_micros: sum(byKind, 'revenue_micros') },
    },
    {
      id: 'by-destination',
      title: 'Revenue by destination (top 15)',
      columns: [
        { key: 'destination', label: 'destination', type: 'text' },
        { key: 'dest_class', label: 'class', type: 'text' },
        { key: 'records', label: 'records', type: 'int' },
        { key: 'revenue_micros', label: 'revenue', type: 'money' },
      ],
      rows: byDest,
    },
    {
      id: 'trend',
      title: 'Last 12 months',
      columns: [
        { key: 'month', label: 'month', type: 'text', link: (r) => `/overview?month=${q(String(r.month))}` },
        { key: 'revenue_micros', label: 'usage revenue', type: 'money' },
        { key: 'invoiced_micros', label: 'invoiced excl. VAT', type: 'money' },
      ],
      rows: trend,
    },
    {
      id: 'invoiced',
      title: 'Invoiced by section',
      columns: [
        { key: 'section', label: 'section', type: 'text' },
        { key: 'lines', label: 'lines', type: 'int' },
        { key: 'amount_micros', label: 'amount', type: 'money' },
      ],
      rows: sections,
      total: { section: 'Total', lines: sum(sections, 'lines'), amount_micros: sum(sections, 'amount_micros') },
    },
  ];
  return { nav: 'overview', title: `Month overview ${monthLabel(month)}`, month, months, tiles, charts, tables };
}

export async function destinationsPage(ctx: PageContext, month: number, months: number[]): Promise<Page> {
  const rows = await ctx.store.query<Row>(
    `SELECT destination, dest_class, calls, seconds, billed_seconds, revenue_micros FROM v_top_destinations
     WHERE month = ${int(month)} ORDER BY revenue_micros DESC, calls DESC, destination, dest_class LIMIT 100`,
  );
  const top = rows.slice(0, 10);
  return {
    nav: 'destinations',
    title: `Top destinations ${monthLabel(month)} (outbound voice)`,
    month,
    months,
    tiles: [],
    charts: [
      {
        id: 'chart-destinations',
        title: 'Top 10 destinations by revenue (EUR)',
        type: 'bar',
        labels: top.map((r) => short(`${r.destination} [${r.dest_class}]`)),
        series: [{ label: 'revenue', data: top.map((r) => euros(num(r.revenue_micros))) }],
        horizontal: true,
      },
    ],
    tables: [
      {
        id: 'destinations',
        title: 'Destinations (top 100 by revenue)',
        columns: [
          { key: 'destination', label: 'destination', type: 'text' },
          { key: 'dest_class', label: 'class', type: 'text' },
          { key: 'calls', label: 'calls', type: 'int' },
          { key: 'seconds', label: 'seconds', type: 'int' },
          { key: 'billed_seconds', label: 'billed seconds', type: 'int' },
          { key: 'revenue_micros', label: 'revenue', type: 'money' },
        ],
        rows,
      },
    ],
  };
}

export async function fairUsePage(ctx: PageContext, month: number, months: number[]): Promise<Page> {
  const m = int(month);
  const offenders = await ctx.store.query<Row>(
    `SELECT account_id, user_id, crossings, caps FROM v_fair_use_offenders WHERE month = ${m}
     ORDER BY crossings DESC, account_id, user_id`,
  );
  for (const r of offenders) r.caps = [...new Set(r.caps as string[])].sort();
  const alerts = await ctx.store.query<Row>(`SELECT kind, alerts, accounts FROM v_alerts WHERE month = ${m} ORDER BY kind`);
  return {
    nav: 'fair-use',
    title: `Fair use and alerts ${monthLabel(month)}`,
    month,
    months,
    tiles: [
      { id: 'offenders', label: 'Fair-use offenders', value: String(offenders.length), hint: 'users past a cap' },
      { id: 'alerts', label: 'Alerts', value: String(alerts.reduce((s, a) => s + num(a.alerts), 0)), hint: 'all kinds' },
    ],
    charts: [
      {
        id: 'chart-alerts',
        title: 'Alerts by kind',
        type: 'bar',
        labels: alerts.map((a) => String(a.kind)),
        series: [{ label: 'alerts', data: alerts.map((a) => num(a.alerts)) }],
      },
    ],
    tables: [
      {
        id: 'alerts',
        title: 'Alerts by kind',
        columns: [
          { key: 'kind', label: 'kind', type: 'text' },
          { key: 'alerts', label: 'alerts', type: 'int' },
          { key: 'accounts', label: 'accounts', type: 'int' },
        ],
        rows: alerts,
      },
      {
        id: 'offenders',
        title: 'Fair-use offenders',
        columns: [
          {
            key: 'account_id',
            label: 'account',
            type: 'text',
            link: (r) => `/invoice?month=${mq(month)}&account=${q(String(r.account_id))}`,
          },
          { key: 'user_id', label: 'user', type: 'text' },
          { key: 'crossings', label: 'crossings', type: 'int' },
          { key: 'caps', label: 'caps crossed', type: 'list' },
        ],
        rows: offenders,
      },
    ],
  };
}

export async function latePage(ctx: PageContext, month: number, months: number[]): Promise<Page> {
  const m = int(month);
  const late = await ctx.store.query<Row>(
    `SELECT account_id, records, cost_micros FROM v_late_usage WHERE month = ${m} ORDER BY cost_micros DESC, account_id`,
  );
  const adj = await ctx.store.query<Row>(
    `SELECT account_id, invoice_id, period, records, amount_micros FROM v_adjustments WHERE month = ${m} ORDER BY account_id, period`,
  );
  for (const r of adj) r.period = monthLabel(num(r.period));
  const sum = (rows: Row[], k: string) => rows.reduce((s, r) => s + num(r[k]), 0);
  return {
    nav: 'late',
    title: `Late usage and adjustments ${monthLabel(month)}`,
    month,
    months,
    tiles: [
      {
        id: 'late-cost',
        label: `Late usage of ${monthLabel(month)}`,
        value: formatMoney(sum(late, 'cost_micros')),
        hint: `${sum(late, 'records')} records`,
      },
      {
        id: 'adjusted',
        label: `Adjustments billed in ${monthLabel(month)}`,
        value: formatMoney(sum(adj, 'amount_micros')),
        hint: `${adj.length} lines`,
      },
    ],
    charts: [],
    tables: [
      {
        id: 'late',
        title: `Usage of ${monthLabel(month)} rated after its invoice (billed as adjustments later)`,
        columns: [
          {
            key: 'account_id',
            label: 'account',
            type: 'text',
            link: (r) => `/invoice?month=${mq(month)}&account=${q(String(r.account_id))}`,
          },
          { key: 'records', label: 'records', type: 'int' },
          { key: 'cost_micros', label: 'cost', type: 'money' },
        ],
        rows: late,
        total: { account_id: 'Total', records: sum(late, 'records'), cost_micros: sum(late, 'cost_micros') },
      },
      {
        id: 'adjustments',
        title: `Adjustments on the invoices of ${monthLabel(month)} (earlier months)`,
        columns: [
          {
            key: 'invoice_id',
            label: 'invoice',
            type: 'text',
            link: (r) => `/invoice?month=${mq(month)}&account=${q(String(r.account_id))}`,
          },
          { key: 'account_id', label: 'account', type: 'text' },
          { key: 'period', label: 'period', type: 'text' },
          { key: 'records', label: 'records', type: 'int' },
          { key: 'amount_micros', label: 'amount', type: 'money' },
        ],
        rows: adj,
        total: { invoice_id: 'Total', records: sum(adj, 'records'), amount_micros: sum(adj, 'amount_micros') },
      },
    ],
  };
}

export async function invoicesPage(ctx: PageContext, month: number, months: number[]): Promise<Page> {
  const rows = await ctx.store.query<Row>(
    `SELECT invoice_id, account_id, issued_at_ms, vat_country, total_excl_micros, vat_micros, total_incl_micros FROM v_invoices
     WHERE month = ${int(month)} ORDER BY account_id`,
  );
  for (const r of rows) r.issued = isoMinute(num(r.issued_at_ms));
  const sum = (k: string) => rows.reduce((s, r) => s + num(r[k]), 0);
  return {
    nav: 'invoices',
    title: `Invoices ${monthLabel(month)}`,
    month,
    months,
    tiles: [
      { id: 'invoice-count', label: 'Invoices issued', value: String(rows.length) },
      { id: 'invoices-excl', label: 'Total excl. VAT', value: formatMoney(sum('total_excl_micros')) },
      { id: 'invoices-incl', label: 'Total incl. VAT', value: formatMoney(sum('total_incl_micros')) },
    ],
    charts: [],
    tables: [
      {
        id: 'invoices',
        title: 'Issued invoices',
        columns: [
          {
            key: 'invoice_id',
            label: 'invoice',
            type: 'text',
            link: (r) => `/invoice?month=${mq(month)}&account=${q(String(r.account_id))}`,
          },
          { key: 'account_id', label: 'account', type: 'text' },
          { key: 'issued', label: 'issued (UTC)', type: 'text' },
          { key: 'vat_country', label: 'VAT country', type: 'text' },
          { key: 'total_excl_micros', label: 'excl. VAT', type: 'money' },
          { key: 'vat_micros', label: 'VAT', type: 'money' },
          { key: 'total_incl_micros', label: 'incl. VAT', type: 'money' },
        ],
        rows,
        total: {
          invoice_id: 'Total',
          total_excl_micros: sum('total_excl_micros'),
          vat_micros: sum('vat_micros'),
          total_incl_micros: sum('total_incl_micros'),
        },
      },
    ],
  };
}

/** One invoice: header and lines; a line made of rated events links to its calls. Null when not issued. */
export async function invoicePage(ctx: PageContext, month: number, months: number[], account: string): Promise<Page | null> {
  const inv = await readInvoice(ctx.store, account, month);
  if (!inv) return null;
  const lines: Row[] = inv.lines.map((l) => ({ ...l, period: monthLabel(l.period) }));
  const calls = (r: Row) =>
    ITEMISED_SECTIONS.has(String(r.section)) && r.period === monthLabel(month)
      ? `/calls?month=${mq(month)}&account=${q(account)}&line=${num(r.line_no)}`
      : null;
  return {
    nav: 'invoices',
    title: `Invoice ${inv.invoice_id}`,
    month,
    months,
    crumbs: [{ label: `Invoices ${monthLabel(month)}`, href: `/invoices?month=${mq(month)}` }],
    tiles: [
      { id: 'inv-excl', label: 'Total excl. VAT', value: formatMoney(inv.total_excl_micros), hint: inv.currency },
      { id: 'inv-vat', label: `VAT ${(inv.vat_bp / 100).toFixed(2)}% (${inv.vat_country})`, value: formatMoney(inv.vat_micros) },
      {
        id: 'inv-incl',
        label: 'Total incl. VAT',
        value: formatMoney(inv.total_incl_micros),
        hint: `issued ${isoMinute(inv.issued_at_ms)} UTC`,
      },
    ],
    charts: [],
    tables: [
      {
        id: 'lines',
        title: `Lines of ${inv.invoice_id} (account ${inv.account_id})`,
        columns: [
          { key: 'line_no', label: '#', type: 'int' },
          { key: 'section', label: 'section', type: 'text' },
          { key: 'period', label: 'period', type: 'text' },
          { key: 'description', label: 'description', type: 'text', link: calls },
          { key: 'user_id', label: 'user', type: 'text' },
          { key: 'quantity', label: 'quantity', type: 'int' },
          { key: 'included_qty', label: 'included', type: 'int' },
          { key: 'billed_qty', label: 'billed', type: 'int' },
          { key: 'unit', label: 'unit', type: 'text' },
          { key: 'amount_micros', label: 'amount', type: 'money' },
        ],
        rows: lines,
        total: { line_no: null, description: 'Total excl. VAT', amount_micros: inv.total_excl_micros },
        note: 'Usage, overage and per-event lines link to the calls behind them.',
      },
    ],
  };
}

/** The calls behind one line of an invoice. Null when the invoice or the line does not exist. */
export async function callsPage(ctx: PageContext, month: number, months: number[], account: string, lineNo: number): Promise<Page | null> {
  const inv = await readInvoice(ctx.store, account, month);
  const line = inv?.lines.find((l) => l.line_no === lineNo);
  if (!inv || !line) return null;
  const calls = await lineCalls(ctx.store, ctx.catalog, inv, lineNo);
  const rows: Row[] = calls.map((c) => ({
    ...c,
    start: isoSecond(c.start_ms),
    number: maskNumber(c.counterpart),
    reasons: c.reasons,
  }));
  const sum = (k: keyof (typeof calls)[number]) => calls.reduce((s, c) => s + num(c[k]), 0);
  const total = sum('cost_micros');
  return {
    nav: 'invoices',
    title: `Calls of ${inv.invoice_id}, line ${lineNo}`,
    month,
    months,
    crumbs: [
      { label: `Invoices ${monthLabel(month)}`, href: `/invoices?month=${mq(month)}` },
      { label: inv.invoice_id, href: `/invoice?month=${mq(month)}&account=${q(account)}` },
    ],
    tiles: [
      {
        id: 'line-amount',
        label: `Line ${lineNo}: ${line.description}`,
        value: formatMoney(line.amount_micros),
        hint: `${line.quantity} ${line.unit}`,
      },
      {
        id: 'calls-total',
        label: `${calls.length} records`,
        value: formatMoney(total),
        hint: total === line.amount_micros ? 'equal to the line' : `differs from the line by ${formatMoney(total - line.amount_micros)}`,
      },
    ],
    charts: [],
    tables: [
      {
        id: 'calls',
        title: `Records behind "${line.description}"`,
        columns: [
          { key: 'start', label: 'start (UTC)', type: 'text' },
          { key: 'user_id', label: 'user', type: 'text' },
          { key: 'number', label: 'number', type: 'text' },
          { key: 'destination', label: 'destination', type: 'text' },
          { key: 'quantity', label: 'quantity', type: 'int' },
          { key: 'included_qty', label: 'included', type: 'int' },
          { key: 'billed_qty', label: 'billed', type: 'int' },
          { key: 'cost_micros', label: 'cost', type: 'money' },
          { key: 'reasons', label: 'reasons', type: 'list' },
        ],
        rows,
        total: {
          start: 'Total',
          quantity: sum('quantity'),
          included_qty: sum('included_qty'),
          billed_qty: sum('billed_qty'),
          cost_micros: total,
        },
        note:
          line.section === 'usage'
            ? "Records billed past a fair-use cap are on the overage line; their included part counts in this line's quantity at no cost."
            : undefined,
      },
    ],
  };
}

const isoSecond = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const isoMinute = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
