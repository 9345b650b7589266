/**
 * deploy/grafana: the dashboard JSON is for the provisioned ClickHouse data source, and every
 * panel's SQL (and the month variable's) runs on both engines, chDB and the ClickHouse 18.16
 * server, over a month made by the month job.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '@ratel/aggregator';
import { createLogger, loadConfig, runMonthJob, storeConfigOf } from '@ratel/ingest';
import { afterAll, describe, expect, it } from 'vitest';
import { CLICKHOUSE_URL, newServerStore } from '../services.js';

const root = join(import.meta.dirname, '..', '..', 'deploy', 'grafana');
const dashboard = JSON.parse(readFileSync(join(root, 'dashboards', 'ratel-finance.json'), 'utf8'));
const datasource = readFileSync(join(root, 'provisioning', 'datasources', 'ratel-clickhouse.yaml'), 'utf8');
const provider = readFileSync(join(root, 'provisioning', 'dashboards', 'ratel.yaml'), 'utf8');

interface Target {
  refId: string;
  rawSql: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  title: string;
  type: string;
  datasource: { type: string; uid: string };
  targets: Target[];
}
const panels: Panel[] = dashboard.panels;
const variable = dashboard.templating.list.find((v: { name: string }) => v.name === 'month');
const MONTH = 202610;
/** Grafana's interpolation of the month variable (a yyyymm number, unquoted). */
const interpolate = (sql: string) => sql.replace(/\$\{month\}|\$month\b/g, String(MONTH));

const dir = mkdtempSync(join(tmpdir(), 'ratel-grafana-'));
const db = `ratel_grafana_${process.pid}_${Date.now()}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Grafana provisioning', () => {
  it('points every panel at the provisioned ClickHouse data source', () => {
    expect(datasource).toMatch(/^\s+type: grafana-clickhouse-datasource$/m);
    expect(datasource).toMatch(/^\s+uid: ratel-clickhouse$/m);
    expect(provider).toMatch(/^\s+type: file$/m);
    expect(panels.length).toBeGreaterThanOrEqual(10);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of [...panels, variable]) {
      expect(p.datasource, p.title ?? 'month').toEqual({ type: 'grafana-clickhouse-datasource', uid: 'ratel-clickhouse' });
    }
    for (const p of panels) {
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) {
        expect(t.datasource.uid).toBe('ratel-clickhouse');
        expect(t.rawSql, p.title).toMatch(/\bFROM v_/); // the finance views only
      }
    }
  });
});

describe.each(['chdb', 'server'] as const)('Grafana panel SQL on %s', (engine) => {
  let store: Store;
  afterAll(async () => {
    if (engine === 'server') await store?.exec(`DROP DATABASE IF EXISTS ${db}`);
    await store?.close();
  });

  it('runs every panel query and the month variable query', async () => {
    const overrides: Record<string, unknown> =
      engine === 'chdb'
        ? { 'store.dataDir': join(dir, 'chdb'), outDir: join(dir, 'out-chdb') }
        : { 'store.engine': 'server', 'store.url': CLICKHOUSE_URL, 'store.database': db, outDir: join(dir, 'out-server') };
    if (engine === 'server') await (await newServerStore(db)).close();
    const cfg = loadConfig({ env: {}, overrides });
    await runMonthJob(
      cfg,
      { accounts: 8, month: MONTH, seed: 5, keep: false, show: 0, progress: false },
      createLogger('silent'),
      () => undefined,
    );
    store = await openStore(storeConfigOf(cfg));

    const months = await store.query<{ month: string }>(interpolate(variable.query.rawSql));
    expect(months.map((m) => m.month)).toEqual([String(MONTH)]);
    const results = new Map<string, Record<string, unknown>[]>();
    for (const p of panels)
      for (const t of p.targets) {
        const rows = await store.query<Record<string, unknown>>(interpolate(t.rawSql)).catch((e: Error) => {
          throw new Error(`panel "${p.title}" failed on ${engine}: ${e.message.split('\n')[0]}`);
        });
        results.set(p.title, rows);
      }
    const one = (title: string) => Object.values(results.get(title)?.[0] ?? {});
    const [usage] = await store.query<{ r: number }>(`SELECT sum(cost_micros) AS r FROM rated_events FINAL WHERE month = ${MONTH}`);
    expect(one('Usage revenue')).toEqual([(usage?.r ?? 0) / 1e6]);
    const [inv] = await store.query<{ e: number }>(`SELECT sum(total_excl_micros) AS e FROM invoices FINAL WHERE month = ${MONTH}`);
    expect(one('Invoiced excl. VAT')).toEqual([(inv?.e ?? 0) / 1e6]);
    expect(results.get('Invoices')).toHaveLength(8);
    expect(results.get('Last 12 months')?.map((r) => r.yyyymm)).toEqual([String(MONTH)]);
    for (const title of [
      'Revenue by plan',
      'Revenue by kind',
      'Top destinations (outbound voice)',
      'Invoiced by section',
      'Alerts by kind',
    ])
      expect(results.get(title)?.length, title).toBeGreaterThan(0);
  });
});
