/**
 * `ratel import --watch` as the real CLI process, on the embedded store: a file is imported, the
 * watcher is killed -9 in the middle of the next one (RATEL_TEST_BATCH_PAUSE_MS, test only,
 * slows it down), restarted, imports that file again from its start and a third one written
 * slowly by this process (another process than the watcher: its writer is seen through /proc),
 * and stops cleanly on SIGTERM. The stored ratings then equal those of one clean
 * `ratel import` of the same files into another store: nothing lost, nothing billed twice.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openChdbStore } from '@ratel/aggregator';
import { generateAccounts, generateCdrs, sources } from '@ratel/ingest';
import type { Cdr } from '@ratel/schemas';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '../../ingest/dist/cli.js');
const root = mkdtempSync(join(tmpdir(), 'ratel-watch-cli-'));
const spoolDir = join(root, 'spool');
const srcDir = join(root, 'src');
mkdirSync(spoolDir);
mkdirSync(srcDir);
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const MONTH = 202610;
const AS_OF = '2026-11-05';
const N_ACCOUNTS = 12;
const accountInputs = generateAccounts({ accounts: N_ACCOUNTS, month: MONTH, seed: 11 });
const accountsFile = join(root, 'accounts.json');
writeFileSync(accountsFile, JSON.stringify({ accounts: accountInputs }));
// The generator's few malformed records are kept: their dead letters must match too.
const cdrs = generateCdrs(accountInputs, { accounts: N_ACCOUNTS, month: MONTH, seed: 11, malformedShare: 0.002 });
const csv = (c: readonly Cdr[]) => `${[sources.ratelCsvHeader(), ...c.map(sources.ratelCsvLine)].join('\n')}\n`;
const parts = { 'f1.csv': cdrs.slice(0, 200), 'f2.csv': cdrs.slice(200, 1700), 'f3.csv': cdrs.slice(1700, 2300) };
for (const [name, c] of Object.entries(parts)) writeFileSync(join(srcDir, name), csv(c));
const configFile = join(root, 'ratel.json');
writeFileSync(configFile, JSON.stringify({ rater: { batchSize: 100 }, import: { watch: { settleMs: 400, rescanMs: 500 } } }));

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function ratel(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, RATEL_CONFIG: configFile, RATEL_OUT_DIR: join(root, 'out'), RATEL_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  return { child, stderr: () => err, exited };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, p: Proc | null, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (p && (p.child.exitCode !== null || p.child.signalCode !== null))
      throw new Error(`the watcher exited while waiting for ${what}:\n${p.stderr()}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${p?.stderr() ?? ''}`);
    await sleep(20);
  }
}

const get = async (url: string): Promise<{ status: number; text: string }> => {
  try {
    const r = await fetch(url);
    return { status: r.status, text: await r.text() };
  } catch {
    return { status: 0, text: '' };
  }
};
const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);

/** Puts a file into the spool folder the usual way: written under a temporary name, then renamed. */
function rotateIn(name: string): void {
  copyFileSync(join(srcDir, name), join(spoolDir, `${name}.tmp`));
  renameSync(join(spoolDir, `${name}.tmp`), join(spoolDir, name));
}

interface Rating {
  version: number;
  account_id: string;
  month: number;
  cost_micros: number;
  included_qty: number;
  billed_qty: number;
  reasons: string[];
}
async function contents(dataDir: string) {
  const store = openChdbStore(dataDir);
  try {
    const rated = await store.query<Rating & { cdr_id: string }>(
      'SELECT cdr_id, version, account_id, month, cost_micros, included_qty, billed_qty, reasons FROM rated_events FINAL ORDER BY cdr_id',
    );
    const count = async (sql: string) => Number((await store.query<{ n: number }>(sql))[0]?.n);
    return {
      ratings: new Map(rated.map(({ cdr_id, ...r }) => [cdr_id, { ...r, version: Number(r.version), cost_micros: Number(r.cost_micros) }])),
      rows: await count('SELECT count() AS n FROM rated_events FINAL'),
      archived: await count('SELECT count() AS n FROM cdrs FINAL'),
      alerts: await count('SELECT count() AS n FROM alerts FINAL'),
      deadLetters: await count('SELECT count() AS n FROM dead_letters FINAL'),
      totalMicros: await count('SELECT sum(cost_micros) AS n FROM rated_events FINAL'),
    };
  } finally {
    await store.close();
  }
}

describe('ratel import --watch, the CLI killed -9 in the middle of a file', () => {
  it('imports the file again on restart, and the store equals one clean import of the same files', async () => {
    const watchDir = join(root, 'chdb-watch');
    const cleanDir = join(root, 'chdb-clean');
    // The clean import runs meanwhile, into a store of its own.
    const clean = ratel(
      [
        'import',
        srcDir,
        '--format',
        'ratel-csv',
        '--accounts-file',
        accountsFile,
        '--as-of',
        AS_OF,
        '--no-progress',
        '--dead-letters',
        join(root, 'clean.dead.jsonl'),
      ],
      { RATEL_CHDB_DIR: cleanDir },
    );
    const watchArgs = ['import', '--watch', spoolDir, '--format', 'ratel-csv', '--accounts-file', accountsFile, '--as-of', AS_OF];
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // Rows stored at most 200 ms after they are rated (writer.maxDelayMs), so the run killed below has stored some of f2.
    const env = { RATEL_CHDB_DIR: watchDir, RATEL_METRICS_PORT: String(port), RATEL_WRITER_MAX_DELAY_MS: '200' };

    // First run: slowed down to 100 ms a batch (100 CDRs), so it can be killed in the middle of f2.
    const first = ratel(watchArgs, { ...env, RATEL_TEST_BATCH_PAUSE_MS: '100' });
    await until('/readyz', async () => (await get(`${base}/readyz`)).status === 200, first);
    rotateIn('f1.csv');
    await until('f1.csv done', () => existsSync(join(spoolDir, 'done/f1.csv')), first);
    rotateIn('f2.csv');
    let delivered = 0;
    await until(
      'f2.csv half imported',
      async () => {
        delivered = metric((await get(`${base}/metrics`)).text, 'ratel_import_current_file_cdrs');
        return delivered >= 600;
      },
      first,
    );
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(existsSync(join(spoolDir, 'f2.csv'))).toBe(true);
    expect(existsSync(join(spoolDir, 'done/f2.csv'))).toBe(false);
    // What the killed run stored of f2 (its archived CDRs): the restart must find exactly those as replays.
    const f2Ids = new Set(parts['f2.csv'].map((c) => c.id));
    const killed = await openChdbStore(watchDir);
    const archived = (await killed.query<{ cdr_id: string }>('SELECT DISTINCT cdr_id FROM cdrs')).filter((r) => f2Ids.has(r.cdr_id)).length;
    await killed.close();

    // Second run: f2 again from its start, and f3 written slowly by this process while it runs.
    const second = ratel(watchArgs, env);
    await until('/readyz after the restart', async () => (await get(`${base}/readyz`)).status === 200, second);
    const text = readFileSync(join(srcDir, 'f3.csv'));
    const fd = openSync(join(spoolDir, 'f3.csv'), 'w');
    for (let i = 0; i < 5; i++) {
      writeSync(fd, text.subarray(Math.floor((text.length * i) / 5), Math.floor((text.length * (i + 1)) / 5)));
      await sleep(i === 4 ? 600 : 150); // the last pause (held open, unwritten) is over settleMs
      expect(existsSync(join(spoolDir, 'done/f3.csv')), 'f3.csv imported before it was complete').toBe(false);
    }
    closeSync(fd);
    await until(
      'f2.csv and f3.csv done',
      () => existsSync(join(spoolDir, 'done/f3.csv')) && existsSync(join(spoolDir, 'done/f2.csv')),
      second,
    );
    const health = await get(`${base}/healthz`);
    expect(health.status).toBe(200);
    const m = (await get(`${base}/metrics`)).text;
    expect(metric(m, 'ratel_import_files_total\\{outcome="done"\\}')).toBe(2);
    second.child.kill('SIGTERM');
    const stopped = await second.exited;
    expect(stopped, second.stderr()).toEqual({ code: 0, signal: null });
    const c = await clean.exited;
    expect(c.code, clean.stderr()).toBe(0);

    const f2 = JSON.parse(readFileSync(join(spoolDir, 'done/f2.csv.summary.json'), 'utf8'));
    expect(f2.lines).toBe(1501);
    // Stored by the killed run, replays now: what it had stored when it was killed (its rows are
    // grouped into inserts sent writer.maxDelayMs after the oldest, so not every batch handed over).
    expect(archived).toBeGreaterThan(0);
    expect(archived).toBeLessThanOrEqual(delivered);
    expect(f2.replays).toBe(archived);
    const f3 = JSON.parse(readFileSync(join(spoolDir, 'done/f3.csv.summary.json'), 'utf8'));
    expect(f3).toMatchObject({ readyBy: 'close', replays: 0 });
    // One pino line per file, and the stop.
    const lines = second
      .stderr()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; file?: string });
    expect(
      lines
        .filter((l) => l.msg === 'file imported')
        .map((l) => l.file)
        .sort(),
    ).toEqual(['f2.csv', 'f3.csv']);
    expect(lines.at(-1)?.msg).toBe('stopped');

    const watched = await contents(watchDir);
    const reference = await contents(cleanDir);
    expect(reference.ratings.size).toBeGreaterThan(2200);
    expect(watched.rows).toBe(reference.rows);
    expect(watched.archived).toBe(reference.archived);
    expect(watched.alerts).toBe(reference.alerts);
    expect(watched.deadLetters).toBe(reference.deadLetters);
    expect(watched.totalMicros).toBe(reference.totalMicros);
    expect(watched.ratings).toEqual(reference.ratings);
  });
});

describe('ratel import --watch, the delivery failing', () => {
  it('brokers that cannot be reached stop it with BROKER_UNREACHABLE, exit 2, and the file stays in the folder (not failed/)', async () => {
    const dir = join(root, 'spool-down');
    mkdirSync(dir);
    copyFileSync(join(srcDir, 'f1.csv'), join(dir, 'f1.csv'));
    const p = ratel(
      ['import', '--watch', dir, '--format', 'ratel-csv', '--accounts-file', accountsFile, '--as-of', AS_OF, '--to', 'kafka'],
      {
        RATEL_KAFKA_BROKERS: '127.0.0.1:1',
        RATEL_METRICS_PORT: '0',
        RATEL_IMPORT_WATCH_SETTLE_MS: '0',
      },
    );
    const r = await p.exited;
    expect(r.code, p.stderr()).toBe(2);
    expect(p.stderr().trim().split('\n').at(-1)).toMatch(/^ratel: BROKER_UNREACHABLE Kafka broker not reachable at 127\.0\.0\.1:1/);
    expect(existsSync(join(dir, 'f1.csv'))).toBe(true);
    expect(existsSync(join(dir, 'failed/f1.csv'))).toBe(false);
    expect(existsSync(join(dir, 'done/f1.csv'))).toBe(false);
  });
});

describe('ratel import --watch, usage', () => {
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, 'import', ...args, '--format', 'ratel-csv', '--accounts-file', accountsFile], {
      env: { ...process.env, RATEL_CHDB_DIR: join(root, 'chdb-usage'), RATEL_OUT_DIR: join(root, 'out') },
      encoding: 'utf8',
    });
    return { code: r.status, stderr: r.stderr.trim() };
  };
  it('refuses no input, and a spool folder that is not one: one line, exit 2', () => {
    expect(run([])).toEqual({ code: 2, stderr: 'ratel: USAGE_INVALID ratel import needs files or folders (or --watch DIR)' });
    expect(run(['--watch', join(root, 'nowhere')])).toEqual({
      code: 2,
      stderr: `ratel: INPUT_UNREADABLE ${join(root, 'nowhere')}: spool folder (--watch) must be a folder: ENOENT`,
    });
  });
});
