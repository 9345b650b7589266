/**
 * `ratel import --watch` in this process (ingest/src/import-watch.ts, spool/watcher.ts) on the
 * embedded store: files appear while the watcher runs (written at once, renamed in from a
 * temporary name, written slowly through one descriptor, appended in pieces), none is imported
 * before it is complete, each lands in done/ or failed/ with its summary and dead letters; names
 * the folder ignores are left alone; a name rotated twice is suffixed; metrics and health on the
 * endpoint; a stop in the middle of a file leaves it to the next run, which bills nothing twice.
 * The import.watch.* config keys are checked here too.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchema, openStore, type Store } from '@ratel/aggregator';
import {
  type Config,
  createLogger,
  generateAccounts,
  generateCdrs,
  type ImportWatch,
  loadConfig,
  sources,
  startImportWatch,
  storeConfigOf,
} from '@ratel/ingest';
import { accountBook, loadCatalog } from '@ratel/rater';
import type { Cdr } from '@ratel/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'ratel-watch-'));
const spoolDir = join(root, 'spool');
mkdirSync(spoolDir);
const MONTH = 202610;
const NOW = Date.UTC(2026, 10, 5);
const SETTLE = 600;
const catalog = loadCatalog();
const accountInputs = generateAccounts({ accounts: 6, month: MONTH, seed: 7 });
const accounts = accountBook(accountInputs, catalog);
const allCdrs = generateCdrs(accountInputs, { accounts: 6, month: MONTH, seed: 7, malformedShare: 0 });
const csv = (cdrs: readonly Cdr[]) => `${[sources.ratelCsvHeader(), ...cdrs.map(sources.ratelCsvLine)].join('\n')}\n`;
/** Disjoint slices of the month's CDRs, one per file. */
let sliceAt = 0;
const take = (n: number): Cdr[] => {
  const s = allCdrs.slice(sliceAt, sliceAt + n);
  sliceAt += n;
  if (s.length < n) throw new Error('not enough generated CDRs for the test files');
  return s;
};

let cfg: Config;
let store: Store;
let watch: ImportWatch;
let base: string;

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
async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}; spool: ${listing()}`);
    await sleep(25);
  }
}
const listing = () => JSON.stringify({ spool: readdirSync(spoolDir), done: lsq('done'), failed: lsq('failed') });
const lsq = (d: string) => (existsSync(join(spoolDir, d)) ? readdirSync(join(spoolDir, d)) : []);

interface Summary {
  file: string;
  outcome: string;
  movedTo: string;
  readyBy: string;
  lines: number;
  cdrs: number;
  rejected: Record<string, number>;
  rejectedTotal: number;
  replays: number;
  unanswered: Record<string, number>;
  deadLetters: string | null;
  error: { code: string; reason: string } | null;
  timings: { seenAt: string; readyAt: string; settleMs: number };
}
/** The calls of `cdrs` with nothing billable, as the summary counts them: by disposition and SIP status, or answered for 0 s. */
function nothingBillable(cdrs: readonly Cdr[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of cdrs) {
    const v = c.voice;
    if (v === null || v.billable_s > 0) continue;
    const k = v.disposition === 'ANSWERED' ? 'ANSWERED 0 s' : `${v.disposition} ${v.sip_status}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
const summaryOf = (where: string): Summary => JSON.parse(readFileSync(join(spoolDir, `${where}.summary.json`), 'utf8'));
const placed = (where: string) => until(`${where} placed`, () => existsSync(join(spoolDir, where)));

const startWatch = (extra: { batchSize?: number; batchPauseMs?: number } = {}) =>
  startImportWatch(
    cfg,
    { dir: spoolDir, format: 'ratel-csv', to: 'store', now: () => NOW, ...extra },
    { catalog, accounts, accountsFile: 'accounts.json', store, log: createLogger('silent') },
  );

/** Stored ratings (latest version) of these CDR ids: id -> count of rows under FINAL. */
async function storedIds(ids: readonly string[]): Promise<Map<string, number>> {
  const rows = await store.query<{ cdr_id: string; n: number }>(
    `SELECT cdr_id, count() AS n FROM rated_events FINAL WHERE cdr_id IN (${ids.map((i) => `'${i}'`).join(',')}) GROUP BY cdr_id`,
  );
  return new Map(rows.map((r) => [r.cdr_id, Number(r.n)]));
}

beforeAll(async () => {
  const port = await freePort();
  cfg = loadConfig({
    env: {},
    overrides: {
      'store.dataDir': join(root, 'chdb'),
      outDir: join(root, 'out'),
      'import.watch.settleMs': SETTLE,
      'import.watch.rescanMs': 500,
      metricsPort: port,
    },
  });
  base = `http://127.0.0.1:${port}`;
  store = await openStore(storeConfigOf(cfg));
  await createSchema(store);
  watch = await startWatch();
});
afterAll(async () => {
  await watch?.stop();
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('import.watch config', () => {
  it('has defaults, takes its variables, and refuses a pattern that does not compile', () => {
    const d = loadConfig({ env: {} }).import.watch;
    expect(d).toEqual({ settleMs: 5000, rescanMs: 10_000, ignore: '^\\.|\\.(tmp|part)$|~$', checkWriters: true });
    const e = loadConfig({
      env: {
        RATEL_IMPORT_WATCH_SETTLE_MS: '250',
        RATEL_IMPORT_WATCH_RESCAN_MS: '1000',
        RATEL_IMPORT_WATCH_IGNORE: '\\.partial$',
        RATEL_IMPORT_WATCH_CHECK_WRITERS: 'false',
      },
    }).import.watch;
    expect(e).toEqual({ settleMs: 250, rescanMs: 1000, ignore: '\\.partial$', checkWriters: false });
    expect(() => loadConfig({ env: { RATEL_IMPORT_WATCH_IGNORE: '(' } })).toThrow(
      /CONFIG_INVALID|config import\.watch\.ignore \(RATEL_IMPORT_WATCH_IGNORE\): a regular expression/,
    );
    expect(() => loadConfig({ env: { RATEL_IMPORT_WATCH_RESCAN_MS: '10' } })).toThrow(
      /import\.watch\.rescanMs \(RATEL_IMPORT_WATCH_RESCAN_MS\)/,
    );
    expect(() => loadConfig({ env: { RATEL_IMPORT_WATCH_SETTLE_MS: '-1' } })).toThrow(/import\.watch\.settleMs/);
  });
});

describe('ratel import --watch: formats', () => {
  it('refuses kamailio-acc (records paired across files), naming the way to import them; takes kamailio', async () => {
    const at = (format: 'kamailio' | 'kamailio-acc') =>
      startImportWatch(
        { ...cfg, metricsPort: 0 },
        { dir: join(root, 'other-spool'), format, to: 'store', now: () => NOW },
        { catalog, accounts, accountsFile: 'accounts.json', store, log: createLogger('silent') },
      );
    await expect(at('kamailio-acc')).rejects.toMatchObject({
      code: 'USAGE_INVALID',
      message: expect.stringMatching(
        /--watch cannot take --format kamailio-acc: .*ratel import --format kamailio-acc FILES.*--format kamailio$/,
      ),
    });
    mkdirSync(join(root, 'other-spool'), { recursive: true });
    const w = await at('kamailio');
    await w.stop();
  });
});

describe('ratel import --watch: files appearing while it runs', () => {
  it('a file written at once and one renamed in from a temporary name are imported', async () => {
    for (const n of ['.hidden.csv', 'half.csv.tmp', 'upload.part', 'backup.csv~'])
      writeFileSync(join(spoolDir, n), csv(allCdrs.slice(0, 3)));
    const fast = take(200);
    writeFileSync(join(spoolDir, 'fast.csv'), csv(fast));
    const ren = take(150);
    writeFileSync(join(spoolDir, 'ren.csv.part'), csv(ren));
    await sleep(300); // the temporary name is seen (its inode remembered)
    renameSync(join(spoolDir, 'ren.csv.part'), join(spoolDir, 'ren.csv'));
    await placed('done/ren.csv');
    await placed('done/fast.csv');
    const r = summaryOf('done/ren.csv');
    expect(r).toMatchObject({ outcome: 'done', readyBy: 'rename', lines: 151, cdrs: 150, rejectedTotal: 0, replays: 0, deadLetters: null });
    // Complete by its rename: no settleMs wait.
    expect(r.timings.settleMs).toBeLessThan(SETTLE);
    // The calls with nothing billable, rated at no charge, counted beside the file.
    expect(Object.keys(nothingBillable(ren)).length).toBeGreaterThan(0);
    expect(r.unanswered).toEqual(nothingBillable(ren));
    const f = summaryOf('done/fast.csv');
    expect(f).toMatchObject({ outcome: 'done', lines: 201, cdrs: 200, rejectedTotal: 0 });
    expect(['age', 'close']).toContain(f.readyBy);
    const ids = [...fast, ...ren].map((c) => c.id);
    const stored = await storedIds(ids);
    expect(stored.size).toBe(ids.length);
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
  });

  it('files written slowly (one descriptor kept open; appended and closed piece by piece) are imported only once complete, never while held open', async () => {
    const slow = take(300);
    const appended = take(300);
    const slowText = Buffer.from(csv(slow));
    const appendText = Buffer.from(csv(appended));
    const PIECES = 8;
    const cut = (b: Buffer, i: number) => b.subarray(Math.floor((b.length * i) / PIECES), Math.floor((b.length * (i + 1)) / PIECES));
    const fd = openSync(join(spoolDir, 'slow.csv'), 'w');
    let appendedAt = 0;
    for (let i = 0; i < PIECES; i++) {
      // Pieces cut mid-line, 100 and 250 ms apart (1.4 s in all, over twice settleMs).
      writeSync(fd, cut(slowText, i));
      appendFileSync(join(spoolDir, 'appended.csv'), cut(appendText, i));
      appendedAt = Date.now();
      await sleep(i % 2 === 0 ? 100 : 250);
      expect(lsq('done').filter((n) => n.startsWith('slow') || n.startsWith('appended'))).toEqual([]);
      expect(lsq('failed')).toEqual([]);
    }
    // slow.csv is held open, unwritten, for longer than settleMs: still not complete (its writer is seen).
    await placed('done/appended.csv');
    await sleep(SETTLE + 300);
    expect(lsq('done').filter((n) => n.startsWith('slow'))).toEqual([]);
    expect((await watch.metrics.pending.get()).values.find((v) => v.labels.state === 'held')?.value).toBe(1);
    closeSync(fd);
    const closedAt = Date.now();
    await placed('done/slow.csv');
    await placed('done/appended.csv');
    const s = summaryOf('done/slow.csv');
    expect(s).toMatchObject({ outcome: 'done', readyBy: 'close', lines: 301, cdrs: 300, rejectedTotal: 0 });
    expect(Date.parse(s.timings.readyAt)).toBeGreaterThanOrEqual(closedAt - 5);
    const a = summaryOf('done/appended.csv');
    expect(a).toMatchObject({ outcome: 'done', readyBy: 'age', lines: 301, cdrs: 300, rejectedTotal: 0 });
    expect(Date.parse(a.timings.readyAt)).toBeGreaterThanOrEqual(appendedAt + SETTLE - 5);
    const ids = [...slow, ...appended].map((c) => c.id);
    expect((await storedIds(ids)).size).toBe(ids.length);
  });

  it('a file whose every line is rejected goes to failed/ with its dead letters; one that cannot be read, with its error', async () => {
    writeFileSync(join(spoolDir, 'bad.csv'), `${sources.ratelCsvHeader()}\nnot,a,cdr\nx,y\n`);
    writeFileSync(join(spoolDir, 'header.csv'), 'id,id,kind\n1,1,VOICE\n');
    await placed('failed/bad.csv');
    await placed('failed/header.csv');
    const b = summaryOf('failed/bad.csv');
    expect(b).toMatchObject({
      outcome: 'failed',
      error: null,
      lines: 3,
      cdrs: 0,
      rejected: { CDR_MALFORMED: 2 },
      deadLetters: 'failed/bad.csv.dead-letters.jsonl',
    });
    const dead = readFileSync(join(spoolDir, 'failed/bad.csv.dead-letters.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { at: string; code: string; line: string });
    expect(dead.map((d) => [d.at, d.code, d.line])).toEqual([
      [`${join(spoolDir, 'bad.csv')}:2`, 'CDR_MALFORMED', 'not,a,cdr'],
      [`${join(spoolDir, 'bad.csv')}:3`, 'CDR_MALFORMED', 'x,y'],
    ]);
    const h = summaryOf('failed/header.csv');
    expect(h.error?.code).toBe('INPUT_UNREADABLE');
    expect(h.error?.reason).toMatch(/header: column "id" twice/);
  });

  it('a name rotated into the folder twice is placed beside the first with a suffix; the second import is all replays', async () => {
    const same = take(120);
    writeFileSync(join(spoolDir, 'Master.csv'), csv(same));
    await placed('done/Master.csv');
    // The second one moved in from another folder (an old mtime, its ctime the move's): complete when first seen.
    const elsewhere = join(root, 'Master.csv');
    writeFileSync(elsewhere, csv(same));
    utimesSync(elsewhere, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    renameSync(elsewhere, join(spoolDir, 'Master.csv'));
    await placed('done/Master-1.csv');
    expect(summaryOf('done/Master.csv')).toMatchObject({ cdrs: 120, replays: 0 });
    expect(summaryOf('done/Master-1.csv')).toMatchObject({ movedTo: 'done/Master-1.csv', readyBy: 'rename', cdrs: 120, replays: 120 });
    const stored = await storedIds(same.map((c) => c.id));
    expect([...stored.values()].filter((n) => n === 1)).toHaveLength(120);
  });

  it('serves the spool metrics, /healthz and /readyz on the metrics endpoint; ignored names were left alone', async () => {
    await watch.watcher.idle();
    const text = await (await fetch(`${base}/metrics`)).text();
    const metric = (name: string) => Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    expect(metric('ratel_import_files_total{outcome="done"}')).toBe(6);
    expect(metric('ratel_import_files_total{outcome="failed"}')).toBe(2);
    expect(metric('ratel_import_cdrs_total')).toBe(200 + 150 + 300 + 300 + 120 + 120);
    expect(metric('ratel_import_lines_total')).toBe(201 + 151 + 301 + 301 + 121 + 121 + 3);
    expect(metric('ratel_import_rejected_total{code="CDR_MALFORMED"}')).toBe(2);
    expect(metric('ratel_import_replays_total')).toBe(120);
    const done = lsq('done').filter((n) => n.endsWith('.summary.json'));
    const unanswered = done.reduce(
      (n, f) => n + Object.values(summaryOf(`done/${f.slice(0, -'.summary.json'.length)}`).unanswered).reduce((a, b) => a + b, 0),
      0,
    );
    expect(unanswered).toBeGreaterThan(0);
    expect(metric('ratel_import_unanswered_total')).toBe(unanswered);
    for (const s of ['settling', 'held', 'ready']) expect(metric(`ratel_import_pending_files{state="${s}"}`)).toBe(0);
    expect(metric('ratel_import_current_file_cdrs')).toBe(0);
    expect(metric('ratel_import_last_file_timestamp_seconds') * 1000).toBeGreaterThan(Date.now() - 60_000);
    expect(metric('ratel_import_file_seconds_count')).toBe(8);
    expect(metric('ratel_import_writer_scans_total')).toBeGreaterThan(0);
    // The ignored names, there since the first test (seconds over settleMs), are left alone.
    expect(readdirSync(spoolDir).sort()).toEqual(['.hidden.csv', '.ratel', 'backup.csv~', 'done', 'failed', 'half.csv.tmp', 'upload.part']);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });
});

describe('ratel import --watch: a stop in the middle of a file', () => {
  it('leaves the file in the folder, its batches so far stored; the next run imports it whole and bills nothing twice', async () => {
    await watch.stop();
    expect(watch.watcher.isReady()).toBe(false);
    watch = await startWatch({ batchSize: 20, batchPauseMs: 80 });
    const big = take(400);
    writeFileSync(join(spoolDir, 'big.csv.tmp'), csv(big));
    renameSync(join(spoolDir, 'big.csv.tmp'), join(spoolDir, 'big.csv'));
    await until('some batches of big.csv delivered', async () => ((await watch.metrics.currentCdrs.get()).values[0]?.value ?? 0) >= 100);
    const stopping = watch.stop();
    await stopping;
    expect(existsSync(join(spoolDir, 'big.csv'))).toBe(true);
    expect(lsq('done').filter((n) => n.startsWith('big'))).toEqual([]);
    const before = (await storedIds(big.map((c) => c.id))).size;
    expect(before).toBeGreaterThanOrEqual(100);
    expect(before).toBeLessThan(400);

    watch = await startWatch();
    await placed('done/big.csv');
    const s = summaryOf('done/big.csv');
    expect(s).toMatchObject({ outcome: 'done', cdrs: 400, replays: before, rejectedTotal: 0 });
    const stored = await storedIds(big.map((c) => c.id));
    expect(stored.size).toBe(400);
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
  });
});
