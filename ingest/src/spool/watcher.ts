/**
 * The spool watcher: imports the files of a folder as they become complete, one at a time, and
 * moves each to `done/` or `failed/` with its summary once its ratings are stored (README.md).
 *
 * It looks at a file when fs.watch tells of it (a short debounce gathers the events of a burst),
 * when settle.ts asks for a look (a file settling, one held open), and at each rescan of the
 * folder every `rescanMs` (fs.watch can miss events, and a folder that went away is watched
 * again). Nothing polls while no file waits: the rescan is one readdir.
 *
 * A failure of the delivery (store, brokers) stops the watcher with `failed` rejected: the file is
 * left in the folder and imported again from its start by the next run, where the CDRs already
 * stored are replays. A stop abandons the file being imported at its next batch the same way.
 */
import { type FSWatcher, mkdirSync, readdirSync, realpathSync, rmSync, type Stats, statSync, watch } from 'node:fs';
import { join, relative } from 'node:path';
import { monthLabel } from '@ratel/aggregator';
import { errors, isRatelError } from '@ratel/schemas';
import { DeliveryError, type FileImporter, type FileSummary } from '../import.js';
import type { Logger } from '../logger.js';
import type { SpoolMetrics } from './metrics.js';
import { type Outcome, placeFile } from './outcome.js';
import { type Complete, type FileStat, Settler, sameStat } from './settle.js';
import type { WriterScan } from './writers.js';

export interface SpoolWatcherOptions {
  dir: string;
  settleMs: number;
  rescanMs: number;
  /** Names never imported (temporary names: their inodes are remembered for the rename rule). */
  ignore: RegExp;
  /** How writers are found (writers.ts), or null: not looked for. */
  writers: WriterScan | null;
  importer: FileImporter;
  log: Logger;
  metrics: SpoolMetrics;
  /** What the summaries say of the import. */
  format: string;
  to: 'store' | 'kafka';
  /** Test only: a pause before each batch, so a test can kill the process in the middle of a file. */
  batchPauseMs?: number;
  now?: () => number;
}

/** Thrown by the batch hook once a stop was asked: the file is left for the next run. */
class Abandoned extends Error {}

/** fs.watch events are gathered this long before a look. */
const EVENT_DELAY_MS = 100;
/** While a file is written or held open, writers are looked for at most this often. */
const WRITER_SCAN_MS = 1000;
/** Where a file's dead letters are written while it is imported (a folder: never a candidate). */
export const WORK_DIR = '.ratel';

interface Queued extends Complete {
  readyMs: number;
}

const statOf = (st: Stats): FileStat => ({ ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs });

function regularStat(path: string): FileStat | null {
  try {
    const st = statSync(path);
    return st.isFile() ? statOf(st) : null;
  } catch {
    return null;
  }
}

/** Whether no line of the file became a rating: it had lines rejected and none filtered, rated or replayed. */
export function everyLineRejected(s: FileSummary, to: 'store' | 'kafka'): boolean {
  const rejected = Object.values(s.rejected).reduce((a, b) => a + b, 0);
  if (rejected === 0 || s.filtered > 0) return false;
  return to === 'kafka' ? s.cdrs === 0 : s.rated + s.replays === 0;
}

export class SpoolWatcher {
  /** Rejects with the delivery's error when the store or the brokers fail (the watcher has stopped). */
  readonly failed: Promise<never>;
  private rejectFailed: (e: unknown) => void = () => {};
  private readonly dir: string;
  private readonly realDir: string;
  private readonly workDir: string;
  private readonly settler: Settler;
  private readonly now: () => number;
  private fsw: FSWatcher | null = null;
  private queue: Queued[] = [];
  private readonly queued = new Set<string>();
  private current: string | null = null;
  private working: Promise<void> | null = null;
  private stopping = false;
  private hasFailed = false;
  private listed = false;
  private readonly events = new Set<string>();
  private eventTimer: NodeJS.Timeout | null = null;
  private lookTimer: NodeJS.Timeout | null = null;
  private rescanTimer: NodeJS.Timeout | null = null;
  private lastScanMs = Number.NEGATIVE_INFINITY;
  private idleWaiters: (() => void)[] = [];

  private constructor(private readonly opts: SpoolWatcherOptions) {
    this.dir = opts.dir;
    this.now = opts.now ?? Date.now;
    this.failed = new Promise<never>((_, reject) => {
      this.rejectFailed = reject;
    });
    this.failed.catch(() => {});
    let st: Stats;
    try {
      st = statSync(opts.dir);
    } catch (e) {
      throw errors.inputUnreadable(
        opts.dir,
        `spool folder (--watch) cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    if (!st.isDirectory()) throw errors.inputUnreadable(opts.dir, 'spool folder (--watch) is not a folder');
    this.realDir = realpathSync(opts.dir);
    this.workDir = join(opts.dir, WORK_DIR);
    try {
      // Dead letters of a file a previous run did not finish: that file is imported again.
      rmSync(this.workDir, { recursive: true, force: true });
      for (const d of [WORK_DIR, 'done', 'failed']) mkdirSync(join(opts.dir, d), { recursive: true });
    } catch (e) {
      throw errors.outputUnwritable(
        opts.dir,
        `spool folder (--watch) is not writable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    this.settler = new Settler({ settleMs: opts.settleMs, writerScanMs: WRITER_SCAN_MS, maxLookMs: opts.rescanMs, now: this.now });
  }

  /** Starts watching: the files already in the folder are looked at at once. */
  static start(opts: SpoolWatcherOptions): SpoolWatcher {
    const w = new SpoolWatcher(opts);
    w.watchFolder();
    w.rescan();
    w.rescanTimer = setInterval(() => w.rescan(), opts.rescanMs);
    return w;
  }

  /** Watching the folder, not stopping, delivery working (/readyz). */
  isReady(): boolean {
    return this.listed && this.fsw !== null && !this.stopping;
  }

  /** Stops: no file is started after this; the file being imported is abandoned at its next batch. */
  async stop(): Promise<void> {
    this.halt();
    await this.working;
  }

  /** Resolves once no file waits or is imported (tests). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private isIdle(): boolean {
    return this.settler.size === 0 && this.queue.length === 0 && this.current === null && this.events.size === 0;
  }

  private halt(): void {
    this.stopping = true;
    for (const t of [this.eventTimer, this.lookTimer]) if (t) clearTimeout(t);
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    this.eventTimer = this.lookTimer = this.rescanTimer = null;
    this.fsw?.close();
    this.fsw = null;
  }

  private fail(e: unknown): void {
    if (this.hasFailed) return;
    this.hasFailed = true;
    this.halt();
    this.rejectFailed(e);
  }

  private watchFolder(): void {
    try {
      const w = watch(this.dir, { persistent: true }, (_event, name) => {
        if (name === null) this.rescan();
        else this.event(String(name));
      });
      w.on('error', (e) => {
        this.opts.log.error({ dir: this.dir, err: e.message }, 'spool folder watch failed: watched again at the next rescan');
        w.close();
        if (this.fsw === w) this.fsw = null;
      });
      this.fsw = w;
    } catch (e) {
      this.fsw = null;
      this.opts.log.error({ dir: this.dir, err: (e as Error).message }, 'cannot watch the spool folder: tried again at the next rescan');
    }
  }

  private event(name: string): void {
    if (this.stopping) return;
    // A temporary name is looked at now: renamed to its final name within the gathering delay,
    // it would be gone, and its inode unknown to the rename rule.
    if (this.opts.ignore.test(name)) {
      const stat = regularStat(join(this.dir, name));
      if (stat !== null) this.settler.observeIgnored(stat);
      return;
    }
    this.events.add(name);
    if (this.eventTimer === null)
      this.eventTimer = setTimeout(() => {
        this.eventTimer = null;
        this.round();
      }, EVENT_DELAY_MS);
  }

  /** Lists the folder: names not known are looked at, known ones gone are forgotten. */
  private rescan(): void {
    if (this.stopping) return;
    if (this.fsw === null) this.watchFolder();
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (e) {
      this.listed = false;
      this.opts.log.error({ dir: this.dir, err: (e as Error).message }, 'cannot list the spool folder');
      return;
    }
    this.listed = true;
    const present = new Set(names);
    for (const name of names) if (!this.settler.has(name) && !this.isTaken(name)) this.events.add(name);
    for (const name of this.settler.names()) if (!present.has(name)) this.settler.observe(name, null);
    this.round();
  }

  private isTaken(name: string): boolean {
    return this.current === name || this.queued.has(name);
  }

  private look(name: string): void {
    if (this.isTaken(name)) return;
    const stat = regularStat(join(this.dir, name));
    if (stat !== null && this.opts.ignore.test(name)) this.settler.observeIgnored(stat);
    else this.settler.observe(name, stat);
  }

  /** Looks at the files due, looks for writers when a decision needs it, queues the files complete. */
  private round(): void {
    if (this.stopping) return;
    const names = new Set([...this.events, ...this.settler.due()]);
    this.events.clear();
    for (const name of names) this.look(name);
    let held: Set<string> | null = null;
    let scanned = false;
    const scan = this.opts.writers;
    if (scan !== null) {
      held = new Set();
      if (this.settler.size > 0 && this.settler.wantsScan(this.lastScanMs)) {
        const paths = new Map(this.settler.names().map((n) => [join(this.realDir, n), n]));
        const t0 = performance.now();
        for (const p of scan(new Set(paths.keys()))) held.add(paths.get(p) as string);
        this.opts.metrics.writerScans.inc();
        this.opts.metrics.writerScanSeconds.inc((performance.now() - t0) / 1000);
        this.lastScanMs = this.now();
        scanned = true;
      }
    }
    const readyMs = this.now();
    const complete = this.settler.complete(held, scanned);
    if (complete.length > 0) {
      for (const c of complete) {
        this.queue.push({ ...c, readyMs });
        this.queued.add(c.name);
      }
      this.queue.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    this.gauges();
    this.armLook();
    this.kick();
    this.checkIdle();
  }

  private armLook(): void {
    if (this.lookTimer) clearTimeout(this.lookTimer);
    this.lookTimer = null;
    const next = this.settler.nextLookMs();
    if (next === null || this.stopping) return;
    this.lookTimer = setTimeout(
      () => {
        this.lookTimer = null;
        this.round();
      },
      Math.max(20, next - this.now()),
    );
  }

  private gauges(): void {
    const held = this.settler.heldCount();
    this.opts.metrics.pending.set({ state: 'settling' }, this.settler.size - held);
    this.opts.metrics.pending.set({ state: 'held' }, held);
    this.opts.metrics.pending.set({ state: 'ready' }, this.queue.length);
  }

  private checkIdle(): void {
    if (this.isIdle()) for (const r of this.idleWaiters.splice(0)) r();
  }

  private kick(): void {
    if (this.working !== null || this.stopping || this.queue.length === 0) return;
    this.working = (async () => {
      try {
        while (!this.stopping && this.queue.length > 0) {
          const next = this.queue.shift() as Queued;
          this.queued.delete(next.name);
          this.current = next.name;
          this.gauges();
          try {
            await this.importQueued(next);
          } finally {
            this.current = null;
          }
        }
      } catch (e) {
        this.fail(e);
      } finally {
        this.working = null;
        this.current = null;
        this.gauges();
        if (!this.stopping) this.round();
        this.checkIdle();
      }
    })();
  }

  private readonly beforeBatch = async (): Promise<void> => {
    const pause = this.opts.batchPauseMs ?? 0;
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    if (this.stopping) throw new Abandoned('stopping');
  };

  private async importQueued(q: Queued): Promise<void> {
    const { log, metrics } = this.opts;
    const path = join(this.dir, q.name);
    const before = regularStat(path);
    if (before === null) return;
    if (!sameStat(before, q.stat)) {
      this.settler.observe(q.name, before); // changed since it was judged complete: settles again
      return;
    }
    const startedMs = this.now();
    const t0 = performance.now();
    const dead = join(this.workDir, `${q.name}.dead-letters.jsonl`);
    let summary: FileSummary | null = null;
    let error: unknown = null;
    try {
      summary = await this.opts.importer.importOne(path, dead, {
        before: this.beforeBatch,
        after: (n) => metrics.currentCdrs.set(n),
      });
    } catch (e) {
      if (e instanceof DeliveryError) {
        log.error({ file: q.name, err: e.message }, 'delivery failed: the file stays, imported again at the next start');
        this.fail(e.cause);
        return;
      }
      if (e instanceof Abandoned) {
        log.info({ file: q.name }, 'import stopped: the file stays, imported again from its start at the next start');
        return;
      }
      error = e;
    } finally {
      metrics.currentCdrs.set(0);
    }
    const importMs = performance.now() - t0;
    const after = regularStat(path);
    if (after === null) {
      log.warn({ file: q.name }, 'file removed from the spool folder while imported: no summary');
      rmSync(dead, { force: true });
      return;
    }
    if (error === null && !sameStat(after, before)) {
      log.warn({ file: q.name }, 'file changed while imported: imported again once complete (replays bill nothing twice)');
      this.settler.observe(q.name, after);
      return;
    }
    const outcome: Outcome = error !== null || everyLineRejected(summary as FileSummary, this.opts.to) ? 'failed' : 'done';
    const finishedMs = this.now();
    const placed = placeFile(this.dir, path, outcome, dead, (p) =>
      this.summaryOf(q, outcome, summary, error, p, { startedMs, finishedMs, importMs }),
    );
    metrics.files.inc({ outcome });
    metrics.lastFile.set(finishedMs / 1000);
    metrics.fileSeconds.observe(importMs / 1000);
    const rejected = summary ? Object.values(summary.rejected).reduce((a, b) => a + b, 0) : 0;
    if (summary) {
      metrics.lines.inc(summary.lines);
      metrics.cdrs.inc(summary.cdrs);
      metrics.filtered.inc(summary.filtered);
      for (const n of Object.values(summary.unanswered)) metrics.unanswered.inc(n);
      metrics.replays.inc(summary.replays);
      for (const [code, n] of Object.entries(summary.rejected)) metrics.rejected.inc({ code }, n);
    }
    const line = {
      file: q.name,
      outcome,
      to: relative(this.dir, placed.path),
      by: q.by,
      lines: summary?.lines ?? 0,
      cdrs: summary?.cdrs ?? 0,
      filtered: summary?.filtered ?? 0,
      unanswered: summary ? Object.values(summary.unanswered).reduce((a, b) => a + b, 0) : 0,
      rejected,
      replays: summary?.replays ?? 0,
      ms: Math.round(importMs),
      ...(error !== null ? errorOf(error) : {}),
    };
    if (outcome === 'done') log.info(line, 'file imported');
    else log.warn(line, error !== null ? 'file failed' : 'file failed: every line rejected');
  }

  private summaryOf(
    q: Queued,
    outcome: Outcome,
    s: FileSummary | null,
    error: unknown,
    placed: { path: string; deadLetters: string | null },
    t: { startedMs: number; finishedMs: number; importMs: number },
  ): object {
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      file: q.name,
      outcome,
      movedTo: relative(this.dir, placed.path),
      error: error !== null ? errorOf(error) : null,
      format: this.opts.format,
      to: this.opts.to,
      readyBy: q.by,
      bytes: s?.bytes ?? q.stat.size,
      lines: s?.lines ?? 0,
      cdrs: s?.cdrs ?? 0,
      filtered: s?.filtered ?? 0,
      filteredBy: s?.filteredBy ?? {},
      unanswered: s?.unanswered ?? {},
      rejected: s?.rejected ?? {},
      rejectedTotal: s ? Object.values(s.rejected).reduce((a, b) => a + b, 0) : 0,
      replays: s?.replays ?? 0,
      rated: s?.rated ?? 0,
      months: (s?.months ?? []).map(monthLabel),
      deadLetters: placed.deadLetters === null ? null : relative(this.dir, placed.deadLetters),
      timings: {
        seenAt: iso(q.seenMs),
        readyAt: iso(q.readyMs),
        startedAt: iso(t.startedMs),
        finishedAt: iso(t.finishedMs),
        settleMs: q.readyMs - q.seenMs,
        queuedMs: t.startedMs - q.readyMs,
        importMs: Math.round(t.importMs),
      },
    };
  }
}

function errorOf(e: unknown): { code: string; reason: string } {
  if (isRatelError(e)) return { code: e.code, reason: e.message };
  return { code: 'UNEXPECTED', reason: e instanceof Error ? e.message : String(e) };
}
