/**
 * `ratel import FILE|DIR... --format NAME [--mapping FILE] --accounts-file F`: CDR files in, rated.
 *
 * Each file is read in chunks of bytes, split into lines, and each line becomes one CDR through
 * its format's source (sources/): ratel's own layouts, or a generic CSV / TSV / pipe-separated /
 * JSON Lines file through a mapping file, the subscriber directory placing CDRs that name no
 * account. Then, by default, the CDRs are rated by a RatingSession into the store of the config
 * (the embedded chDB by default): `ratel invoice` closes the month on it. With `--to kafka` they
 * are produced as cdr.v1 frames to the CDR topic, keyed by account, for `ratel run`.
 *
 * Nothing is dropped: a line that is no CDR (wrong column count, a date that does not read, a
 * negative duration, no subscriber, a field over the limits) and a CDR the rater refuses go to
 * the dead-letter file, one JSON line each with `file:line`, the code, the reason and the raw
 * line (cut to 1,000 characters). CDR ids are derived from the records, so importing a file
 * twice, or two rotations that overlap, rates nothing twice: the session restores what the store
 * holds and the CDRs already rated are replays. An interrupted import can simply be run again.
 */
import { closeSync, createWriteStream, mkdirSync, openSync, readdirSync, readSync, statSync, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { monthLabel, rowsEncoderFor, type Store, storeHistory, writeDeadLetters } from '@ratel/aggregator';
import { type AccountBook, type Alert, type Catalog, Directory, type EngineOutput, type PoolBatchResult, RatingPool } from '@ratel/rater';
import { type Cdr, checkCdr, checkLimits, errors, type WireCodec } from '@ratel/schemas';
import type { Kafka } from 'kafkajs';
import { type Config, limitsOf } from './config.js';
import { deadLetterRow } from './dead-letters.js';
import { encodeFrames } from './frames.js';
import { produceFrames } from './produce.js';
import { createProgress } from './progress.js';
import { type CdrSource, createSource, type FormatName, type LineResult, LineStatus, newLineResult } from './sources/index.js';
import { LineSplitter } from './sources/lines.js';
import { batchJobWriter, groupedStoreSink, spoolWriter } from './store-sink.js';

export interface ImportOptions {
  /** Files and folders (a folder: its files, sorted by name, hidden ones left out; not recursive). */
  paths: readonly string[];
  format: FormatName;
  /** Mapping file of the generic formats. */
  mapping?: string | undefined;
  /** Where the CDRs go: rated into the store (default), or produced to Kafka for `ratel run`. */
  to: 'store' | 'kafka';
  /** The dead-letter file (JSON Lines), written anew. */
  deadLetterFile: string;
  progress: boolean;
  /** The clock of the rating: the date window (limits.maxAgeDays) is taken around it. */
  now?: () => number;
  /** CDRs per rating batch (default cfg.rater.batchSize). */
  batchSize?: number;
}

export interface ImportDeps {
  catalog: Catalog;
  accounts: AccountBook;
  /** Where the accounts came from, for errors. */
  accountsFile: string;
  /** `to: 'store'`: the store to rate into (its schema created). */
  store?: Store;
  /** `to: 'kafka'`: the client and the CDR codec. */
  kafka?: Kafka;
  codec?: WireCodec<Cdr>;
  /**
   * `to: 'store'` with alerts.importToTopic: where each batch's alerts are produced (the alerts
   * topic); the batch counts as imported once they are acknowledged.
   */
  alerts?: { send(alerts: readonly Alert[]): Promise<void> };
  print?: (s: string) => void;
}

export interface FileSummary {
  file: string;
  bytes: number;
  lines: number;
  cdrs: number;
  /** Lines that are no call to rate: left out by the mapping's filters, FreeSWITCH B legs, Kamailio's provisional answers... */
  filtered: number;
  /** The filtered lines by reason ("filter on \"SipCode\"", "B_LEG (billed on its A leg)"). */
  filteredBy: Record<string, number>;
  /** Rejected lines and refused CDRs, by code. */
  rejected: Record<string, number>;
  /** CDRs already rated (an earlier import of the same records). */
  replays: number;
  /** Rated events written (new ratings and new versions of re-rated calls). */
  rated: number;
  /** Billing months of the file's CDRs (YYYYMM). */
  months: number[];
  /**
   * CDRs of calls with nothing billable (rated at no charge, reason UNANSWERED): not answered, by
   * disposition and SIP status ("BUSY 486"), and answered for 0 s ("ANSWERED 0 s").
   */
  unanswered: Record<string, number>;
}

export interface ImportResult {
  files: FileSummary[];
  lines: number;
  cdrs: number;
  rejected: number;
  replays: number;
  /** CDRs of calls with nothing billable (not answered, or answered for 0 s), of every file. */
  unanswered: number;
  /** From the start of the import (the directory compiled first) to the end. */
  elapsedMs: number;
  /** CDRs a second from the first byte read to the last rating stored (or produced and acknowledged). */
  cdrsPerSec: number;
}

const RAW_CHARS = 1000;

/** The files of the paths: files as given, folders' files sorted by name. */
export function inputFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch (e) {
      throw errors.inputUnreadable(p, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (st.isFile()) files.push(p);
    else if (st.isDirectory()) {
      const inDir = readdirSync(p, { withFileTypes: true })
        .filter((d) => d.isFile() && !d.name.startsWith('.'))
        .map((d) => join(p, d.name))
        .sort();
      if (inDir.length === 0) throw errors.inputUnreadable(p, 'the folder holds no files');
      files.push(...inDir);
    } else throw errors.inputUnreadable(p, 'not a regular file or folder');
  }
  return files;
}

/** One rejected line or refused CDR, as written to the dead-letter file. */
interface Rejection {
  at: string;
  code: string;
  reason: string;
  line: string;
}

const cutRaw = (s: string, bytes?: number): string =>
  s.length > RAW_CHARS ? `${s.slice(0, RAW_CHARS)}… (${bytes ?? Buffer.byteLength(s)} bytes, cut)` : s;

/**
 * The dead-letter file, written anew (its folder made), opened before any line is read: one that
 * cannot be written (a folder, no permission) is OUTPUT_UNWRITABLE, not a stream error later.
 */
function openDeadLetterFile(file: string): WriteStream {
  let fd: number;
  try {
    mkdirSync(dirname(file) || '.', { recursive: true });
    fd = openSync(file, 'w');
  } catch (e) {
    throw errors.outputUnwritable(file, `dead-letter file cannot be written: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return createWriteStream(file, { fd });
}

/** The subscriber directory of a book, or null when no account lists numbers or SIP users. */
export function directoryOf(accounts: AccountBook, where: string): Directory | null {
  for (const a of accounts.values()) if (a.lines.size > 0) return Directory.compile(accounts, where);
  return null;
}

/** Imports CDR files; prints a summary line per file and returns the counts. */
export async function importFiles(cfg: Config, opts: ImportOptions, deps: ImportDeps): Promise<ImportResult> {
  const t0 = performance.now();
  const print = deps.print ?? console.log;
  const files = inputFiles(opts.paths);
  const directory = directoryOf(deps.accounts, deps.accountsFile);
  const source = createSource({ format: opts.format, mapping: opts.mapping, accounts: deps.accounts, directory });
  const { limits } = limitsOf(cfg);
  const batchSize = opts.batchSize ?? cfg.rater.batchSize;
  const deliver = opts.to === 'store' ? storeDelivery(cfg, opts, deps, batchJobWriter(cfg.writer)) : kafkaDelivery(cfg, deps);
  const dlq = openDeadLetterFile(opts.deadLetterFile);
  const totalBytes = files.reduce((s, f) => s + statSync(f).size, 0);
  const progress = createProgress(opts.progress);
  progress.start('import (bytes)', totalBytes);
  const summaries: FileSummary[] = [];
  let doneBytes = 0;
  // The rate is from the first byte read to the last rating stored (or produced): the directory's
  // compile is setup, left out as the month job leaves out its generation (the workers, started
  // with the delivery, are still starting then: in the figure, as in the month job's).
  const tRead = performance.now();
  let readMs = 0;
  try {
    for (const file of files) {
      const summary = await importFile(file, source, { limits, batchSize, deliver, dlq }, (n) => {
        doneBytes += n;
        progress.update(doneBytes);
      });
      summaries.push(summary);
    }
    // Records a source still holds (a Kamailio INVITE whose BYE never came): dead letters too.
    source.finish?.((at, code, reason) => {
      const s = summaries.find((x) => x.file === at.file) ?? (summaries.at(-1) as FileSummary);
      s.rejected[code] = (s.rejected[code] ?? 0) + 1;
      const r: Rejection = { at: `${at.file}:${at.line}`, code, reason, line: cutRaw(at.raw) };
      dlq.write(`${JSON.stringify(r)}\n`);
    });
    await deliver.finish();
    readMs = performance.now() - tRead;
  } finally {
    await deliver.close?.();
    progress.stop();
    await new Promise<void>((r) => dlq.end(r));
  }
  for (const s of summaries) print(summaryLine(s));
  const sum = (k: 'lines' | 'cdrs' | 'replays') => summaries.reduce((n, s) => n + s[k], 0);
  const rejected = summaries.reduce((n, s) => n + Object.values(s.rejected).reduce((a, b) => a + b, 0), 0);
  const elapsedMs = performance.now() - t0;
  const cdrs = sum('cdrs');
  const unanswered = summaries.reduce((n, s) => n + Object.values(s.unanswered).reduce((a, b) => a + b, 0), 0);
  const result: ImportResult = {
    files: summaries,
    lines: sum('lines'),
    cdrs,
    rejected,
    replays: sum('replays'),
    unanswered,
    elapsedMs,
    cdrsPerSec: Math.round(cdrs / Math.max(0.001, readMs / 1000)),
  };
  const months = [...new Set(summaries.flatMap((s) => s.months))].sort();
  print(
    `import: ${files.length} file(s), ${result.lines} lines, ${cdrs} CDRs ${opts.to === 'store' ? `rated (${result.replays} of them replays, already rated)` : `produced to ${cfg.kafka.cdrTopic}`}${unanswered > 0 ? ` (${unanswered} unanswered, no charge)` : ''}, ${rejected} rejected (${opts.deadLetterFile}), ${(elapsedMs / 1000).toFixed(1)} s`,
  );
  if (opts.to === 'store' && months.length > 0)
    print(`next: ratel invoice --month ${months.map(monthLabel).join(' / ')} --accounts-file ${deps.accountsFile}`);
  return result;
}

export function summaryLine(s: FileSummary): string {
  const rejected = Object.entries(s.rejected)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  const total = Object.values(s.rejected).reduce((a, b) => a + b, 0);
  const filtered = Object.entries(s.filteredBy)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const unanswered = Object.entries(s.unanswered)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([why, n]) => `${why} ${n}`)
    .join(', ');
  return `${s.file}: ${s.lines} lines, ${s.cdrs} CDRs, ${s.filtered} filtered${filtered ? ` [${filtered}]` : ''}, ${total} rejected${total ? ` (${rejected})` : ''}, ${s.replays} replays${unanswered ? `; unanswered, no charge: ${unanswered}` : ''}`;
}

/** Where a file's CDRs go, a batch at a time. */
interface Delivery {
  /** Rates or sends a batch; returns the CDRs refused (dead letters with their batch index), replays and ratings. */
  batch(cdrs: Cdr[]): Promise<{ dead: EngineOutput['dead']; replays: number; rated: number; months: number[] }>;
  finish(): Promise<void>;
  /** Releases what the delivery holds (the rating workers), whether it finished or not. */
  close?(): Promise<void>;
  /**
   * Batches a file may keep in flight while its next lines are read (0 or absent: each batch is
   * delivered before the next is read). Their results are taken in the order they were given.
   */
  depth?: number;
}

/**
 * Rates into the store through a RatingPool (rater.threads workers, each rating its shard of
 * the accounts): account-months restored from the store (so a second import of the same CDRs
 * finds them as replays), rows archived and stored, dead letters in the store's dead_letters
 * table too. The workers rate a batch while the file's next lines are read and earlier rows are stored.
 */
function storeDelivery(
  cfg: Config,
  opts: ImportOptions,
  deps: ImportDeps,
  /** How rows are grouped into inserts: batchJobWriter (one-shot imports) or spoolWriter (--watch). */
  jobWriter: { minRows: number; maxDelayMs: number; maxPendingRows: number },
): Delivery {
  const store = deps.store;
  if (!store) throw new Error('importFiles: to "store" needs deps.store');
  const { sink, writer } = groupedStoreSink(store, jobWriter);
  const maxPending = jobWriter.maxPendingRows;
  const pool = new RatingPool(
    { catalog: deps.catalog, accounts: deps.accounts, ...limitsOf(cfg) },
    { history: storeHistory(store), sink },
    { threads: cfg.rater.threads, encoder: rowsEncoderFor(store), now: opts.now ?? Date.now },
  );
  let failed: unknown = null;
  /** The last batch's delivery: a batch's dead letters and alerts follow those of the batch before it. */
  let previous: Promise<unknown> = Promise.resolve();
  const after = async (rating: Promise<PoolBatchResult>, before: Promise<unknown>) => {
    const out = await rating;
    out.stored.catch((e: unknown) => {
      failed ??= e;
    });
    await before.catch(() => {});
    // Earlier batches' rows are stored while this one is rated, up to maxPending of them.
    if (writer.pending >= maxPending) await writer.below(maxPending);
    if (failed !== null) throw failed;
    if (out.dead.length > 0) {
      const now = Date.now();
      await writeDeadLetters(
        store,
        out.dead.map((d) => deadLetterRow({ key: d.cdr_id, code: d.code, reason: d.reason, frame: null, cdr: d.cdr, held: d.held }, now)),
      );
    }
    // Raised again with the same ids when the batch is imported again (its account-months restored), so at least once.
    if (deps.alerts !== undefined && out.alerts.length > 0) await deps.alerts.send(out.alerts);
    return { dead: out.dead, replays: out.replays, rated: out.rated, months: out.months };
  };
  return {
    // The workers rate a batch while the file's next lines are read and the one before is stored.
    depth: 2,
    batch(cdrs) {
      // The CDRs are split by shard and handed to the workers now; the workers rate a shard's
      // batches in the order given.
      const done = after(pool.rateCdrs(cdrs), previous);
      previous = done;
      return done;
    },
    async finish() {
      await previous.catch(() => {});
      await pool.drain();
      if (failed !== null) throw failed;
    },
    close: () => pool.close(),
  };
}

/** Produces the CDRs as cdr.v1 frames to the CDR topic, keyed by account (the rating happens in `ratel run`). */
function kafkaDelivery(cfg: Config, deps: ImportDeps): Delivery {
  const { kafka, codec } = deps;
  if (!kafka || !codec) throw new Error('importFiles: to "kafka" needs deps.kafka and deps.codec');
  // Frames are sent 100,000 CDRs at a time (one producer connection each), encoded ahead.
  let held: Cdr[] = [];
  const send = async () => {
    if (held.length === 0) return;
    const chunks = encodeFrames(codec, held, 2000);
    held = [];
    await produceFrames(kafka, cfg, chunks, { rate: 0 });
  };
  return {
    async batch(cdrs) {
      for (const c of cdrs) held.push(c);
      if (held.length >= 100_000) await send();
      return { dead: [], replays: 0, rated: 0, months: [] };
    },
    finish: send,
  };
}

interface FileContext {
  limits: ReturnType<typeof limitsOf>['limits'];
  batchSize: number;
  deliver: Delivery;
  dlq: WriteStream;
}

const CHUNK_BYTES = 4 * 1024 * 1024;
const MAX_FILTER_REASONS = 100;

/** The summary's label of calls answered for 0 s (nothing billable either). */
export const ANSWERED_0_S = 'ANSWERED 0 s';

/**
 * Counts the calls of a batch with nothing billable: not answered, by disposition and SIP status
 * ("BUSY 486"), or answered for 0 s (ANSWERED_0_S). The CDRs refused are dead letters, not counted.
 */
function countUnanswered(into: Record<string, number>, cdrs: Cdr[], dead: EngineOutput['dead']): void {
  const refused = dead.length > 0 ? new Set(dead.map((d) => d.index)) : null;
  for (let i = 0; i < cdrs.length; i++) {
    const v = (cdrs[i] as Cdr).voice;
    if (v === null || (v.disposition === 'ANSWERED' && v.billable_s > 0) || refused?.has(i)) continue;
    const why = v.disposition === 'ANSWERED' ? ANSWERED_0_S : `${v.disposition} ${v.sip_status}`;
    into[why] = (into[why] ?? 0) + 1;
  }
}

/** A batch of a file's CDRs, with each one's line number and text (for its dead letter). */
interface FullBatch {
  cdrs: Cdr[];
  lines: number[];
  raw: string[];
}

async function importFile(file: string, source: CdrSource, ctx: FileContext, onBytes: (n: number) => void): Promise<FileSummary> {
  const summary: FileSummary = {
    file,
    bytes: 0,
    lines: 0,
    cdrs: 0,
    filtered: 0,
    filteredBy: Object.create(null) as Record<string, number>,
    rejected: {},
    replays: 0,
    rated: 0,
    months: [],
    unanswered: Object.create(null) as Record<string, number>,
  };
  const months = new Set<number>();
  let filterReasons = 0;
  const res: LineResult = newLineResult();
  let batch: Cdr[] = [];
  let batchLines: number[] = [];
  let batchRaw: string[] = [];
  const full: FullBatch[] = [];
  const rejectLine = (lineNo: number, code: string, reason: string, raw: string, bytes?: number) => {
    summary.rejected[code] = (summary.rejected[code] ?? 0) + 1;
    const r: Rejection = { at: `${file}:${lineNo}`, code, reason, line: cutRaw(raw, bytes) };
    ctx.dlq.write(`${JSON.stringify(r)}\n`);
  };
  const sink = {
    line(text: string, lineNo: number) {
      // A header the mapping cannot use throws INPUT_UNREADABLE: the file is not of this format.
      source.read(text, lineNo, res);
      if (res.status === LineStatus.SKIPPED) return;
      if (res.status === LineStatus.FILTERED) {
        summary.filtered++;
        // Reasons are a few labels; past MAX_FILTER_REASONS distinct ones the rest are counted together.
        const by = summary.filteredBy;
        const reason = by[res.reason] !== undefined || filterReasons < MAX_FILTER_REASONS ? res.reason || 'filtered' : 'other reasons';
        if (by[reason] === undefined) filterReasons++;
        by[reason] = (by[reason] ?? 0) + 1;
        return;
      }
      if (res.status === LineStatus.REJECTED) return rejectLine(lineNo, res.code, res.reason, text);
      const cdr = res.cdr as Cdr;
      const bad = checkCdr(cdr);
      if (bad !== null) return rejectLine(lineNo, 'CDR_MALFORMED', bad, text);
      const over = checkLimits(cdr, ctx.limits);
      if (over !== null) return rejectLine(lineNo, 'CDR_OUT_OF_RANGE', over, text);
      summary.cdrs++;
      batch.push(cdr);
      batchLines.push(lineNo);
      batchRaw.push(text);
      if (batch.length >= ctx.batchSize) {
        full.push({ cdrs: batch, lines: batchLines, raw: batchRaw });
        batch = [];
        batchLines = [];
        batchRaw = [];
      }
    },
    tooLong(head: string, bytes: number, lineNo: number) {
      rejectLine(lineNo, 'CDR_MALFORMED', `line of ${bytes} bytes, longer than ${4 * 1024 * 1024}`, head, bytes);
    },
  };
  const take = (b: FullBatch, r: Awaited<ReturnType<Delivery['batch']>>) => {
    summary.replays += r.replays;
    summary.rated += r.rated;
    for (const m of r.months) months.add(m);
    for (const d of r.dead) {
      const k = d.index;
      rejectLine(k >= 0 ? (b.lines[k] as number) : 0, d.code, d.reason, k >= 0 ? (b.raw[k] as string) : '');
    }
    countUnanswered(summary.unanswered, b.cdrs, r.dead);
  };
  /** Batches given to the delivery whose results are not taken yet, oldest first. */
  const inFlight: { b: FullBatch; out: ReturnType<Delivery['batch']> }[] = [];
  /** Hands the full batches to the delivery, then takes results until at most `keep` are in flight. */
  const flush = async (keep: number) => {
    try {
      for (;;) {
        while (inFlight.length > keep) {
          const f = inFlight.shift() as (typeof inFlight)[number];
          take(f.b, await f.out);
        }
        const b = full.shift();
        if (b === undefined) return;
        const out = ctx.deliver.batch(b.cdrs);
        out.catch(() => {}); // taken above, in order
        inFlight.push({ b, out });
      }
    } catch (e) {
      // The batches still in flight settle before the error is told.
      await Promise.allSettled(inFlight.splice(0).map((f) => f.out));
      throw e;
    }
  };
  const depth = ctx.deliver.depth ?? 0;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw errors.inputUnreadable(file, `cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const lines = new LineSplitter();
  source.startFile(file);
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK_BYTES, null);
      if (n === 0) break;
      summary.bytes += n;
      lines.push(buf.subarray(0, n), sink);
      onBytes(n);
      await flush(depth);
    }
    lines.end(sink);
    if (batch.length > 0) full.push({ cdrs: batch, lines: batchLines, raw: batchRaw });
    await flush(0);
  } catch (e) {
    // A file that fails part way (unreadable, a line its format refuses): the batches before it settle first.
    await Promise.allSettled(inFlight.splice(0).map((f) => f.out));
    throw e;
  } finally {
    closeSync(fd);
  }
  summary.lines = lines.lines;
  summary.months = [...months].sort();
  return summary;
}

/**
 * A failure of where the CDRs go (the store, the brokers, the dead-letter file), not of the file
 * being read: the file is not to blame and is imported again once delivery works (the cause in
 * `cause`).
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** Called around each batch of a file (the spool watcher's progress, stop and test pause). */
export interface BatchHooks {
  /** Before a batch is delivered; throwing stops the file there (the batches before it are delivered first). */
  before?: () => void | Promise<void>;
  /** After a batch is delivered, with the file's CDRs delivered so far. */
  after?: (cdrs: number) => void;
}

/** Imports files one at a time through one delivery kept open (`ratel import --watch`). */
export interface FileImporter {
  /**
   * Imports one file, its rejected lines written anew to `deadLetterFile`, and resolves once the
   * file's CDRs are stored (into the store) or produced and acknowledged (to Kafka). A failure of
   * the delivery rejects with a DeliveryError; any other error is the file's (INPUT_UNREADABLE...).
   */
  importOne(file: string, deadLetterFile: string, hooks?: BatchHooks): Promise<FileSummary>;
}

export function createFileImporter(
  cfg: Config,
  opts: Pick<ImportOptions, 'format' | 'mapping' | 'to' | 'now' | 'batchSize'>,
  deps: ImportDeps,
): FileImporter {
  const directory = directoryOf(deps.accounts, deps.accountsFile);
  const source = createSource({ format: opts.format, mapping: opts.mapping, accounts: deps.accounts, directory });
  // A source that pairs records across files (kamailio-acc: a call's BYE may be in a file the
  // switch has not written yet) would hold records in memory past the file they came in, and a
  // restart would lose them once that file is in done/: refused rather than half done.
  if (source.finish !== undefined)
    throw errors.usageInvalid(
      `--watch cannot take --format ${opts.format}: its records are paired across the files of one import, and a spool folder's files come one at a time (a call's BYE may be in a file not written yet). Import such files together with \`ratel import --format ${opts.format} FILES\`, or watch Kamailio's dialog CDRs (cdr_enable) with --format kamailio`,
    );
  const { limits } = limitsOf(cfg);
  const batchSize = opts.batchSize ?? cfg.rater.batchSize;
  const deliver =
    opts.to === 'store'
      ? storeDelivery(cfg, { ...opts, paths: [], deadLetterFile: '', progress: false }, deps, spoolWriter(cfg.writer))
      : kafkaDelivery(cfg, deps);
  const finish = async () => {
    try {
      await deliver.finish();
    } catch (e) {
      throw new DeliveryError(e);
    }
  };
  return {
    async importOne(file, deadLetterFile, hooks = {}) {
      let dlq: WriteStream;
      try {
        dlq = openDeadLetterFile(deadLetterFile);
      } catch (e) {
        throw new DeliveryError(e); // where the dead letters go is not the file's fault
      }
      let dlqError: Error | null = null;
      dlq.on('error', (e) => {
        dlqError = e;
      });
      let delivered = 0;
      const wrapped: Delivery = {
        async batch(cdrs) {
          await hooks.before?.();
          let r: Awaited<ReturnType<Delivery['batch']>>;
          try {
            r = await deliver.batch(cdrs);
          } catch (e) {
            throw new DeliveryError(e);
          }
          delivered += cdrs.length;
          hooks.after?.(delivered);
          return r;
        },
        finish,
      };
      const end = () => new Promise<void>((r) => (dlq.writableEnded ? r() : dlq.end(r)));
      try {
        const summary = await importFile(file, source, { limits, batchSize, deliver: wrapped, dlq }, () => {});
        await finish();
        await end();
        if (dlqError !== null) throw new DeliveryError(errors.outputUnwritable(deadLetterFile, (dlqError as Error).message));
        return summary;
      } catch (e) {
        await end();
        if (e instanceof DeliveryError) throw e;
        // The batches delivered before the error are stored (or sent) before it is told.
        await finish();
        throw e;
      }
    },
  };
}
