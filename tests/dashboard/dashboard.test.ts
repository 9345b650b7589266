/**
 * `ratel dashboard` in a real headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core, no browser download), on both engines: a month made by the month job on chDB
 * and on a private database of the ClickHouse server, plus a late CDR billed as an adjustment
 * the month after. Each page loads with no console error and a non-blank screenshot, the
 * figures shown equal the finance views' SQL, and a click from an invoice to its calls shows
 * calls that add up to the line. Off loopback, a request without the token, or with a wrong
 * one, gets 401.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createSchema, openStore, readInvoice, runInvoices, type Store, writeRated } from '@ratel/aggregator';
import { type Config, createLogger, generateAccounts, loadConfig, runMonthJob, storeConfigOf } from '@ratel/ingest';
import { accountBook, loadCatalog } from '@ratel/rater';
import { formatMoney, type RatedEvent } from '@ratel/schemas';
import { type Browser, chromium, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemiseInvoice, lineCalls } from '../../ingest/src/dashboard/calls.js';
import { type Dashboard, startDashboard } from '../../ingest/src/dashboard/index.js';
import { tableCsv } from '../../ingest/src/dashboard/render.js';
import { CLICKHOUSE_URL, newServerStore } from '../services.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--hide-scrollbars',
];
const MONTH = 202610;
const M = '2026-10';
const GEN = { accounts: 24, month: MONTH, seed: 3 };
const catalog = loadCatalog();
const dir = mkdtempSync(join(tmpdir(), 'ratel-dashboard-'));
const db = `ratel_dash_${process.pid}_${Date.now()}`;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run \`bash deploy/chromium.sh\` (npm test does this)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The month job's month on the engine, then a CDR of it rated after its invoice, billed as an adjustment on November's. */
async function monthOn(engine: 'chdb' | 'server'): Promise<Config> {
  const overrides: Record<string, unknown> =
    engine === 'chdb'
      ? { 'store.dataDir': join(dir, 'chdb'), outDir: join(dir, 'out-chdb') }
      : { 'store.engine': 'server', 'store.url': CLICKHOUSE_URL, 'store.database': db, outDir: join(dir, 'out-server') };
  if (engine === 'server') await (await newServerStore(db)).close();
  const cfg = loadConfig({ env: {}, overrides });
  await runMonthJob(cfg, { ...GEN, keep: false, show: 0, progress: false }, createLogger('silent'), () => undefined);
  const store = await openStore(storeConfigOf(cfg));
  try {
    const [ev] = await store.query<RatedEvent>(
      `SELECT * FROM rated_events FINAL WHERE month = ${MONTH} AND cost_micros > 0 ORDER BY account_id, cdr_id LIMIT 1`,
    );
    if (!ev) throw new Error('no billed event in the month');
    await writeRated(store, [{ ...ev, cdr_id: `${ev.cdr_id}-late`, rated_at_ms: Date.now() + 1000 }]);
    const accounts = accountBook(generateAccounts(GEN), catalog, 'generated accounts');
    await runInvoices(store, catalog, accounts, 202611, () => Date.now() + 2000);
  } finally {
    await store.close();
  }
  return cfg;
}

interface Cell {
  v: string;
  text: string;
}
type TableRows = Record<string, Cell>[];

/** The little of the DOM the table reader uses (the tests are compiled without the DOM library). */
interface DomNode {
  getAttribute(name: string): string | null;
  textContent: string | null;
  querySelectorAll(selector: string): ArrayLike<DomNode>;
}

/** The rows of a table on the page (tbody), each cell's raw value (data-v) and text. */
async function table(page: Page, id: string): Promise<TableRows> {
  return page.$$eval(`#table-${id} tbody tr.row`, (trs) =>
    (trs as unknown as DomNode[]).map((tr) => {
      const row: Record<string, { v: string; text: string }> = {};
      for (const td of Array.from(tr.querySelectorAll('td')))
        row[td.getAttribute('data-col') ?? ''] = { v: td.getAttribute('data-v') ?? '', text: (td.textContent ?? '').trim() };
      return row;
    }),
  );
}

const tile = (page: Page, id: string) => page.locator(`#tile-${id} .value`).textContent();

/** Share of the screenshot that is not near-white, and of pixels in chart colours. */
function ink(png: Buffer): { ink: number; size: [number, number] } {
  const img = PNG.sync.read(png);
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4)
    if ((img.data[i] as number) < 200 || (img.data[i + 1] as number) < 200 || (img.data[i + 2] as number) < 200) n++;
  return { ink: n / (img.width * img.height), size: [img.width, img.height] };
}

describe.each(['chdb', 'server'] as const)('dashboard on %s', (engine) => {
  let store: Store;
  let dash: Dashboard;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    const cfg = await monthOn(engine);
    store = await openStore(storeConfigOf(cfg));
    await createSchema(store);
    dash = await startDashboard({ store, catalog, host: '127.0.0.1', port: 0, token: null });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
    });
  });
  afterAll(async () => {
    await page?.close();
    await dash?.close();
    if (engine === 'server') await store?.exec(`DROP DATABASE IF EXISTS ${db}`);
    await store?.close();
  });

  /** Opens a dashboard path, waits for the script to finish, checks the screenshot is not blank. */
  async function open(path: string, shot?: string): Promise<void> {
    const res = await page.goto(new URL(path, dash.url).toString());
    expect(res?.status(), path).toBe(200);
    await page.waitForSelector('html[data-ready="1"]', { timeout: 15_000 });
    const canvases = await page.locator('canvas').count();
    expect(await page.locator('canvas[data-drawn="1"]').count(), `charts drawn on ${path}`).toBe(canvases);
    const png = await page.screenshot({ fullPage: false });
    const { ink: share, size } = ink(png);
    expect(size).toEqual([1400, 1000]);
    expect(share, `ink on ${path}`).toBeGreaterThan(0.03);
    if (shot) {
      mkdirSync(dirname(shot), { recursive: true });
      writeFileSync(shot, png);
    }
  }

  it('shows the month overview with the figures of the views', async () => {
    await open(`/overview?month=${M}`, engine === 'chdb' ? process.env.RATEL_DASHBOARD_SCREENSHOT : undefined);
    const [inv] = await store.query<{ excl: number; incl: number; n: number }>(
      `SELECT sum(total_excl_micros) AS excl, sum(total_incl_micros) AS incl, count() AS n FROM v_invoices WHERE month = ${MONTH}`,
    );
    const [usage] = await store.query<{ revenue_micros: number; users: number }>(
      `SELECT revenue_micros, users FROM v_usage_month WHERE month = ${MONTH}`,
    );
    expect(inv?.n).toBe(GEN.accounts);
    expect(await tile(page, 'invoiced-total')).toBe(formatMoney(inv?.excl ?? -1));
    expect(await tile(page, 'invoiced-incl')).toBe(formatMoney(inv?.incl ?? -1));
    expect(await tile(page, 'usage-revenue')).toBe(formatMoney(usage?.revenue_micros ?? -1));
    expect(await tile(page, 'arpu-account')).toBe(formatMoney(Math.round((inv?.excl ?? 0) / GEN.accounts / 1e4) * 1e4));
    const byPlan = await store.query<{ plan_id: string; revenue_micros: number; records: number }>(
      `SELECT plan_id, sum(revenue_micros) AS revenue_micros, sum(records) AS records FROM v_revenue WHERE month = ${MONTH} GROUP BY plan_id`,
    );
    const shown = await table(page, 'by-plan');
    expect(shown.length).toBe(byPlan.length);
    for (const p of byPlan) {
      const row = shown.find((r) => r.plan_id?.v === p.plan_id);
      expect(row?.revenue_micros?.v, p.plan_id).toBe(String(p.revenue_micros));
      expect(row?.revenue_micros?.text).toBe(formatMoney(p.revenue_micros));
      expect(row?.records?.v).toBe(String(p.records));
    }
    const byKind = await store.query<{ kind: string; revenue_micros: number }>(
      `SELECT kind, sum(revenue_micros) AS revenue_micros FROM v_revenue WHERE month = ${MONTH} GROUP BY kind`,
    );
    const kinds = await table(page, 'by-kind');
    for (const k of byKind) expect(kinds.find((r) => r.kind?.v === k.kind)?.revenue_micros?.v, k.kind).toBe(String(k.revenue_micros));
    const sections = await store.query<{ section: string; amount_micros: number }>(
      `SELECT section, amount_micros FROM v_invoiced WHERE month = ${MONTH}`,
    );
    const shownSections = await table(page, 'invoiced');
    expect(shownSections.map((r) => [r.section?.v, r.amount_micros?.v]).sort()).toEqual(
      sections.map((s) => [s.section, String(s.amount_micros)]).sort(),
    );
    const trend = await table(page, 'trend');
    expect(trend).toHaveLength(12);
    expect(trend[11]?.invoiced_micros?.v).toBe(String(inv?.excl));
    // CSV of a table: the same rows, as downloaded
    const csv = await (await fetch(new URL(`/overview?month=${M}&csv=by-plan`, dash.url))).text();
    expect(csv.split('\r\n')[0]).toBe('plan,name,records,revenue');
    for (const p of byPlan) expect(csv).toContain(`${p.plan_id},`);
    expect(csv).toContain(
      `Total,,${byPlan.reduce((s, p) => s + p.records, 0)},${formatMoney(byPlan.reduce((s, p) => s + p.revenue_micros, 0))}`,
    );
  });

  it('shows top destinations, fair use and alerts, late usage and adjustments from their views', async () => {
    await open(`/destinations?month=${M}`);
    const dest = await store.query<{ destination: string; dest_class: string; calls: number; revenue_micros: number }>(
      `SELECT destination, dest_class, calls, revenue_micros FROM v_top_destinations WHERE month = ${MONTH}
       ORDER BY revenue_micros DESC, calls DESC, destination, dest_class LIMIT 100`,
    );
    const shownDest = await table(page, 'destinations');
    expect(shownDest.map((r) => [r.destination?.v, r.dest_class?.v, r.calls?.v, r.revenue_micros?.v])).toEqual(
      dest.map((d) => [d.destination, d.dest_class, String(d.calls), String(d.revenue_micros)]),
    );

    await open(`/fair-use?month=${M}`);
    const offenders = await store.query<{ account_id: string; user_id: string; crossings: number }>(
      `SELECT account_id, user_id, crossings FROM v_fair_use_offenders WHERE month = ${MONTH}`,
    );
    const shownOff = await table(page, 'offenders');
    expect(shownOff.map((r) => `${r.account_id?.v}/${r.user_id?.v}/${r.crossings?.v}`).sort()).toEqual(
      offenders.map((o) => `${o.account_id}/${o.user_id}/${o.crossings}`).sort(),
    );
    expect(await tile(page, 'offenders')).toBe(String(offenders.length));
    const alerts = await store.query<{ kind: string; alerts: number }>(`SELECT kind, alerts FROM v_alerts WHERE month = ${MONTH}`);
    expect(alerts.length).toBeGreaterThan(0);
    const shownAlerts = await table(page, 'alerts');
    expect(shownAlerts.map((r) => `${r.kind?.v}=${r.alerts?.v}`).sort()).toEqual(alerts.map((a) => `${a.kind}=${a.alerts}`).sort());

    await open(`/late?month=${M}`);
    const late = await store.query<{ account_id: string; records: number; cost_micros: number }>(
      `SELECT account_id, records, cost_micros FROM v_late_usage WHERE month = ${MONTH}`,
    );
    expect(late).toHaveLength(1);
    const shownLate = await table(page, 'late');
    expect(shownLate.map((r) => [r.account_id?.v, r.records?.v, r.cost_micros?.v])).toEqual(
      late.map((l) => [l.account_id, String(l.records), String(l.cost_micros)]),
    );
    await open('/late?month=2026-11');
    const adj = await store.query<{ invoice_id: string; amount_micros: number }>(
      `SELECT invoice_id, amount_micros FROM v_adjustments WHERE month = 202611`,
    );
    expect(adj).toHaveLength(1);
    expect(adj[0]?.amount_micros).toBe(late[0]?.cost_micros);
    const shownAdj = await table(page, 'adjustments');
    expect(shownAdj.map((r) => [r.invoice_id?.v, r.period?.v, r.amount_micros?.v])).toEqual([
      [adj[0]?.invoice_id, M, String(adj[0]?.amount_micros)],
    ]);
  });

  it('goes from the invoices list to an invoice, then to the calls of a usage line, which add up to it', async () => {
    await open(`/invoices?month=${M}`);
    const invoices = await store.query<{ invoice_id: string; account_id: string; total_excl_micros: number }>(
      `SELECT invoice_id, account_id, total_excl_micros FROM v_invoices WHERE month = ${MONTH} ORDER BY account_id`,
    );
    const listed = await table(page, 'invoices');
    expect(listed.map((r) => [r.invoice_id?.v, r.total_excl_micros?.v])).toEqual(
      invoices.map((i) => [i.invoice_id, String(i.total_excl_micros)]),
    );
    // the invoice with the most billed usage lines
    const [pick] = await store.query<{ account_id: string }>(
      `SELECT account_id, count() AS n FROM invoice_lines WHERE month = ${MONTH} AND section = 'usage' AND amount_micros > 0
       GROUP BY account_id ORDER BY n DESC, account_id LIMIT 1`,
    );
    const account = pick?.account_id as string;
    const inv = await readInvoice(store, account, MONTH);
    if (!inv) throw new Error('invoice not found');
    await Promise.all([page.waitForURL(/\/invoice\?/), page.click(`#table-invoices a[href*="account=${encodeURIComponent(account)}"]`)]);
    await page.waitForSelector('html[data-ready="1"]');
    await open(page.url().slice(dash.url.length - 1));
    expect(await tile(page, 'inv-excl')).toBe(formatMoney(inv.total_excl_micros));
    const lines = await table(page, 'lines');
    expect(lines.map((l) => [l.line_no?.v, l.amount_micros?.v])).toEqual(
      inv.lines.map((l) => [String(l.line_no), String(l.amount_micros)]),
    );
    const line = inv.lines.filter((l) => l.section === 'usage' && l.amount_micros > 0).sort((a, b) => b.amount_micros - a.amount_micros)[0];
    if (!line) throw new Error('no billed usage line');
    await Promise.all([page.waitForURL(/\/calls\?/), page.click(`#table-lines a[href$="line=${line.line_no}"]`)]);
    await page.waitForSelector('html[data-ready="1"]');
    await open(page.url().slice(dash.url.length - 1));
    const calls = await table(page, 'calls');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.map((c) => c.cost_micros?.v)).toEqual(
      (await lineCalls(store, catalog, inv, line.line_no)).map((c) => String(c.cost_micros)),
    );
    expect(calls.reduce((s, c) => s + Number(c.cost_micros?.v), 0)).toBe(line.amount_micros);
    expect(await page.locator('#table-calls tfoot td[data-col="cost_micros"]').textContent()).toBe(formatMoney(line.amount_micros));
    expect(await tile(page, 'calls-total')).toBe(formatMoney(line.amount_micros));
    expect(calls.every((c) => /\*{4}$/.test(c.number?.text ?? ''))).toBe(true); // last four digits masked
    expect(problems).toEqual([]);
  });

  it('itemises every usage, overage and per-event line of every invoice of the month to the cent', async () => {
    const ids = await store.query<{ account_id: string }>(`SELECT account_id FROM v_invoices WHERE month = ${MONTH} ORDER BY account_id`);
    let checked = 0;
    for (const { account_id } of ids) {
      const inv = await readInvoice(store, account_id, MONTH);
      if (!inv) throw new Error(`no invoice for ${account_id}`);
      const itemised = await itemiseInvoice(store, catalog, inv);
      for (const l of inv.lines) {
        if (!['usage', 'overage', 'event'].includes(l.section) || l.period !== MONTH) continue;
        const calls = itemised.get(l.line_no) ?? [];
        expect(
          calls.reduce((s, c) => s + c.cost_micros, 0),
          `${inv.invoice_id} line ${l.line_no} ${l.description}`,
        ).toBe(l.amount_micros);
        // an overage line's quantity is what the cap left out of its calls
        if (l.section === 'overage') expect(calls.reduce((s, c) => s + c.quantity - c.included_qty, 0)).toBe(l.quantity);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(GEN.accounts);
  });

  it('loaded every page with no console error and no failed request', () => {
    expect(problems).toEqual([]);
  });
});

/** A GET with optional headers; resolves with the status. */
function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard auth', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ engine: 'chdb', dataDir: join(dir, 'auth-chdb') });
    await createSchema(store);
  });
  afterAll(async () => store?.close());
  const token = 'correct-horse-battery-staple';

  it('will not bind outside loopback without a token', async () => {
    await expect(startDashboard({ store, catalog, host: '0.0.0.0', port: 0, token: null })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });

  it('bound to 0.0.0.0, answers 401 without the token or with a wrong one, 200 with it (bearer or basic)', async () => {
    const d = await startDashboard({ store, catalog, host: '0.0.0.0', port: 0, token });
    try {
      const port = new URL(d.url).port;
      for (const path of ['/overview', '/invoices', '/assets/chart.umd.min.js', '/overview?csv=by-plan']) {
        const url = `http://127.0.0.1:${port}${path}`;
        expect(await get(url), path).toBe(401);
        expect(await get(url, { Authorization: 'Bearer wrong-token-wrong-token' })).toBe(401);
        expect(await get(url, { Authorization: `Bearer ${token}x` })).toBe(401);
        expect(await get(url, { Authorization: `Basic ${Buffer.from('finance:nope').toString('base64')}` })).toBe(401);
        expect(await get(url, { Authorization: `Basic ${Buffer.from(token).toString('base64')}` })).toBe(401); // no user:password
      }
      expect(await get(`http://127.0.0.1:${port}/overview`, { Authorization: `Bearer ${token}` })).toBe(200);
      expect(
        await get(`http://127.0.0.1:${port}/overview`, { Authorization: `Basic ${Buffer.from(`finance:${token}`).toString('base64')}` }),
      ).toBe(200);
    } finally {
      await d.close();
    }
  });

  it('on loopback without a token, serves loopback host names only and only GET', async () => {
    const d = await startDashboard({ store, catalog, host: '127.0.0.1', port: 0, token: null });
    try {
      expect(await get(`${d.url}overview`)).toBe(200);
      expect(await get(`${d.url}overview`, { Host: 'attacker.example:80' })).toBe(421);
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${d.url}overview`, { method: 'POST' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(405);
    } finally {
      await d.close();
    }
  });

  it('writes CSV cells that would start a formula as text', () => {
    const csv = tableCsv({
      id: 't',
      title: 't',
      columns: [
        { key: 'a', label: 'a', type: 'text' },
        { key: 'n', label: 'n', type: 'money' },
        { key: 'l', label: 'l', type: 'list' },
      ],
      rows: [
        { a: '=1+2', n: -12_500_000, l: ['@SUM(A1)', 'x'] },
        { a: '+cmd|x', n: 0, l: [] },
        { a: '-2', n: 1, l: ['a,b'] },
      ],
    });
    expect(csv.split('\r\n')).toEqual(['a,n,l', "'=1+2,-12.50,'@SUM(A1); x", "'+cmd|x,0.00,", '\'-2,0.00,"a,b"', '']);
  });
});
