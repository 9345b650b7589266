/**
 * What the main thread and the rating workers say to each other (rating-pool.ts on the main
 * thread, rating-worker.ts in the workers). Nothing here is a CDR or a rated event: CDRs travel
 * as their bytes, rated rows as the bytes the store inserts, both in transferred buffers.
 *
 *   task    (Piscina, routed to the shard's worker)   a shard's frames: one ArrayBuffer + offsets
 *   result  (Piscina, transferred)                    the rows encoded for the store, dead letters
 *                                                     (batch indexes, codes, reasons), alerts, counts
 *   request (worker -> main, the worker's own port)   the session's ports: history reads, drain, logs
 *   reply   (main -> worker, same port)               their answers
 *   forget  (main -> worker, same port and in tasks)  every account-month is forgotten
 */
import type { MessagePort } from 'node:worker_threads';
import type { ErrorCode } from '@ratel/schemas';
import type { ContextImage } from './context-image.js';
import type { Alert } from './reasons.js';

/** Rows of one table encoded for one store engine's insert (see the aggregator's store.ts). */
export interface EncodedRows {
  readonly table: string;
  readonly rows: number;
  readonly format: 'RowBinary' | 'TabSeparated' | 'JSONEachRow';
  readonly data: Buffer | string;
}

/** What each worker gets once, at start (Piscina's workerData). */
export interface WorkerSetup {
  image: ContextImage;
  /** Module (URL) exporting createRowsEncoder(options): (rows: RatedRows) => EncodedRows[]. */
  encoderModule: string;
  encoderOptions: unknown;
  /** Whether the pool has a history port: without one, every account-month starts empty. */
  history: boolean;
  regateMs?: number | undefined;
}

/** The frames of one shard of a batch. */
export interface RateTask {
  shard: number;
  shards: number;
  /** The pool's forget count: a worker that has seen fewer forgets forgets before rating. */
  epoch: number;
  /** Frame k is bytes offsets[k] .. offsets[k+1] of `buffer`. */
  buffer: ArrayBuffer;
  offsets: Int32Array;
  /** true: Confluent frames (magic byte, schema id, body); false: bare Avro bodies. */
  framed: boolean;
  schemaId: number;
  /** The engine's clock for this batch (rating times, the date window). */
  nowMs: number;
  /**
   * A buffer an earlier batch's rows came back in, stored since, for the worker to encode rows
   * into again (or null): the buffers go round instead of being allocated per batch, which kept
   * both threads' garbage collectors busy (external memory pressure).
   */
  out: ArrayBuffer | null;
}

/** A frame that is no CDR (framing, schema id, Avro body), by its index in the shard's task. */
export interface BadFrame {
  index: number;
  code: 'CDR_MALFORMED';
  reason: string;
}

/** A CDR the engine refused, by its index in the shard's task; `held`: the Avro body of the version already rated (CDR_CONFLICT). */
export interface WorkerDeadLetter {
  index: number;
  cdrId: string;
  code: ErrorCode;
  reason: string;
  held: Uint8Array | null;
}

export interface ShardResult {
  threadId: number;
  /** The task's buffer, given back for the main thread's next batch. */
  input: ArrayBuffer;
  /** This task's write in the worker's count of writes (0: it wrote nothing), for drains. */
  writeSeq: number;
  /** The batch's rows for the store, per table (cdrs archive, rated_events, alerts). */
  parts: EncodedRows[];
  bad: BadFrame[];
  dead: WorkerDeadLetter[];
  alerts: Alert[];
  /** alertFrames[j]: the index in the task of the CDR that raised alerts[j] (-1: not one of the task's). */
  alertFrames: number[];
  /** Rated events written (new ratings and new versions). */
  rated: number;
  accepted: number;
  replays: number;
  restored: number;
  /** Account-months this worker evicted since its previous result. */
  evicted: number;
  /** Billing months of the accepted CDRs. */
  months: number[];
  /** Milliseconds the worker's event loop was busy since its previous result (its utilisation). */
  busyMs: number;
}

/** What a task returns when the batch failed in the worker. */
export interface ShardFailure {
  threadId: number;
  writeSeq: number;
  error: WorkerError;
}

export interface WorkerError {
  code: ErrorCode | null;
  message: string;
  stack?: string | undefined;
  /** The failure came from this main-thread request (its error is rethrown as it was). */
  request?: number | undefined;
}

/** A stored account-month, packed: Avro bodies in one buffer, latest ratings as columns. */
export interface PackedHistory {
  keys: { account_id: string; month: number }[];
  /** Account-month k holds CDRs cdrStart[k] .. cdrStart[k+1]; CDR j is bytes bodyAt[j] .. bodyAt[j+1]. */
  cdrStart: Int32Array;
  bodies: ArrayBuffer;
  bodyAt: Int32Array;
  /** Account-month k holds ratings ratingStart[k] .. ratingStart[k+1]. */
  ratingStart: Int32Array;
  ratingIds: string[];
  /** version, included_qty, billed_qty, cost_micros of each rating. */
  ratingNums: Float64Array;
  ratingPrefix: string[];
  ratingReasons: Int32Array;
}

export type Request =
  | { id: number; op: 'archived'; from: number; shard: number; shards: number }
  | { id: number; op: 'load'; keys: { account_id: string; month: number }[] }
  | { id: number; op: 'ratingCatalogs' }
  | { id: number; op: 'recordRatingCatalog'; month: number; version: string }
  | { id: number; op: 'drain'; written: number };

/** A request as the worker writes it (the id is added when sent). */
export type RequestBody = Request extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WorkerError };

export interface LogLine {
  op: 'log';
  level: 'info' | 'error';
  obj: object;
  msg: string;
}

export interface ForgetNotice {
  op: 'forget';
  epoch: number;
  why: string;
}

/** The first message of a worker on parentPort: its own port for requests. */
export interface PortHello {
  ratelRatingPort: MessagePort;
  threadId: number;
}
