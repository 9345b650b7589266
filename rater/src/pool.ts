/**
 * The rating workers' thread pool (Piscina): one worker per shard of accounts, and a task always
 * reaches the worker that owns its shard.
 *
 * Routing is Piscina's loadBalancer: a task names its shard (its queue options); the balancer
 * gives it to the worker that owns the shard, whatever that worker is doing (a worker takes
 * several tasks at once: a batch waiting on the store does not hold the shard's next one back).
 * A shard with no owner yet takes a worker that owns none; a worker that died leaves its shard to
 * its replacement. No shard is ever rated by two workers.
 *
 * Each worker also opens a MessagePort of its own (announced on parentPort, which Piscina passes
 * on as a pool 'message' event) for what its rating session asks the main thread: the store's
 * history, drains, log lines. The main thread answers on the same port, and tells every worker
 * to forget on it (see rating-pool.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import { Piscina, queueOptionsSymbol } from 'piscina';
import type {
  ForgetNotice,
  LogLine,
  PortHello,
  RateTask,
  Reply,
  Request,
  ShardFailure,
  ShardResult,
  WorkerSetup,
} from './worker-protocol.js';

export interface ShardPoolHandlers {
  /** A request of a worker's rating session; `reply` answers it (transfer: buffers to move). */
  request(threadId: number, req: Request, reply: (r: Reply, transfer?: ArrayBuffer[]) => void): void;
  log(line: LogLine): void;
  /** A worker stopped (it crashed or the pool closes); its shard goes to a replacement. */
  gone(threadId: number, why: string): void;
}

export interface ShardPool {
  readonly threads: number;
  /** Runs a shard's task on the shard's worker; `transfer`: the task's buffers (moved, not copied). */
  run(task: RateTask, transfer: ArrayBuffer[]): Promise<ShardResult | ShardFailure>;
  /** Sends a notice to every worker. */
  broadcast(notice: ForgetNotice): void;
  close(): Promise<void>;
}

/**
 * The young generation of each rating worker's heap (V8's new space: two semi-spaces of a third
 * each, and its large objects). A batch's decoded CDRs, rated events and rows are young and die
 * with the batch: with V8's default semi-space (16 MB) a worker ran a scavenge every batch or two
 * and spent about a ninth of its busy time in the collector, a third less with 64 MB semi-spaces
 * (bench/RESULTS.md, 2026-12-02). The ratel CLI and `npm start` run node with
 * --max-semi-space-size=64, which workers inherit; this gives the workers the same without it.
 */
export const WORKER_YOUNG_GENERATION_MB = 192;

/** Resolves to the compiled worker both from src/ (tests) and dist/. */
/** The compiled worker's CommonJS entry, which imports rating-worker.js (see rating-worker-entry.cts). */
export const RATING_WORKER = new URL('../dist/rating-worker-entry.cjs', import.meta.url).href;

export function createShardPool(threads: number, setup: WorkerSetup, handlers: ShardPoolHandlers): ShardPool {
  /** The worker (thread id) that owns each shard, -1 before one does. */
  const owner = new Array<number>(threads).fill(-1);
  const ports = new Map<number, MessagePort>();
  const pool = new Piscina({
    filename: RATING_WORKER,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
    // Tasks of a shard must not wait for an idle worker: its owner takes them as they come.
    concurrentTasksPerWorker: 1024,
    // Keep an idle worker's event loop running, so that a forget notice is read at once.
    atomics: 'disabled',
    workerData: setup,
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    loadBalancer: (task, workers) => {
      const shard = ((task as unknown as Record<symbol, { shard: number } | null>)[queueOptionsSymbol] ?? { shard: -1 }).shard;
      if (!(shard >= 0 && shard < threads)) return null;
      let free = null;
      for (const w of workers) {
        if (w.destroyed || w.terminating) continue;
        if (w.id === owner[shard]) return w;
        if (free === null && !owner.includes(w.id)) free = w;
      }
      if (free !== null) owner[shard] = free.id;
      return free;
    },
  });
  pool.on('message', (m: unknown) => {
    const hello = m as PortHello | null;
    if (hello === null || typeof hello !== 'object' || !('ratelRatingPort' in hello)) return;
    const port = hello.ratelRatingPort;
    const id = hello.threadId;
    ports.set(id, port);
    port.on('message', (msg: Request | LogLine) => {
      if ('op' in msg && msg.op === 'log') handlers.log(msg);
      else handlers.request(id, msg as Request, (r, transfer) => port.postMessage(r, transfer ?? []));
    });
    // The pool, not this port, decides when the process may exit.
    port.unref();
  });
  pool.on('workerDestroy', (w: { id: number }) => {
    ports.get(w.id)?.close();
    ports.delete(w.id);
    handlers.gone(w.id, 'rating worker stopped');
  });
  // A worker that fails outside any task: logged, and its replacement rebuilds the shard from the store.
  pool.on('error', (e: unknown) =>
    handlers.log({ op: 'log', level: 'error', obj: { err: (e as Error)?.message }, msg: 'rating worker failed' }),
  );
  return {
    threads,
    run(task, transfer) {
      const routed = task as RateTask & { [queueOptionsSymbol]?: { shard: number } };
      (routed as unknown as Record<symbol, unknown>)[queueOptionsSymbol] = { shard: task.shard };
      return pool.run(routed, { transferList: transfer }) as Promise<ShardResult | ShardFailure>;
    },
    broadcast(notice) {
      for (const port of ports.values()) port.postMessage(notice);
    },
    async close() {
      await pool.destroy();
      for (const port of ports.values()) port.close();
      ports.clear();
    },
  };
}
