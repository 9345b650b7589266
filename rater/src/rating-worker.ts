/**
 * A rating worker (Piscina entry, see rating-pool.ts): it owns one shard of the accounts and
 * rates it with a RatingSession of its own, the same session every path drives, so its
 * account-months, restores, evictions and catalog gates are that shard's.
 *
 * Each task brings the shard's frames of a batch in one transferred buffer. Every frame is
 * decoded once, here; the session rates the CDRs and its sink encodes the rows for the store
 * (the encoder module the pool names: RowBinary for the ClickHouse server), and the task returns
 * those bytes, transferred, with what the main thread needs of the rest: dead letters by index,
 * alerts and counts. No CDR or rated event crosses between threads.
 *
 * A worker takes its shard's tasks as they come and rates them in that order, one batch after
 * the other, as one session fed batch by batch would.
 *
 * The session's ports reach the main thread through a MessagePort of the worker's own: history
 * reads are done there (with its retries), and a drain waits there until every row this worker
 * wrote has reached the main thread's sink and been stored.
 */
import { performance } from 'node:perf_hooks';
import { MessageChannel, parentPort, threadId, workerData } from 'node:worker_threads';
import { type Cdr, cdrType, RatelError } from '@ratel/schemas';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { contextFromImage } from './context-image.js';
import type { PriorRating } from './engine.js';
import { type FrameRead, readFrame } from './frame-check.js';
import type { RateContext } from './rate.js';
import { reasonsOf } from './reasons.js';
import { type HistoryPort, type RatedRows, type RatedRowsSink, RatingSession, type StoredAccountMonth } from './session.js';
import { keepShardAccounts } from './shard.js';
import type {
  EncodedRows,
  ForgetNotice,
  LogLine,
  PackedHistory,
  PortHello,
  RateTask,
  Reply,
  RequestBody,
  ShardFailure,
  ShardResult,
  WorkerError,
  WorkerSetup,
} from './worker-protocol.js';

const setup = workerData as WorkerSetup;
const ctx: RateContext = contextFromImage(setup.image);
const encoder = (await import(setup.encoderModule)) as {
  createRowsEncoder(options: unknown): (rows: RatedRows, into?: Buffer | null) => EncodedRows[];
};
const encodeRows = encoder.createRowsEncoder(setup.encoderOptions);

// The worker's own port to the main thread, announced on parentPort before any task runs.
const { port1: port, port2 } = new MessageChannel();
parentPort?.postMessage({ ratelRatingPort: port2, threadId } satisfies PortHello, [port2]);

let nextRequest = 1;
const waiting = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();

/** An error the main thread met serving a request: the main thread rethrows its own copy. */
class RequestFailed extends Error {
  constructor(
    readonly request: number,
    readonly error: WorkerError,
  ) {
    super(error.message);
  }
}

function ask<T>(req: RequestBody): Promise<T> {
  const id = nextRequest++;
  return new Promise<T>((resolve, reject) => {
    waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    port.postMessage({ ...req, id });
  });
}

port.on('message', (m: Reply | ForgetNotice) => {
  if ('op' in m) {
    forgetTo(m.epoch, m.why);
    return;
  }
  const w = waiting.get(m.id);
  if (w === undefined) return;
  waiting.delete(m.id);
  if (m.ok) w.resolve(m.value);
  else w.reject(new RequestFailed(m.id, m.error));
});

const log = (level: LogLine['level']) => (obj: object, msg: string) => port.postMessage({ op: 'log', level, obj, msg } satisfies LogLine);

/** Writes the session made (each one batch's rows), counted for drains. */
let written = 0;
/** The rows of each write, found again from the promise the sink returned for it (BatchResult.stored). */
const rowsOf = new WeakMap<Promise<void>, { parts: EncodedRows[]; seq: number }>();
/** Buffers the main thread gave back to encode rows into (RateTask.out). */
const spare: Buffer[] = [];

const sink: RatedRowsSink = {
  write(rows) {
    // Encoding may throw (a value the store cannot take): then nothing is taken, and the session forgets.
    const parts = encodeRows(rows, spare.pop() ?? null);
    const seq = ++written;
    // Stored means stored on the main thread, which only it knows: no one in this worker waits on it.
    const taken = Promise.resolve();
    rowsOf.set(taken, { parts, seq });
    return taken;
  },
  drain: () => ask<void>({ op: 'drain', written }),
};

let shard = -1;
let shards = 1;

const history: HistoryPort = {
  archived: async (from) => new Set(await ask<string[]>({ op: 'archived', from, shard, shards })),
  load: async (keys) => unpackHistory(await ask<PackedHistory>({ op: 'load', keys: [...keys] })),
  ratingCatalogs: async () => new Map(await ask<[number, string][]>({ op: 'ratingCatalogs' })),
  recordRatingCatalog: (month, version) => ask<void>({ op: 'recordRatingCatalog', month, version }),
};

/** The clock of the batch being rated (the latest task's: tasks of one worker may overlap). */
let clock = 0;
const session = new RatingSession(
  ctx,
  { history: setup.history ? history : null, sink },
  { now: () => clock, log: { info: log('info'), error: log('error') }, regateMs: setup.regateMs, drainFirst: true },
);
let seenEpoch = 0;
let evictedSent = 0;
/** The event loop's use at the previous result (busyMs is the difference). */
let elu = performance.eventLoopUtilization();

function forgetTo(epoch: number, why: string): void {
  if (epoch <= seenEpoch) return;
  seenEpoch = epoch;
  session.forget(why);
}

function unpackHistory(p: PackedHistory): StoredAccountMonth[] {
  const all = Buffer.from(p.bodies);
  const out: StoredAccountMonth[] = [];
  for (let k = 0; k < p.keys.length; k++) {
    const cdrs: Cdr[] = [];
    const bodies: Uint8Array[] = [];
    for (let j = p.cdrStart[k] as number; j < (p.cdrStart[k + 1] as number); j++) {
      const body = all.subarray(p.bodyAt[j], p.bodyAt[j + 1]);
      cdrs.push(cdrType.fromBuffer(body) as Cdr);
      bodies.push(body);
    }
    const ratings = new Map<string, PriorRating>();
    for (let j = p.ratingStart[k] as number; j < (p.ratingStart[k + 1] as number); j++) {
      ratings.set(p.ratingIds[j] as string, {
        version: p.ratingNums[4 * j] as number,
        included_qty: p.ratingNums[4 * j + 1] as number,
        billed_qty: p.ratingNums[4 * j + 2] as number,
        cost_micros: p.ratingNums[4 * j + 3] as number,
        prefix: p.ratingPrefix[j] as string,
        reasons: reasonsOf(p.ratingReasons[j] as number),
      });
    }
    out.push({ key: p.keys[k] as StoredAccountMonth['key'], cdrs, bodies, ratings });
  }
  return out;
}

function failure(e: unknown): WorkerError {
  if (e instanceof RequestFailed) return { ...e.error, request: e.request };
  const err = e instanceof Error ? e : new Error(String(e));
  return { code: e instanceof RatelError ? e.code : null, message: err.message, stack: err.stack };
}

const read: FrameRead = { cdr: null, body: null, reason: '' };
/** Resolves once the batch rated last is done (see rateShard). */
let turn: Promise<void> = Promise.resolve();

/** Rates the shard's frames of a batch. */
export default async function rateShard(task: RateTask): Promise<unknown> {
  if (shard === -1) {
    shard = task.shard;
    shards = task.shards;
    keepShardAccounts(ctx.accounts, shard, shards);
  } else if (task.shard !== shard) {
    // The pool routes a shard to one worker only: another shard here would rate accounts twice.
    const wrong: ShardFailure = {
      threadId,
      writeSeq: 0,
      error: { code: null, message: `rating worker of shard ${shard} got a task of shard ${task.shard}` },
    };
    return wrong;
  }
  forgetTo(task.epoch, 'the pool forgot every account-month');
  if (task.nowMs > clock) clock = task.nowMs;
  if (task.out !== null) spare.push(Buffer.from(task.out));
  const all = Buffer.from(task.buffer);
  const offsets = task.offsets;
  const n = offsets.length - 1;
  const cdrs: Cdr[] = [];
  const bodies: Buffer[] = [];
  const frameOf: number[] = [];
  const bad: ShardResult['bad'] = [];
  for (let k = 0; k < n; k++) {
    readFrame(all, offsets[k] as number, offsets[k + 1] as number, task.framed, task.schemaId, read);
    if (read.cdr === null) {
      bad.push({ index: k, code: 'CDR_MALFORMED', reason: read.reason });
      continue;
    }
    cdrs.push(read.cdr);
    bodies.push(read.body as Buffer);
    frameOf.push(k);
  }
  let writeSeq = 0;
  // The shard's batches are rated in the order they came, one after the other: two batches of one
  // account rated the other way round would give other versions (the later one's CDRs first, the
  // earlier one's then late). Decoding the next batch does not wait.
  const previous = turn;
  let done: () => void = () => {};
  turn = new Promise<void>((r) => {
    done = r;
  });
  await previous;
  try {
    const r = await session.rate(cdrs, bodies);
    const wrote = rowsOf.get(r.stored);
    if (wrote === undefined) throw new Error('the session wrote a batch through another sink');
    writeSeq = wrote.seq;
    const out = r.out;
    const months: number[] = [];
    for (const a of out.accepted) if (!months.includes(a.month)) months.push(a.month);
    const result: ShardResult = {
      threadId,
      input: task.buffer,
      writeSeq,
      parts: wrote.parts.map(standalone),
      bad,
      dead: out.dead.map((d) => ({
        index: d.index >= 0 ? (frameOf[d.index] as number) : -1,
        cdrId: d.cdr_id,
        code: d.code,
        reason: d.reason,
        held: d.held ? cdrType.toBuffer(d.held) : null,
      })),
      alerts: out.alerts,
      alertFrames: crossingFrames(out.alerts, cdrs, frameOf),
      rated: out.events.length,
      accepted: out.accepted.length,
      replays: out.replays,
      restored: r.restored,
      evicted: session.evicted - evictedSent,
      months,
      busyMs: 0,
    };
    evictedSent = session.evicted;
    const use = performance.eventLoopUtilization();
    result.busyMs = use.active - elu.active;
    elu = use;
    // Nothing of the task's buffer is held any more (the engine copies the bodies it keeps): it goes back.
    const transfer = new Set<ArrayBuffer>([task.buffer]);
    for (const p of result.parts) if (typeof p.data !== 'string') transfer.add(p.data.buffer as ArrayBuffer);
    return move({ [transferableSymbol]: [...transfer], [valueSymbol]: result } as never);
  } catch (e) {
    const failed: ShardFailure = { threadId, writeSeq, error: failure(e) };
    return failed;
  } finally {
    done();
  }
}

/**
 * A part whose bytes own their ArrayBuffer, so it can be transferred. A Buffer in an ArrayBuffer
 * no larger than Node's allocation pool may be a slice of that pool: it is copied (transferring
 * the pool would take it away from every other Buffer in it).
 */
/** The task index of the CDR that raised each alert (-1 when it is not one of the task's: a restored account-month). */
function crossingFrames(alerts: readonly { cdr_id: string }[], cdrs: readonly Cdr[], frameOf: readonly number[]): number[] {
  if (alerts.length === 0) return [];
  const at = new Map<string, number>();
  for (const a of alerts) if (a.cdr_id !== '') at.set(a.cdr_id, -1);
  for (let i = 0; i < cdrs.length; i++) {
    const id = (cdrs[i] as Cdr).id;
    if (at.get(id) === -1) at.set(id, frameOf[i] as number);
  }
  return alerts.map((a) => at.get(a.cdr_id) ?? -1);
}

function standalone(p: EncodedRows): EncodedRows {
  if (typeof p.data === 'string' || p.data.buffer.byteLength > Buffer.poolSize) return p;
  return { ...p, data: Buffer.from(new Uint8Array(p.data).buffer) };
}
