/**
 * Finding: invoices had no legal number, and a number given before the invoice is stored could
 * be lost by a crash (a gap) or given twice by the rerun (a duplicate). Now a number exists only
 * with its stored header: a process killed with SIGKILL after 5 of its 30 headers leaves
 * FA-2026-000001..5, and the rerun issues the other 25 as 6..30, no gap, no duplicate; the next
 * month continues at 31.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CHILD = join(import.meta.dirname, 'invoice-run-child.mjs');
const dir = mkdtempSync(join(tmpdir(), 'ratel-number-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  account_id: string;
  month: number;
  number: string;
  number_seq: number;
  number_year: number;
}
const read = (): Row[] => JSON.parse(execFileSync('node', [CHILD, 'read', dir], { encoding: 'utf8' }).trim()) as Row[];
const run = (month: number): string => execFileSync('node', [CHILD, 'run', dir, String(month), '0'], { encoding: 'utf8' });

/** Starts a run that pauses after its first 5 headers, and kills it with SIGKILL there. */
async function killedAfterFirstHeaders(month: number): Promise<void> {
  const child: ChildProcess = spawn('node', [CHILD, 'run', dir, String(month), '60000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('headers 5')) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`child exited before its headers: ${out}`)));
  });
  await new Promise((r) => child.once('exit', r));
  expect(child.signalCode).toBe('SIGKILL');
}

const expected = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `FA-2026-${String(from + i).padStart(6, '0')}`);

describe('regression: invoice number gap after a crash', () => {
  it('kill -9 after 5 of 30 headers: 1-5 stand; the rerun gives 6-30 in account order, no gap, no duplicate', async () => {
    await killedAfterFirstHeaders(202610);
    const after = read();
    expect(after.map((r) => r.number)).toEqual(expected(1, 5));
    expect(after.map((r) => r.account_id)).toEqual(['crash-00', 'crash-01', 'crash-02', 'crash-03', 'crash-04']);
    expect(run(202610)).toMatch(/issued 25/);
    const rows = read();
    expect(rows.map((r) => r.number)).toEqual(expected(1, 30));
    expect(new Set(rows.map((r) => r.account_id)).size).toBe(30);
    // In account order: the rerun derived for crash-05.. the numbers the killed run had for them.
    expect(rows.map((r) => r.account_id)).toEqual(rows.map((r) => r.account_id).sort());
    // Running the month again issues nothing and gives no number.
    expect(run(202610)).toMatch(/issued 0/);
    expect(read()).toHaveLength(30);
  }, 60_000);

  it('the next month continues the sequence of the year: 31-60', () => {
    expect(run(202611)).toMatch(/issued 30/);
    const nov = read().filter((r) => r.month === 202611);
    expect(nov.map((r) => r.number)).toEqual(expected(31, 60));
  }, 60_000);
});
