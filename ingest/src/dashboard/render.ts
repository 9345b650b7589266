/** HTML of a dashboard page and CSV of its tables. Every value is escaped; charts are drawn by the browser (client.ts). */
import { csvNumber, csvText, monthLabel } from '@ratel/aggregator';
import { formatMoney } from '@ratel/schemas';
import type { Column, Page, Row, Table } from './model.js';

export const NAV = [
  { id: 'overview', label: 'Month overview', path: '/overview' },
  { id: 'destinations', label: 'Top destinations', path: '/destinations' },
  { id: 'fair-use', label: 'Fair use and alerts', path: '/fair-use' },
  { id: 'late', label: 'Late usage and adjustments', path: '/late' },
  { id: 'invoices', label: 'Invoices', path: '/invoices' },
] as const;

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c] as string);

/** The cell as shown (money with two decimals, counts grouped by thousands, lists joined). */
export function cellText(c: Column, v: unknown): string {
  if (v === undefined || v === null) return '';
  switch (c.type) {
    case 'money':
      return formatMoney(Number(v));
    case 'int':
      return Number(v).toLocaleString('en-US');
    case 'list':
      return (v as unknown[]).map(String).join(', ');
    default:
      return String(v);
  }
}

/** The cell as written to CSV: text neutralised against formulas, numbers as plain numbers. */
function csvCell(c: Column, v: unknown): string {
  if (v === undefined || v === null) return '';
  switch (c.type) {
    case 'money':
      return csvNumber(formatMoney(Number(v)));
    case 'int':
      return csvNumber(Number(v));
    case 'list':
      return csvText((v as unknown[]).map(String).join('; '));
    default:
      return csvText(String(v));
  }
}

export function tableCsv(t: Table): string {
  const lines = [t.columns.map((c) => csvText(c.label)).join(',')];
  for (const r of t.total ? [...t.rows, t.total] : t.rows) lines.push(t.columns.map((c) => csvCell(c, r[c.key])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The raw value kept on the cell (micros, counts), so what is shown can be checked against the views. */
const rawOf = (c: Column, v: unknown): string =>
  v === undefined || v === null ? '' : c.type === 'list' ? (v as unknown[]).map(String).join('|') : String(v);

function rowHtml(t: Table, r: Row, cls: string): string {
  const cells = t.columns.map((c) => {
    const v = r[c.key];
    const text = esc(cellText(c, v));
    const href = cls === 'row' ? c.link?.(r) : null;
    const body = href ? `<a href="${esc(href)}">${text}</a>` : text;
    const num = c.type === 'money' || c.type === 'int' ? ' class="num"' : '';
    return `<td${num} data-col="${esc(c.key)}" data-v="${esc(rawOf(c, v))}">${body}</td>`;
  });
  return `<tr class="${cls}">${cells.join('')}</tr>`;
}

function tableHtml(t: Table, csvHref: string): string {
  const head = t.columns.map((c) => `<th${c.type === 'money' || c.type === 'int' ? ' class="num"' : ''}>${esc(c.label)}</th>`).join('');
  const body = t.rows.length
    ? t.rows.map((r) => rowHtml(t, r, 'row')).join('\n')
    : `<tr class="empty"><td colspan="${t.columns.length}">nothing for this month</td></tr>`;
  const foot = t.total ? `<tfoot>${rowHtml(t, t.total, 'total')}</tfoot>` : '';
  return `<section class="table" id="section-${esc(t.id)}">
<div class="table-head"><h2>${esc(t.title)}</h2><a class="csv" download href="${esc(csvHref)}">CSV</a></div>
${t.note ? `<p class="note">${esc(t.note)}</p>` : ''}
<div class="scroll"><table id="table-${esc(t.id)}"><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody>${foot}</table></div>
</section>`;
}

/** `path?query` with `csv=<table id>` set (the current page's parameters kept). */
function csvHref(path: string, params: URLSearchParams, id: string): string {
  const p = new URLSearchParams(params);
  p.set('csv', id);
  return `${path}?${p.toString()}`;
}

export function pageHtml(page: Page, path: string, params: URLSearchParams): string {
  const month = page.month;
  const mq = month === null ? '' : `?month=${encodeURIComponent(monthLabel(month))}`;
  const nav = NAV.map(
    (n) => `<a href="${esc(n.path + mq)}"${n.id === page.nav ? ' class="active" aria-current="page"' : ''}>${esc(n.label)}</a>`,
  ).join('');
  const picker = page.months.length
    ? `<form class="month" method="get" action="${esc(path)}">${[...params.entries()]
        .filter(([k]) => k !== 'month' && k !== 'csv' && (path === '/invoice' || path === '/calls'))
        .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
        .join('')}<label>month <select name="month" id="month-select">${page.months
        .map((m) => `<option value="${monthLabel(m)}"${m === month ? ' selected' : ''}>${monthLabel(m)}</option>`)
        .join('')}</select></label><button type="submit">show</button></form>`
    : '';
  const crumbs = page.crumbs?.length
    ? `<p class="crumbs">${page.crumbs.map((c) => `<a href="${esc(c.href)}">${esc(c.label)}</a>`).join(' › ')}</p>`
    : '';
  const tiles = page.tiles.length
    ? `<div class="tiles">${page.tiles
        .map(
          (t) =>
            `<div class="tile" id="tile-${esc(t.id)}"><div class="label">${esc(t.label)}</div><div class="value">${esc(t.value)}</div>${t.hint ? `<div class="hint">${esc(t.hint)}</div>` : ''}</div>`,
        )
        .join('')}</div>`
    : '';
  const charts = page.charts.length
    ? `<div class="charts">${page.charts
        .map(
          (c) =>
            `<figure class="chart chart-${c.type}"><figcaption>${esc(c.title)}</figcaption><div class="canvas"><canvas id="${esc(c.id)}" role="img" aria-label="${esc(c.title)}"></canvas></div></figure>`,
        )
        .join('')}</div>`
    : '';
  // JSON in a non-executed script element: "<" escaped so no value can close the element.
  const chartData = JSON.stringify(page.charts).replace(/</g, '\\u003c');
  const empty = month === null ? '<p class="note">The store holds no month yet: run <code>npm start</code> first.</p>' : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(page.title)} · ratel</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/dashboard.css">
</head>
<body>
<header><div class="brand">ratel <span>finance</span></div><nav>${nav}</nav>${picker}</header>
<main>
${crumbs}<h1>${esc(page.title)}</h1>
${empty}${tiles}${charts}
${page.tables.map((t) => tableHtml(t, csvHref(path, params, t.id))).join('\n')}
</main>
<footer>EUR excl. VAT unless said otherwise · figures from the finance views · read-only</footer>
<script type="application/json" id="chart-data">${chartData}</script>
<script src="/assets/chart.umd.min.js"></script>
<script src="/assets/dashboard.js"></script>
</body>
</html>
`;
}

export function messageHtml(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · ratel</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/assets/dashboard.css"></head>
<body><header><div class="brand">ratel <span>finance</span></div><nav>${NAV.map((n) => `<a href="${n.path}">${esc(n.label)}</a>`).join('')}</nav></header>
<main><h1>${esc(title)}</h1><p class="note">${esc(text)}</p></main></body></html>
`;
}
