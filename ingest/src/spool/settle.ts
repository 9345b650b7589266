/**
 * When a file of the spool folder is complete. The watcher shows it every look at a file (its
 * inode, size and mtime, or that it is gone) and, when it can, which files a process holds open
 * for writing (writers.ts); it says which files are complete, how it knows, and when to look
 * again. A file is complete when no process holds it open for writing and:
 *
 *   rename    it arrived under its name by a rename: from a name the folder ignores (`x.tmp` to
 *             `x`, rsync's `.x.Ab12Cd` to `x`: the same inode was seen under the ignored name),
 *             or, when first seen, it is not empty and its ctime is later than its mtime
 *             (renamed, moved or linked after its last write: every write sets both, a rename
 *             only the ctime; the kernel stamps them per clock tick, so a rename in the tick of
 *             the last write is not seen, and a chmod while writing looks like a rename);
 *   moved-in  when first seen, it was unchanged for settleMs already (copied in with its mtime
 *             kept, or there when the watcher started);
 *   close     a scan saw a process holding it open for writing, and a later scan sees none;
 *   age       its inode, size and mtime have been unchanged for settleMs (mtime and our looks).
 *
 * A file that changes is never complete until one of these holds again. Pure logic on an
 * injected clock: no file system here.
 */

export type ReadyBy = 'rename' | 'moved-in' | 'close' | 'age';

export interface FileStat {
  ino: number;
  size: number;
  mtimeMs: number;
  /** The inode's change time: a write sets it with the mtime, a rename, link or chmod alone. */
  ctimeMs: number;
}

export const sameStat = (a: FileStat, b: FileStat): boolean => a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

export interface Complete {
  name: string;
  by: ReadyBy;
  stat: FileStat;
  /** When the file was first seen. */
  seenMs: number;
}

export interface SettleOptions {
  settleMs: number;
  /** While a file is written or held open, writers are looked for at most this often. */
  writerScanMs: number;
  /** A file held open for writing is looked at again after writerScanMs, doubling up to this. */
  maxLookMs: number;
  now: () => number;
}

interface Candidate {
  stat: FileStat;
  seenMs: number;
  /** When it was first seen or last seen to change. */
  changedMs: number;
  arrived: 'rename' | 'moved-in' | null;
  /** A writer scan found it held open for writing. */
  sawWriter: boolean;
  /** Consecutive scans that found it held (the backoff). */
  heldScans: number;
  nextLookMs: number;
}

/** Inodes seen under ignored names, kept at most this many (the oldest forgotten first). */
const TEMP_INODES = 10_000;

export class Settler {
  private readonly files = new Map<string, Candidate>();
  private readonly tempInodes = new Map<number, number>();

  constructor(private readonly opts: SettleOptions) {}

  /** Files waiting to be complete. */
  get size(): number {
    return this.files.size;
  }

  has(name: string): boolean {
    return this.files.has(name);
  }

  names(): string[] {
    return [...this.files.keys()];
  }

  /** Files some scan found held open for writing (and still so at the last one). */
  heldCount(): number {
    let n = 0;
    for (const c of this.files.values()) if (c.heldScans > 0) n++;
    return n;
  }

  /** A regular file under an ignored name: its inode is remembered, should it be renamed to a name imported. */
  observeIgnored(stat: FileStat): void {
    this.tempInodes.delete(stat.ino);
    this.tempInodes.set(stat.ino, this.opts.now());
    if (this.tempInodes.size > TEMP_INODES) {
      const oldest = this.tempInodes.keys().next().value as number;
      this.tempInodes.delete(oldest);
    }
  }

  /** A look at a file: its stat now, or null when it is gone (or no longer a regular file). */
  observe(name: string, stat: FileStat | null): void {
    const now = this.opts.now();
    const c = this.files.get(name);
    if (stat === null) {
      this.files.delete(name);
      return;
    }
    if (c !== undefined && c.stat.ino === stat.ino) {
      if (sameStat(c.stat, stat)) return;
      c.stat = stat;
      c.changedMs = now;
      c.arrived = null;
      // Being written: while a writer was seen, look again soon for its close.
      c.nextLookMs = now + (c.sawWriter ? Math.min(this.opts.settleMs, this.opts.writerScanMs) : this.opts.settleMs);
      return;
    }
    // New, or another file now has this name (renamed over it).
    const arrived =
      this.tempInodes.delete(stat.ino) || (stat.ctimeMs > stat.mtimeMs && stat.size > 0)
        ? 'rename'
        : now - stat.mtimeMs >= this.opts.settleMs
          ? 'moved-in'
          : null;
    this.files.set(name, {
      stat,
      seenMs: now,
      changedMs: now,
      arrived,
      sawWriter: false,
      heldScans: 0,
      nextLookMs: arrived !== null ? now : Math.max(now, stat.mtimeMs) + this.opts.settleMs,
    });
  }

  /** Forgets a file (taken for import; it is observed anew if it stays). */
  forget(name: string): void {
    this.files.delete(name);
  }

  /** Names whose look is due: their stat should be taken now. */
  due(): string[] {
    const now = this.opts.now();
    const out: string[] = [];
    for (const [name, c] of this.files) if (c.nextLookMs <= now) out.push(name);
    return out;
  }

  private aged(c: Candidate, now: number): boolean {
    return now - Math.max(c.changedMs, c.stat.mtimeMs) >= this.opts.settleMs;
  }

  /** Whether a writer scan is worth doing now (after the due files were observed). */
  wantsScan(lastScanMs: number): boolean {
    const now = this.opts.now();
    for (const c of this.files.values()) {
      if (c.nextLookMs > now) continue;
      // A decision is due: complete unless a writer holds it.
      if (c.arrived !== null || c.sawWriter || this.aged(c, now)) return true;
    }
    if (now - lastScanMs < this.opts.writerScanMs) return false;
    // Being written: a scan may catch the writer (then its close says the file is complete).
    for (const c of this.files.values()) if (now - c.changedMs < this.opts.settleMs) return true;
    return false;
  }

  /**
   * The files complete now, each forgotten as it is returned. `held`: the files a scan just found
   * held open for writing; null when writers are not looked for (off, or no /proc): then rename,
   * moved-in and age decide alone. `scanned` is false when writers are looked for but were not
   * this time: then nothing is complete (wantsScan said no decision was due).
   */
  complete(held: ReadonlySet<string> | null, scanned: boolean): Complete[] {
    const now = this.opts.now();
    const out: Complete[] = [];
    const checking = held !== null;
    for (const [name, c] of this.files) {
      if (checking && scanned && held.has(name)) {
        c.sawWriter = true;
        c.heldScans++;
        c.nextLookMs = now + Math.min(this.opts.maxLookMs, this.opts.writerScanMs * 2 ** Math.min(20, c.heldScans - 1));
        continue;
      }
      if (checking && scanned) c.heldScans = 0;
      if (c.nextLookMs > now) continue;
      const by: ReadyBy | null = c.arrived !== null ? c.arrived : checking && c.sawWriter ? 'close' : this.aged(c, now) ? 'age' : null;
      if (by === null) c.nextLookMs = Math.max(c.changedMs, c.stat.mtimeMs) + this.opts.settleMs;
      else if (checking && !scanned) c.nextLookMs = now + this.opts.writerScanMs;
      else out.push({ name, by, stat: c.stat, seenMs: c.seenMs });
    }
    for (const r of out) this.files.delete(r.name);
    return out;
  }

  /** When the next look is due (null: no file waits). */
  nextLookMs(): number | null {
    let next: number | null = null;
    for (const c of this.files.values()) if (next === null || c.nextLookMs < next) next = c.nextLookMs;
    return next;
  }
}
