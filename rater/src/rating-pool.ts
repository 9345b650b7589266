/**
 * Rating on every core: a batch is split by shard of accounts (shard.ts) and each shard is rated
 * by the worker that owns it (pool.ts), with a RatingSession of its own (rating-worker.ts). The
 * pipeline, the month job and `ratel import` all rate through it; `threads` workers give the
 * same ratings, versions and alerts as one.
 *
 * For each batch, on the main thread:
 *   1. each frame's account id is read from its Avro body (no decode) and the frame copied into
 *      its shard's buffer: one ArrayBuffer and its offsets per shard, transferred to the worker;
 *   2. each worker decodes every frame once, restores what it lacks, rates, and encodes the rows
 *      for the store; its rows come back as bytes (transferred) and go to the sink at once;
 *   3. the batch resolves with its dead letters (by batch index, the CDR decoded again here from
 *      its frame, only for them), alerts and counts; `stored` once every shard's rows are stored.
 *
 * The sessions' ports are served here: history reads go to the HistoryPort (with `retry`), each
 * worker asking only for its own accounts' account-months; a worker's drain waits until every
 * row it wrote has reached the sink, then for the sink's drain. The effectively-once order is the
 * session's: rows reach the sink before the caller commits anything. A failure in any shard makes
 * every shard forget (each rebuilds from the store, after the rows written so far have landed),
 * and the batch rejects with the failure.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type Cdr, cdrType, HEADER_BYTES, RatelError } from '@ratel/schemas';
import { contextImage } from './context-image.js';
import type { DeadLetter } from './engine.js';
import { createShardPool, type ShardPool } from './pool.js';
import type { RateContext } from './rate.js';
import { type Alert, maskOf } from './reasons.js';
import type { HistoryPort, SessionLog, StoredAccountMonth } from './session.js';
import { accountShard, bodyShard } from './shard.js';
import type { EncodedRows, PackedHistory, Reply, Request, ShardFailure, ShardResult, WorkerError } from './worker-protocol.js';

/** Where a batch's rows go, already encoded for the store by the workers. */
export interface EncodedRowsSink {
  /** Takes a shard's rows of a batch now; resolves once they are stored. */
  write(parts: readonly EncodedRows[]): Promise<void>;
  /** Resolves once every row written so far is stored. */
  drain(): Promise<void>;
  /**
   * Whether `write` copies the parts' bytes before it returns: the buffers they came in then go
   * back to the workers at once, not once stored.
   */
  readonly copies?: boolean;
}

export interface RatingPoolOptions {
  /** Rating workers (shards); default: the machine's cores. */
  threads?: number;
  /** The rows encoder the workers load: a module exporting createRowsEncoder(options) (see the aggregator's rows-encoder.ts). */
  encoder: { module: string; options?: unknown };
  /** The engine's clock (rating times, the date window), read once per batch. */
  now?: () => number;
  log?: SessionLog;
  /** Wraps each store read (e.g. retries while the store is down). */
  retry?: <T>(what: string, op: () => Promise<T>) => Promise<T>;
  /** How often a month refused for its catalog is looked at again (ms). */
  regateMs?: number;
}

/**
 * The frames of a batch: one Buffer each, or frames end to end in one buffer (frame k:
 * data[ends[k]..ends[k+1]], k in from..to-1). Confluent wire-format frames of schema `schemaId`,
 * or bare cdr.v1 Avro bodies with `framed: false`.
 */
export type FrameBatch = (
  | { frames: readonly (Buffer | null)[]; schemaId: number }
  | { data: Buffer; ends: ArrayLike<number>; from: number; to: number; schemaId: number }
) & { framed?: boolean };

/** A frame that is no CDR (framing, schema id, Avro body), by batch index. */
export interface BadFrame {
  index: number;
  code: 'CDR_MALFORMED';
  reason: string;
}

export interface PoolBatchResult {
  /** Frames that are no CDR. */
  bad: BadFrame[];
  /** CDRs the engine refused (index: the batch index), in batch order. */
  dead: DeadLetter[];
  alerts: Alert[];
  /** alertFrames[j]: the batch index of the CDR that raised alerts[j] (-1: not in the batch, e.g. a restored account-month). */
  alertFrames: number[];
  /** Rated events written: new ratings and new versions of re-rated calls. */
  rated: number;
  /** CDRs taken into their account-month (not replays). */
  accepted: number;
  replays: number;
  /** Billing months of the accepted CDRs. */
  months: number[];
  /** Account-months restored from the store for this batch. */
  restored: number;
  /** Resolves once the batch's rows are stored. */
  stored: Promise<void>;
}

const quiet: SessionLog = { info() {}, error() {} };

const STORE_READS: Record<string, string> = {
  archived: 'list archived account-months',
  load: 'load history',
  ratingCatalogs: 'rating catalogs',
  recordRatingCatalog: 'record rating catalog',
};

/** Writes of one worker that reached the sink: every one up to `upTo`, and those after it seen early. */
interface Received {
  upTo: number;
  early: Set<number>;
  waiting: { written: number; go: () => void }[];
}

export class RatingPool {
  readonly threads: number;
  private readonly pool: ShardPool;
  private readonly history: HistoryPort | null;
  private readonly sink: EncodedRowsSink;
  private readonly now: () => number;
  private readonly log: SessionLog;
  private readonly retry: <T>(what: string, op: () => Promise<T>) => Promise<T>;
  private epoch = 0;
  private readonly received = new Map<number, Received>();
  /** Errors met serving a worker's request, by `threadId:request`, rethrown as they were when its batch fails. */
  private readonly requestErrors = new Map<string, unknown>();
  /** Account-months the workers evicted so far (for metrics). */
  evicted = 0;
  /** Buffers that go round between the threads instead of being allocated per batch. */
  private readonly spare: Spare;
  /** Busy time the workers reported since `busySince`, and the utilisation last worked out. */
  private busyMs = 0;
  private busySince = performance.now();
  private busyShare = 0;

  constructor(ctx: RateContext, ports: { history?: HistoryPort | null; sink: EncodedRowsSink }, opts: RatingPoolOptions) {
    this.threads = Math.max(1, Math.floor(opts.threads ?? availableParallelism()));
    // Enough for the rows a grouping sink holds before it writes them (the batch jobs insert 100,000 rows at a time).
    this.spare = new Spare(4 * this.threads + 8);
    this.history = ports.history ?? null;
    this.sink = ports.sink;
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? quiet;
    this.retry = opts.retry ?? ((_what, op) => op());
    this.pool = createShardPool(
      this.threads,
      {
        image: contextImage(ctx),
        encoderModule: opts.encoder.module,
        encoderOptions: opts.encoder.options,
        history: this.history !== null,
        regateMs: opts.regateMs,
      },
      {
        request: (threadId, req, reply) => this.serve(threadId, req, reply),
        log: (line) => this.log[line.level](line.obj, line.msg),
        gone: (threadId) => this.received.delete(threadId),
      },
    );
  }

  /** Rates a batch of frames (Confluent wire format). `heartbeat` is called while it waits (a Kafka consumer's). */
  async rate(batch: FrameBatch, opts: { heartbeat?: () => Promise<void> } = {}): Promise<PoolBatchResult> {
    const framed = batch.framed ?? true;
    const header = framed ? HEADER_BYTES : 0;
    const split = new ShardSplit(this.threads, 'frames' in batch ? batch.frames.length : batch.to - batch.from, this.spare);
    if ('frames' in batch) {
      batch.frames.forEach((f, i) => {
        split.addFrame(f ?? EMPTY, 0, f === null ? 0 : f.length, header, i);
      });
    } else {
      const { data, ends } = batch;
      for (let k = batch.from; k < batch.to; k++) split.addFrame(data, ends[k] as number, ends[k + 1] as number, header, k - batch.from);
    }
    const decode = (i: number): Cdr | null => {
      const frame = 'frames' in batch ? batch.frames[i] : batch.data.subarray(batch.ends[batch.from + i], batch.ends[batch.from + i + 1]);
      if (!frame || frame.length < header) return null;
      try {
        return cdrType.fromBuffer(frame.subarray(header)) as Cdr;
      } catch {
        return null;
      }
    };
    return this.run(split, framed, batch.schemaId, decode, opts.heartbeat);
  }

  /** Rates CDRs given as objects (`ratel import`): each is encoded once, here, into its shard's buffer. */
  async rateCdrs(cdrs: readonly Cdr[], opts: { heartbeat?: () => Promise<void> } = {}): Promise<PoolBatchResult> {
    const split = new ShardSplit(this.threads, cdrs.length, this.spare);
    cdrs.forEach((c, i) => {
      split.addCdr(c, i);
    });
    return this.run(split, false, 0, (i) => cdrs[i] ?? null, opts.heartbeat);
  }

  /** Forgets every account-month in every worker: each is rebuilt from the store on demand, once the rows written so far have landed. */
  forget(why: string): void {
    this.epoch++;
    this.pool.broadcast({ op: 'forget', epoch: this.epoch, why });
  }

  /** Resolves once every row written so far is stored. */
  drain(): Promise<void> {
    return this.sink.drain();
  }

  /** Share of the workers' time spent working (0-1), over the last second or more. */
  get utilization(): number {
    const now = performance.now();
    const span = now - this.busySince;
    if (span >= 1000) {
      this.busyShare = Math.min(1, this.busyMs / (span * this.threads));
      this.busyMs = 0;
      this.busySince = now;
    }
    return this.busyShare;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async run(
    split: ShardSplit,
    framed: boolean,
    schemaId: number,
    cdrOf: (i: number) => Cdr | null,
    heartbeat?: () => Promise<void>,
  ): Promise<PoolBatchResult> {
    const nowMs = this.now();
    const tasks: Promise<ShardResult | ShardFailure>[] = [];
    /** The batch index of each frame of each task. */
    const indexes: Int32Array[] = [];
    for (let s = 0; s < this.threads; s++) {
      const part = split.take(s);
      if (part === null) {
        split.giveBack(s, this.spare);
        continue;
      }
      indexes.push(part.indexes);
      const out = this.spare.output();
      tasks.push(
        this.pool.run(
          { shard: s, shards: this.threads, epoch: this.epoch, buffer: part.buffer, offsets: part.offsets, framed, schemaId, nowMs, out },
          out === null ? [part.buffer, part.offsets.buffer as ArrayBuffer] : [part.buffer, part.offsets.buffer as ArrayBuffer, out],
        ),
      );
    }
    let beat: unknown = null;
    const beating = heartbeat
      ? setInterval(() => {
          heartbeat().catch((e: unknown) => {
            beat ??= e;
          });
        }, 1000)
      : null;
    const out: PoolBatchResult = {
      bad: [],
      dead: [],
      alerts: [],
      alertFrames: [],
      rated: 0,
      accepted: 0,
      replays: 0,
      months: [],
      restored: 0,
      stored: Promise.resolve(),
    };
    const stored: Promise<void>[] = [];
    let failed: unknown = null;
    try {
      const settled = await Promise.allSettled(tasks.map((t) => t.then((r) => this.take(r, stored))));
      for (const r of settled) if (r.status === 'rejected') failed ??= r.reason;
      if (failed === null) {
        for (let t = 0; t < settled.length; t++) {
          const res = (settled[t] as PromiseFulfilledResult<ShardResult>).value;
          const ix = indexes[t] as Int32Array;
          for (const b of res.bad) out.bad.push({ index: ix[b.index] as number, code: b.code, reason: b.reason });
          for (const d of res.dead) {
            const index = d.index >= 0 ? (ix[d.index] as number) : -1;
            out.dead.push({
              cdr_id: d.cdrId,
              code: d.code,
              reason: d.reason,
              cdr: index >= 0 ? cdrOf(index) : null,
              index,
              held: d.held ? (cdrType.fromBuffer(Buffer.from(d.held)) as Cdr) : undefined,
            });
          }
          for (let j = 0; j < res.alerts.length; j++) {
            out.alerts.push(res.alerts[j] as Alert);
            const f = res.alertFrames[j] ?? -1;
            out.alertFrames.push(f >= 0 ? (ix[f] as number) : -1);
          }
          out.rated += res.rated;
          out.accepted += res.accepted;
          out.replays += res.replays;
          out.restored += res.restored;
          this.evicted += res.evicted;
          this.busyMs += res.busyMs;
          for (const m of res.months) if (!out.months.includes(m)) out.months.push(m);
        }
        out.bad.sort((a, b) => a.index - b.index);
        out.dead.sort((a, b) => a.index - b.index);
        if (heartbeat && out.restored > 0) await heartbeat();
        if (beat !== null) failed = beat;
      }
    } catch (e) {
      failed ??= e;
    } finally {
      if (beating) clearInterval(beating);
    }
    if (failed !== null) {
      this.forget('a batch failed in a rating worker or on its way to the sink');
      throw failed;
    }
    out.stored = Promise.all(stored).then(() => {});
    out.stored.catch(() => {}); // observed by the caller
    return out;
  }

  /** A shard's result: its rows go to the sink now; a failure becomes the error it was. */
  private take(r: ShardResult | ShardFailure, stored: Promise<void>[]): ShardResult {
    try {
      if ('error' in r) throw this.errorOf(r.threadId, r.error);
      this.spare.giveInput(r.input);
      const done = this.sink.write(r.parts.map(bytesOf));
      stored.push(done);
      // The buffer the rows came in goes round again: at once when the sink copied them, else
      // once stored (never after a failed write, which may be tried again with them).
      const out = r.parts.find((p) => typeof p.data !== 'string')?.data as Uint8Array | undefined;
      if (out && r.parts.every((p) => typeof p.data !== 'string' && p.data.buffer === out.buffer)) {
        if (this.sink.copies === true) this.spare.giveOutput(out.buffer as ArrayBuffer);
        else
          done.then(
            () => this.spare.giveOutput(out.buffer as ArrayBuffer),
            () => {},
          );
      }
      return r;
    } finally {
      if (r.writeSeq > 0) this.wrote(r.threadId, r.writeSeq);
    }
  }

  private errorOf(threadId: number, e: WorkerError): unknown {
    if (e.request !== undefined) {
      const key = `${threadId}:${e.request}`;
      const original = this.requestErrors.get(key);
      this.requestErrors.delete(key);
      if (original !== undefined) return original;
    }
    const err = e.code ? new RatelError(e.code, e.message) : new Error(e.message);
    if (e.stack) err.stack = e.stack;
    return err;
  }

  /** Counts a worker's write as having reached the sink, and lets the drains it completes go on. */
  private wrote(threadId: number, seq: number): void {
    const r = this.receivedOf(threadId);
    r.early.add(seq);
    while (r.early.delete(r.upTo + 1)) r.upTo++;
    const ready = r.waiting.filter((w) => w.written <= r.upTo);
    r.waiting = r.waiting.filter((w) => w.written > r.upTo);
    for (const w of ready) w.go();
  }

  private receivedOf(threadId: number): Received {
    let r = this.received.get(threadId);
    if (r === undefined) {
      r = { upTo: 0, early: new Set(), waiting: [] };
      this.received.set(threadId, r);
    }
    return r;
  }

  /** Serves a request of a worker's rating session. */
  private serve(threadId: number, req: Request, reply: (r: Reply, transfer?: ArrayBuffer[]) => void): void {
    this.answer(threadId, req).then(
      ([value, transfer]) => reply({ id: req.id, ok: true, value }, transfer),
      (e: unknown) => {
        const key = `${threadId}:${req.id}`;
        this.requestErrors.set(key, e);
        // Kept only until its batch fails; a few at most are ever waiting.
        if (this.requestErrors.size > 1000) this.requestErrors.delete(this.requestErrors.keys().next().value as string);
        reply({
          id: req.id,
          ok: false,
          error: { code: e instanceof RatelError ? e.code : null, message: e instanceof Error ? e.message : String(e) },
        });
      },
    );
  }

  private async answer(threadId: number, req: Request): Promise<[unknown, ArrayBuffer[]?]> {
    if (req.op === 'drain') {
      const r = this.receivedOf(threadId);
      if (r.upTo < req.written) await new Promise<void>((go) => r.waiting.push({ written: req.written, go }));
      await this.sink.drain();
      return [undefined];
    }
    const history = this.history;
    if (history === null) throw new Error('a rating worker asked for history, and the pool has none');
    const what = STORE_READS[req.op] as string;
    switch (req.op) {
      case 'archived': {
        const keys = await this.retry(what, () => history.archived(req.from));
        const mine: string[] = [];
        for (const k of keys) if (accountShard(k.slice(0, k.lastIndexOf('|')), req.shards) === req.shard) mine.push(k);
        return [mine];
      }
      case 'load': {
        const loaded = await this.retry(what, () => history.load(req.keys));
        const packed = packHistory(loaded);
        return [packed, [packed.bodies]];
      }
      case 'ratingCatalogs':
        return [[...(await this.retry(what, () => history.ratingCatalogs()))]];
      case 'recordRatingCatalog':
        await this.retry(what, () => history.recordRatingCatalog(req.month, req.version));
        return [undefined];
    }
  }
}

const EMPTY = Buffer.alloc(0);

/** A part as the worker sent it: its bytes as a Buffer again (the transfer gives a Uint8Array). */
function bytesOf(p: EncodedRows): EncodedRows {
  if (typeof p.data === 'string' || Buffer.isBuffer(p.data)) return p;
  const d = p.data as Uint8Array;
  return { ...p, data: Buffer.from(d.buffer, d.byteOffset, d.byteLength) };
}

/** Stored account-months packed for a worker: their Avro bodies in one buffer, their ratings as columns. */
function packHistory(loaded: readonly StoredAccountMonth[]): PackedHistory {
  let bytes = 0;
  let cdrs = 0;
  let ratings = 0;
  const bodiesOf = loaded.map((h) => {
    const bodies = h.bodies ?? h.cdrs.map((c) => cdrType.toBuffer(c));
    for (const b of bodies) bytes += b.length;
    cdrs += bodies.length;
    ratings += h.ratings.size;
    return bodies;
  });
  const buffer = new ArrayBuffer(bytes);
  const view = new Uint8Array(buffer);
  const p: PackedHistory = {
    keys: loaded.map((h) => ({ account_id: h.key.account_id, month: h.key.month })),
    cdrStart: new Int32Array(loaded.length + 1),
    bodies: buffer,
    bodyAt: new Int32Array(cdrs + 1),
    ratingStart: new Int32Array(loaded.length + 1),
    ratingIds: [],
    ratingNums: new Float64Array(4 * ratings),
    ratingPrefix: [],
    ratingReasons: new Int32Array(ratings),
  };
  let j = 0;
  let at = 0;
  let q = 0;
  loaded.forEach((h, k) => {
    p.cdrStart[k] = j;
    for (const b of bodiesOf[k] as readonly Uint8Array[]) {
      p.bodyAt[j++] = at;
      view.set(b, at);
      at += b.length;
    }
    p.ratingStart[k] = q;
    for (const [id, r] of h.ratings) {
      p.ratingIds.push(id);
      p.ratingNums[4 * q] = r.version;
      p.ratingNums[4 * q + 1] = r.included_qty;
      p.ratingNums[4 * q + 2] = r.billed_qty;
      p.ratingNums[4 * q + 3] = r.cost_micros;
      p.ratingPrefix.push(r.prefix);
      p.ratingReasons[q] = maskOf(r.reasons);
      q++;
    }
  });
  p.cdrStart[loaded.length] = j;
  p.bodyAt[j] = at;
  p.ratingStart[loaded.length] = q;
  return p;
}

/**
 * Buffers going round between the main thread and the workers, so that a batch allocates none:
 * the task buffers the workers give back with their results, and the buffers their rows came in
 * once those rows are stored. Allocating them per batch (a few MB each, outside the JavaScript
 * heap) made V8 start full collections of both threads' heaps every second or so. At most
 * `keep` of each are kept.
 */
class Spare {
  private readonly inputs: Buffer[] = [];
  private readonly outputs: ArrayBuffer[] = [];

  constructor(private readonly keep: number) {}

  /** A buffer of at least `bytes` for a shard's frames. */
  input(bytes: number): Buffer {
    const want = Math.max(16384, bytes);
    for (let k = this.inputs.length - 1; k >= 0; k--) {
      const b = this.inputs[k] as Buffer;
      if (b.length >= want) {
        this.inputs.splice(k, 1);
        return b;
      }
    }
    return Buffer.allocUnsafeSlow(want);
  }

  giveInput(ab: ArrayBuffer | undefined): void {
    if (ab === undefined || ab.byteLength === 0 || this.inputs.length >= this.keep) return;
    this.inputs.push(Buffer.from(ab));
  }

  output(): ArrayBuffer | null {
    return this.outputs.pop() ?? null;
  }

  giveOutput(ab: ArrayBuffer): void {
    if (ab.byteLength > 0 && this.outputs.length < this.keep) this.outputs.push(ab);
  }
}

/**
 * A batch being split by shard: each shard's frames copied end to end into a buffer of its own
 * (a standalone ArrayBuffer, so it can be transferred), with their offsets and batch indexes.
 */
class ShardSplit {
  private readonly bufs: Buffer[];
  private readonly used: number[];
  private readonly offsets: Int32Array[];
  private readonly indexes: Int32Array[];
  private readonly counts: number[];

  constructor(
    private readonly shards: number,
    frames: number,
    spare: Spare,
  ) {
    // About 200 bytes a frame; each shard's buffer grows when it must.
    const per = Math.ceil(frames / shards) + 16;
    this.bufs = Array.from({ length: shards }, () => spare.input(per * 256));
    this.used = new Array<number>(shards).fill(0);
    this.offsets = Array.from({ length: shards }, () => new Int32Array(per + 1));
    this.indexes = Array.from({ length: shards }, () => new Int32Array(per));
    this.counts = new Array<number>(shards).fill(0);
  }

  /** Adds frame data[from..to) (batch index i; its Avro body after `header` bytes) to its account's shard. */
  addFrame(data: Buffer, from: number, to: number, header: number, i: number): void {
    const s = to - from > header ? Math.max(0, bodyShard(data, from + header, to, this.shards)) : 0;
    const at = this.room(s, to - from);
    data.copy(this.bufs[s] as Buffer, at, from, to);
    this.push(s, at + to - from, i);
  }

  /** Encodes a CDR's Avro body into its account's shard (batch index i). */
  addCdr(cdr: Cdr, i: number): void {
    const s = accountShard(cdr.account_id, this.shards);
    let at = this.room(s, 256);
    let end = cdrType.encode(cdr, this.bufs[s] as Buffer, at);
    if (end < 0) {
      const body = cdrType.toBuffer(cdr);
      at = this.room(s, body.length);
      body.copy(this.bufs[s] as Buffer, at);
      end = at + body.length;
    }
    this.push(s, end, i);
  }

  /** Where shard s's next `bytes` go (its buffer grown if needed). */
  private room(s: number, bytes: number): number {
    const used = this.used[s] as number;
    const buf = this.bufs[s] as Buffer;
    if (used + bytes > buf.length) {
      const next = Buffer.allocUnsafeSlow(Math.max(2 * buf.length, used + bytes));
      buf.copy(next, 0, 0, used);
      this.bufs[s] = next;
    }
    return used;
  }

  private push(s: number, end: number, i: number): void {
    const n = this.counts[s] as number;
    if (n + 1 >= (this.offsets[s] as Int32Array).length) {
      this.offsets[s] = widen(this.offsets[s] as Int32Array, 2 * (n + 1));
      this.indexes[s] = widen(this.indexes[s] as Int32Array, 2 * (n + 1));
    }
    (this.offsets[s] as Int32Array)[n + 1] = end;
    (this.indexes[s] as Int32Array)[n] = i;
    this.used[s] = end;
    this.counts[s] = n + 1;
  }

  /** Hands back shard s's buffer when it took no frame. */
  giveBack(s: number, spare: Spare): void {
    spare.giveInput((this.bufs[s] as Buffer).buffer as ArrayBuffer);
  }

  /** Shard s's frames (null when it has none): the buffer and offsets to transfer, the batch indexes to keep. */
  take(s: number): { buffer: ArrayBuffer; offsets: Int32Array; indexes: Int32Array } | null {
    const n = this.counts[s] as number;
    if (n === 0) return null;
    const buf = this.bufs[s] as Buffer;
    // allocUnsafeSlow: the Buffer owns its ArrayBuffer from byte 0.
    return {
      buffer: buf.buffer as ArrayBuffer,
      offsets: (this.offsets[s] as Int32Array).slice(0, n + 1),
      indexes: (this.indexes[s] as Int32Array).subarray(0, n),
    };
  }
}

function widen(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
