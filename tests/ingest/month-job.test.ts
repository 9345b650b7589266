/** The `npm start` job on the embedded engine, small: it rates, stores, invoices and writes files. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, runMonthJob } from '@ratel/ingest';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'ratel-month-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('month job (embedded chDB)', () => {
  it('rates a generated month and writes one JSON and CSV invoice per account', async () => {
    const cfg = loadConfig({ env: {}, overrides: { 'store.dataDir': join(dir, 'chdb'), outDir: join(dir, 'out') } });
    const printed: string[] = [];
    const r = await runMonthJob(
      cfg,
      { accounts: 40, month: 202610, seed: 3, keep: false, show: 1, progress: false },
      createLogger('silent'),
      (s) => printed.push(s),
    );
    expect(r.cdrs).toBeGreaterThan(1000);
    expect(r.rated + r.deadLetters).toBe(r.cdrs);
    expect(r.invoices).toHaveLength(40);
    const files = readdirSync(join(dir, 'out', '202610'));
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(40);
    expect(files.filter((f) => f.endsWith('.csv') && !f.endsWith('.calls.csv'))).toHaveLength(40);
    expect(files.filter((f) => f.endsWith('.calls.csv'))).toHaveLength(40);
    expect(files.filter((f) => f.endsWith('.pdf'))).toHaveLength(40);
    const inv = JSON.parse(readFileSync(join(dir, 'out', '202610', files.find((f) => f.endsWith('.json')) as string), 'utf8'));
    const sum = inv.lines.reduce((s: number, l: { amount_micros: number }) => s + l.amount_micros, 0);
    expect(inv.total_excl_micros).toBe(sum);
    expect(inv.total_incl_micros).toBe(inv.total_excl_micros + inv.vat_micros);
    expect(r.totalExclMicros).toBe(r.invoices.reduce((s, i) => s + i.total_excl_micros, 0));
    expect(existsSync(join(dir, 'out', 'dead-letters.jsonl'))).toBe(true);
    expect(printed.join('\n')).toMatch(/embedded_cdrs_per_sec=\d+/);
    expect(printed.join('\n')).toContain('Total incl. VAT');
    // generated CDR ids are unique: nothing is a replay
    expect(printed.join('\n')).toContain('replays ignored: 0');
    expect(printed.join('\n')).toMatch(/ratel summary 2026-10/);
  });
});
