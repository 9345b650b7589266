/**
 * The streaming pipeline: Kafka consumer group -> rating pool (Piscina workers, each rating its
 * shard of the accounts) -> store, with dead letters to a Kafka topic.
 *
 * Effectively once. For each consumed batch, in this order:
 *   1. account-months the engine does not hold are rebuilt from the store (archived CDRs and
 *      their latest ratings), so allowance state survives restarts and partition moves;
 *   2. the batch is rated: CDR ids already held are replays and change nothing;
 *   3. accepted CDRs are archived and rated events, alerts and dead letters written, each write
 *      retried with backoff while the store or broker is unreachable; the batch's alerts are
 *      produced to the alerts topic beside the store write (alerts-out/);
 *   4. only then are the batch's offsets committed (in batch order per partition): rows, dead
 *      letters and alerts have all landed.
 * Steps 3-4 run behind the consumer: once a batch is rated and queued for writing, the next
 * fetch is rated while it is written, up to writer.maxPendingRows rows not yet stored (then
 * consumption waits: backpressure). A crash anywhere before 4 replays the batch: step 1 finds
 * what was already written, step 2 treats those CDRs as replays, and the store keeps one row per
 * (cdr_id, version) with readers using FINAL. After any rebalance the engine forgets everything
 * and rebuilds lazily (step 1, after this process's own pending writes have landed), so two
 * processes never rate one account-month from stale memory. A write that fails for good (store
 * down past its deadline, or refused) stops the pipeline: `failed` rejects, nothing more is
 * committed, and a restart replays from the last committed offsets.
 */
import { createSchema, type EncodedRows, openStore, rowsEncoderFor, type Store, storeHistory, writeDeadLetters } from '@ratel/aggregator';
import { type AccountBook, type Catalog, type EncodedRowsSink, RatingPool } from '@ratel/rater';
import { type Codecs, errors, isRatelError } from '@ratel/schemas';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import { AlertsOut, crossingTimes } from './alerts-out/index.js';
import { type Config, limitsOf, storeConfigOf } from './config.js';
import { pauseIfRunning } from './consumer-pause.js';
import { deadLetterMessage, deadLetterRow, type OutgoingDeadLetter, sendChunks } from './dead-letters.js';
import { ensureTopics, brokerError as kafkaConnectError } from './kafka.js';
import { watchLag } from './lag.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { withRetry } from './retry.js';
import { StoreWriter } from './store-writer.js';

/** One consumed batch's rows, encoded for the store as soon as rated. */
interface EncodedBatch {
  cdrs: EncodedRows;
  events: EncodedRows;
  alerts: EncodedRows;
}

export interface PipelineStats {
  consumed: number;
  rated: number;
  deadLetters: number;
  alerts: number;
  replays: number;
  restored: number;
  /** Earliest Kafka timestamp (ms) among consumed records; Infinity before the first. */
  firstProducedMs: number;
}

export interface Pipeline {
  stats: PipelineStats;
  /** Produce-to-stored latency (ms) of every consumed record, most recent 1,000,000 kept. */
  latencies: Float64Array;
  latencyCount(): number;
  metrics: Metrics;
  /** Resolves once the consumer has joined its group. */
  ready: Promise<void>;
  /** Rejects if a store write fails for good; the pipeline has then stopped consuming. */
  failed: Promise<never>;
  isReady(): boolean;
  stop(): Promise<void>;
}

export interface PipelineDeps {
  catalog: Catalog;
  accounts: AccountBook;
  codecs: Codecs;
  log: Logger;
  store?: Store;
  metrics?: Metrics;
  /** How long a store write may keep failing before the pipeline gives up (default 5 min). */
  storeDeadlineMs?: number;
  /** The rows encoder the rating workers load (default: the store's, rowsEncoderFor). */
  encoder?: { module: string; options?: unknown };
}

/** What the commit step keeps of a batch once its rows are queued for the store. */
interface BatchDone {
  topic: string;
  partition: number;
  /** The offset to commit: one past the batch's last message. */
  next: string;
  /** Produce time (ms) of each message, for the produce-to-stored latency. */
  producedAt: Float64Array;
  rated: number;
  replays: number;
  deadCodes: string[];
  alertKinds: string[];
}

/** How long a consumer that stopped unasked waits for kafkajs's CRASH (which names the cause) before it fails the pipeline. */
const STOPPED_GRACE_MS = 10_000;

/** How many times in a row one batch may fail before the pipeline stops. */
const MAX_BATCH_FAILURES = 5;
/** /readyz turns unready when no fetch started for this long (a stalled or paused consumer). */
const READY_FETCH_MS = 30_000;

/** The error a kafkajs wrapper (retries exceeded, a crash) carries: a RatelError if one is inside, so its code reaches the exit line. */
function innermost(e: unknown): unknown {
  for (let x: unknown = e, depth = 0; x instanceof Error && depth < 10; depth++) {
    if (isRatelError(x)) return x;
    x = (x as { cause?: unknown; originalError?: unknown }).cause ?? (x as { originalError?: unknown }).originalError;
  }
  return e;
}

/**
 * The failure a consumer crash becomes (its error through innermost): a kafkajs error (a
 * connection lost, retries run out, a protocol error) as BROKER_UNREACHABLE carrying it, so `ratel
 * run`'s exit line names the broker and the cause; a RatelError or anything else as it is.
 */
function crashError(cause: unknown, brokers: string): unknown {
  return cause instanceof Error && cause.name.startsWith('KafkaJS') ? errors.brokerUnreachable(brokers, cause) : cause;
}

/** A kafkajs error as a ratel error: a retriable one is BROKER_UNREACHABLE, so withRetry retries it. */
function brokerError(e: unknown, brokers: string): unknown {
  if (e instanceof Error && (e as { retriable?: boolean }).retriable === true) return errors.brokerUnreachable(brokers, e);
  return e;
}

export async function startPipeline(kafka: Kafka, cfg: Config, deps: PipelineDeps): Promise<Pipeline> {
  const { log, codecs } = deps;
  const metrics = deps.metrics ?? createMetrics();
  await ensureTopics(kafka, cfg);
  const store = deps.store ?? (await openStore(storeConfigOf(cfg)));
  await createSchema(store);
  // A batch's rows wait for the writer already encoded for the store (RowBinary on the server, by the rating workers):
  // bytes, not objects that would outlive many young-generation collections. The three inserts
  // of a flush are independent: a CDR rated but not archived is simply rated again,
  // identically, when its batch is replayed.
  const writer = new StoreWriter<EncodedBatch>(
    (batches) =>
      Promise.all([
        retry('archive CDRs', () =>
          store.insertEncoded(
            'cdrs',
            batches.map((b) => b.cdrs),
          ),
        ),
        retry('rated events', () =>
          store.insertEncoded(
            'rated_events',
            batches.map((b) => b.events),
          ),
        ),
        retry('alerts', () =>
          store.insertEncoded(
            'alerts',
            batches.map((b) => b.alerts),
          ),
        ),
      ]).then(() => {}),
    (b) => b.cdrs.rows + b.events.rows + b.alerts.rows,
    { minRows: cfg.writer.minRows, maxDelayMs: cfg.writer.maxDelayMs },
  );
  // The writer groups many batches' rows into fewer inserts: the pool's sink (one write per shard of a batch).
  const sink: EncodedRowsSink = {
    write(parts) {
      const [cdrs, events, alerts] = parts as [EncodedRows, EncodedRows, EncodedRows];
      return writer.add({ cdrs, events, alerts });
    },
    drain: () => writer.drain(),
  };
  const pool = new RatingPool(
    { catalog: deps.catalog, accounts: deps.accounts, ...limitsOf(cfg) },
    { history: storeHistory(store), sink },
    { threads: cfg.rater.threads, encoder: deps.encoder ?? rowsEncoderFor(store), log, retry: (what, op) => retry(what, op) },
  );
  /** Account-months the pool's workers had evicted at the last metrics update. */
  let evictedSeen = 0;
  const stats: PipelineStats = {
    consumed: 0,
    rated: 0,
    deadLetters: 0,
    alerts: 0,
    replays: 0,
    restored: 0,
    firstProducedMs: Number.POSITIVE_INFINITY,
  };
  const LAT = 1_000_000;
  const latencies = new Float64Array(LAT);
  let latN = 0;
  const consumer = kafka.consumer({
    groupId: cfg.kafka.groupId,
    maxBytes: 32 << 20,
    maxBytesPerPartition: cfg.kafka.maxBytesPerPartition,
    sessionTimeout: cfg.kafka.sessionTimeoutMs,
    heartbeatInterval: Math.min(3000, Math.floor(cfg.kafka.sessionTimeoutMs / 5)),
    // kafkajs restarts a consumer it crashed on an error it marks retriable; ratel lets it only
    // while the consumer is recent enough in health (restartable) and the pipeline has not failed.
    // Always restarting, a consumer of a failed pipeline rejoined the group, failed its first batch
    // on the failure, crashed and rejoined, every few seconds until the process exited.
    retry: { retries: 5, restartOnFailure: async () => restartable() },
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    await Promise.all([consumer.connect(), producer.connect()]);
  } catch (e) {
    await pool.close();
    if (!deps.store) await store.close();
    throw await kafkaConnectError(cfg, e);
  }
  const retry = <T>(what: string, op: () => Promise<T>) =>
    withRetry(op, {
      deadlineMs: deps.storeDeadlineMs ?? 300_000,
      onRetry: (attempt, e) => {
        metrics.storeRetries.inc();
        log.warn({ what, attempt, err: (e as Error).message }, 'write failed, retrying');
      },
    });
  const alertsOut = new AlertsOut({ producer, cfg, codec: codecs.alert, metrics, retry });

  let joined = false;
  /** When the consumer last started a fetch: /readyz says ready only while it keeps fetching. */
  let lastFetchMs = 0;
  let markJoined: () => void = () => {};
  const ready = new Promise<void>((r) => {
    markJoined = r;
  });
  // Offsets of a batch are committed once its rows are stored: one promise chain per partition.
  const commits = new Map<string, Promise<void>>();
  /** eachBatch calls running now. */
  let active = 0;
  let failure: unknown = null;
  let rejectFailed: (e: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    rejectFailed = reject;
  });
  failed.catch(() => {}); // observed through Pipeline.failed
  const fatal = (e: unknown) => {
    if (failure !== null) return;
    failure = e;
    pool.forget('the pipeline stopped on a failure');
    // Stop fetching and leave the group, so the partitions go to a live member and nothing
    // rejoins them for a pipeline that has failed (nothing is committed after a failure: see
    // commitWhenStored). A consumer kafkajs already crashed has nothing left to stop.
    void consumer.stop().catch(() => {});
    rejectFailed(e);
  };
  /** Failures of the same batch in a row: past MAX_BATCH_FAILURES the pipeline stops (exit, replay from the last commit). */
  const failures = new Map<string, number>();
  let stopping = false;

  consumer.on(consumer.events.FETCH_START, () => {
    lastFetchMs = Date.now();
  });
  /** Set when the consumer stopped unasked: the failure it becomes unless a CRASH names the cause first. */
  let stoppedUnasked: NodeJS.Timeout | undefined;
  /** When the consumer last joined its group or stored a batch (or the pipeline started). */
  let healthyMs = Date.now();
  const restartable = () => failure === null && !stopping && Date.now() - healthyMs <= cfg.kafka.restartWindowMs;
  // A consumer crash kafkajs does not restart (not retriable, or past kafka.restartWindowMs), or a
  // consumer that stopped without being asked to, ends the pipeline: the process exits non-zero
  // and its supervisor restarts it.
  consumer.on(consumer.events.CRASH, (e) => {
    clearTimeout(stoppedUnasked);
    const cause = innermost(e.payload.error);
    const fields = { err: (cause as Error)?.message, code: (cause as { code?: string })?.code, restart: e.payload.restart };
    if (e.payload.restart) {
      // A group coordinator still loading (a new or restarted broker), a broker restarting:
      // kafkajs starts the consumer again, which rejoins the group (GROUP_JOIN forgets).
      log.warn(fields, 'consumer crashed, restarting');
      return;
    }
    log.error(fields, 'consumer crashed');
    fatal(crashError(cause ?? new Error('consumer crashed'), cfg.kafka.brokers.join(',')));
  });
  // kafkajs stops (and disconnects) a crashing consumer before it emits CRASH: the stop waits for
  // the crash, so the failure names the crash's cause, not "consumer stopped".
  consumer.on(consumer.events.STOP, () => {
    if (stopping || failure !== null) return;
    stoppedUnasked = setTimeout(() => {
      if (!stopping) fatal(errors.brokerUnreachable(cfg.kafka.brokers.join(','), new Error('consumer stopped')));
    }, STOPPED_GRACE_MS);
    stoppedUnasked.unref();
  });
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    healthyMs = Date.now();
    // Partitions may have moved: memory is no longer authoritative, the store is.
    pool.forget('joined the consumer group');
    joined = true;
    log.info({ assignment: e.payload.memberAssignment }, 'joined consumer group');
    markJoined();
  });
  await consumer.subscribe({ topic: cfg.kafka.cdrTopic, fromBeginning: true });
  // Lag from the broker: the topic's high watermarks against the group's committed offsets,
  // so it keeps moving while consumption is stalled.
  const lag = watchLag(kafka, cfg, metrics, log);
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    // Partitions hold disjoint accounts, so their batches can be rated while others are written.
    partitionsConsumedConcurrently: cfg.rater.concurrency,
    eachBatch: async (payload) => {
      if (failure !== null) throw failure;
      active++;
      const where = `${payload.batch.partition}/${payload.batch.firstOffset()}`;
      try {
        await processBatch(payload);
        failures.delete(where);
      } catch (e) {
        // kafkajs offers the batch again; say why once, with where it happened. A batch that
        // keeps failing stops the pipeline rather than stalling it.
        const n = (failures.get(where) ?? 0) + 1;
        failures.set(where, n);
        log.error(
          {
            partition: payload.batch.partition,
            offset: payload.batch.firstOffset(),
            attempt: n,
            code: (e as { code?: string }).code,
            err: (e as Error).message,
          },
          n < MAX_BATCH_FAILURES ? 'batch failed, will be retried' : 'batch failed again, stopping',
        );
        if (n >= MAX_BATCH_FAILURES) fatal(e);
        throw e;
      } finally {
        active--;
      }
    },
  });
  /**
   * Step 4, once a batch's rows are stored: produce-to-stored latency, counters and the offset
   * commit, in batch order per partition. Takes only what it needs of the batch (BatchDone).
   */
  function commitWhenStored(stored: Promise<void>, b: BatchDone): void {
    const { topic, partition, next, producedAt } = b;
    const key = `${topic}|${partition}`;
    const done = (commits.get(key) ?? Promise.resolve())
      .then(() => stored)
      .then(async () => {
        // The batch is queryable now: record produce-to-stored latency per record.
        const now = Date.now();
        for (let i = 0; i < producedAt.length; i++) {
          const ts = producedAt[i] as number;
          if (ts < stats.firstProducedMs) stats.firstProducedMs = ts;
          const ms = now - ts;
          latencies[latN++ % LAT] = ms;
          metrics.latency.observe(ms / 1000);
        }
        healthyMs = Date.now();
        stats.consumed += producedAt.length;
        stats.rated += b.rated;
        stats.deadLetters += b.deadCodes.length;
        stats.alerts += b.alertKinds.length;
        stats.replays += b.replays;
        metrics.consumed.inc(producedAt.length);
        metrics.rated.inc(b.rated);
        metrics.replays.inc(b.replays);
        for (const code of b.deadCodes) metrics.dead.inc({ code });
        for (const kind of b.alertKinds) metrics.alerts.inc({ kind });
        metrics.writerQueue.set(writer.pending);
        if (failure !== null) return;
        try {
          await consumer.commitOffsets([{ topic, partition, offset: next }]);
        } catch (e) {
          // Rows are stored: an uncommitted batch is replayed later and changes nothing.
          log.warn({ partition, offset: next, err: (e as Error).message }, 'offset commit failed; the batch will be replayed');
        }
      }, fatal);
    commits.set(key, done);
    void done.then(() => {
      if (commits.get(key) === done) commits.delete(key);
    });
  }

  async function processBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    const endTimer = metrics.batchSeconds.startTimer();
    const frames = batch.messages.map((m) => m.value);
    // 1-3: the pool splits the frames by account shard; each worker decodes its frames once,
    // restores what is missing, rates, and sends back the rows encoded, which go to the writer;
    // a failure on the way makes every worker forget before kafkajs offers the batch again.
    const out = await pool.rate({ frames, schemaId: codecs.cdr.schemaId }, { heartbeat });
    const { stored, restored } = out;
    metrics.poolUtilization.set(pool.utilization);
    stats.restored += restored;
    metrics.restored.inc(restored);
    if (pool.evicted > evictedSeen) {
      metrics.evicted.inc(pool.evicted - evictedSeen);
      evictedSeen = pool.evicted;
    }
    metrics.writerQueue.set(writer.pending);

    // Dead letters keep the original bytes (the frames as received); they are sent beside the
    // store write, and the batch is committed only once both have landed.
    const dead: OutgoingDeadLetter[] = [];
    for (const b of out.bad) {
      const m = batch.messages[b.index];
      const ref = `${batch.topic}/${batch.partition}/${m?.offset}`;
      dead.push({ key: ref, code: b.code, reason: `${ref}: ${b.reason}`, frame: m?.value ?? null, cdr: null });
    }
    for (const d of out.dead) {
      const frame = d.index >= 0 ? (frames[d.index] ?? null) : null;
      dead.push({ key: d.cdr_id, code: d.code, reason: d.reason, frame, cdr: d.cdr, held: d.held });
    }
    // Alerts go to the alerts topic beside the store write, at once (a switch may restrict the
    // account's calls while they go on): the batch is committed once they are acknowledged too.
    const alertsSent = out.alerts.length
      ? alertsOut.send(
          out.alerts,
          crossingTimes(out.alerts, out.alertFrames, (i) => Number(batch.messages[i]?.timestamp)),
        )
      : null;
    const landed =
      dead.length || alertsSent ? Promise.all([stored, dead.length ? sendDeadLetters(dead) : null, alertsSent]).then(() => {}) : stored;

    // 4. once stored: latency, counters and the offset commit, in batch order per partition
    const { topic, partition, messages } = batch;
    const last = messages[messages.length - 1] as (typeof messages)[number];
    const next = (BigInt(last.offset) + 1n).toString();
    // What the commit step needs, taken now and handed to a function of its own: the batch's
    // messages, CDRs and rated events are not kept alive until the write lands (they die young
    // instead of being promoted and traced by full garbage collections).
    const producedAt = new Float64Array(messages.length);
    for (let i = 0; i < messages.length; i++) producedAt[i] = Number((messages[i] as (typeof messages)[number]).timestamp);
    commitWhenStored(landed, {
      topic,
      partition,
      next,
      producedAt,
      rated: out.rated,
      replays: out.replays,
      deadCodes: dead.map((d) => d.code),
      alertKinds: out.alerts.map((a) => a.kind),
    });
    resolveOffset(last.offset);
    await heartbeat();
    // Backpressure: no new fetch while too many rated rows wait to be stored.
    if (writer.pending >= cfg.writer.maxPendingRows) {
      metrics.backpressure.inc();
      await writer.below(cfg.writer.maxPendingRows);
      await heartbeat();
    }
    const secs = endTimer();
    log.debug({ partition, records: messages.length, events: out.rated, dead: dead.length, ms: Math.round(secs * 1000) }, 'batch rated');
  }

  /** Sends dead letters to their topic (in chunks the broker accepts) and to the dead_letters table. */
  async function sendDeadLetters(dead: readonly OutgoingDeadLetter[]): Promise<void> {
    const now = Date.now();
    const max = cfg.kafka.maxMessageBytes;
    for (const chunk of sendChunks(
      dead.map((d) => deadLetterMessage(d, max)),
      max,
    ))
      await retry('dead-letter topic', () =>
        producer.send({ topic: cfg.kafka.deadLetterTopic, messages: chunk }).then(
          () => undefined,
          (e: unknown) => {
            throw brokerError(e, cfg.kafka.brokers.join(','));
          },
        ),
      );
    await retry('dead letters', () =>
      writeDeadLetters(
        store,
        dead.map((d) => deadLetterRow(d, now)),
      ),
    );
    for (const d of dead) log.warn({ cdr_id: d.key, code: d.code }, d.reason);
  }
  return {
    stats,
    metrics,
    latencies,
    latencyCount: () => latN,
    ready,
    isReady: () => joined && failure === null && Date.now() - lastFetchMs < READY_FETCH_MS,
    failed,
    async stop() {
      stopping = true;
      lag.stop();
      // Finish what was consumed: no new batches, in-flight ones rated, their rows stored and
      // offsets committed, then leave the group.
      log.debug('pausing consumer, storing in-flight batches');
      clearTimeout(stoppedUnasked);
      pauseIfRunning(consumer, cfg.kafka.cdrTopic);
      while (active > 0) await new Promise((r) => setTimeout(r, 20));
      await writer.drain();
      await Promise.all(commits.values());
      log.debug('stopping consumer');
      await consumer.disconnect();
      log.debug('stopping producer');
      await producer.disconnect();
      log.debug('stopping the rating pool');
      await pool.close(); // a stopped pipeline holds no account-months, even if its caller keeps it
      log.debug('closing store');
      if (!deps.store) await store.close();
    },
  };
}
