/**
 * Static files of the dashboard: its stylesheet, its script (draws the page's charts with
 * Chart.js from the JSON the page carries) and Chart.js itself, read from node_modules at start
 * and served by ratel: no CDN, works offline.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface Asset {
  type: string;
  body: Buffer;
}

/** Chart.js's self-contained browser build, found beside the package's entry point. */
export function chartJsPath(): string {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  return join(dirname(entry), 'chart.umd.min.js');
}

const CLIENT_JS = `'use strict';
(function () {
  var COLOURS = ['#1f3a5f', '#e07a1f', '#2a9d8f', '#c0392b', '#7b5ea7', '#8d99ae', '#e9c46a', '#264653', '#f4a261', '#6a994e'];
  var el = document.getElementById('chart-data');
  var charts = el ? JSON.parse(el.textContent || '[]') : [];
  if (typeof Chart === 'undefined') throw new Error('Chart.js did not load');
  Chart.defaults.font.family = 'system-ui, sans-serif';
  Chart.defaults.color = '#33404d';
  charts.forEach(function (c) {
    var canvas = document.getElementById(c.id);
    if (!canvas) return;
    var single = c.series.length === 1;
    var datasets = c.series.map(function (s, i) {
      var colour = COLOURS[i % COLOURS.length];
      return {
        label: s.label,
        data: s.data,
        borderColor: c.type === 'doughnut' ? '#fff' : colour,
        backgroundColor: c.type === 'doughnut' || (single && c.type === 'bar') ? s.data.map(function (_, k) { return COLOURS[k % COLOURS.length]; }) : colour,
        borderWidth: c.type === 'line' ? 2 : 1,
        tension: 0.2,
        pointRadius: 3
      };
    });
    new Chart(canvas, {
      type: c.type,
      data: { labels: c.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: c.horizontal ? 'y' : 'x',
        plugins: { legend: { display: c.type === 'doughnut' || !single, position: 'bottom' } },
        scales: c.type === 'doughnut' ? {} : { x: { beginAtZero: true }, y: { beginAtZero: true } }
      }
    });
    canvas.setAttribute('data-drawn', '1');
  });
  var select = document.getElementById('month-select');
  if (select && select.form) select.addEventListener('change', function () { select.form.submit(); });
  document.documentElement.setAttribute('data-ready', '1');
})();
`;

const CSS = `*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#1d2733;background:#f3f5f8}
header{display:flex;flex-wrap:wrap;align-items:center;gap:16px;padding:10px 24px;background:#1f3a5f;color:#fff}
.brand{font-weight:700;font-size:18px}.brand span{font-weight:400;opacity:.8}
nav{display:flex;gap:4px;flex-wrap:wrap}
nav a{color:#dfe7f1;text-decoration:none;padding:6px 10px;border-radius:4px}
nav a.active,nav a:hover{background:#2f5486;color:#fff}
form.month{margin-left:auto;display:flex;gap:6px;align-items:center}
form.month select,form.month button{font:inherit;padding:3px 6px}
main{padding:16px 24px 32px;max-width:1400px}
h1{font-size:22px;margin:8px 0 16px}h2{font-size:16px;margin:0}
.crumbs{margin:0;color:#5a6877}.crumbs a{color:#1f3a5f}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:12px;margin-bottom:16px}
.tile{background:#fff;border-radius:6px;padding:12px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08);border-left:4px solid #1f3a5f}
.tile .label{color:#5a6877;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
.tile .value{font-size:24px;font-weight:600;margin-top:4px;font-variant-numeric:tabular-nums}
.tile .hint{color:#7a8795;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:12px;margin-bottom:16px}
figure.chart{margin:0;background:#fff;border-radius:6px;padding:10px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
figcaption{font-weight:600;margin-bottom:6px}.canvas{position:relative;height:260px}
section.table{background:#fff;border-radius:6px;padding:12px 14px;margin-bottom:16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.table-head{display:flex;justify-content:space-between;align-items:center;margin-bottom:8px}
a.csv{font-size:12px;color:#fff;background:#2a9d8f;padding:3px 8px;border-radius:4px;text-decoration:none}
.scroll{overflow:auto;max-height:560px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:4px 8px;border-bottom:1px solid #e3e8ee;text-align:left;white-space:nowrap}
th{position:sticky;top:0;background:#eef2f6;font-weight:600}
td.num,th.num{text-align:right}
tfoot td{font-weight:700;border-top:2px solid #1f3a5f}
tr.empty td{color:#7a8795;font-style:italic}
td a{color:#1f3a5f}
.note{color:#5a6877;margin:4px 0 8px}
footer{padding:0 24px 24px;color:#7a8795;font-size:12px}
`;

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f3a5f"/><path d="M4 12V4h5a2.5 2.5 0 0 1 0 5H4m4 0 3 3" stroke="#fff" stroke-width="1.6" fill="none"/></svg>`;

/** The files served under /assets/, Chart.js read from node_modules (a missing install fails the start). */
export function loadAssets(): Map<string, Asset> {
  return new Map<string, Asset>([
    ['/assets/chart.umd.min.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(chartJsPath()) }],
    ['/assets/dashboard.js', { type: 'text/javascript; charset=utf-8', body: Buffer.from(CLIENT_JS) }],
    ['/assets/dashboard.css', { type: 'text/css; charset=utf-8', body: Buffer.from(CSS) }],
    ['/assets/favicon.svg', { type: 'image/svg+xml', body: Buffer.from(FAVICON) }],
  ]);
}
