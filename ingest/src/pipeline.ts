/**
 * The streaming pipeline: Kafka consumer group -> Piscina decode pool -> rating engine ->
 * store, with dead letters to a Kafka topic. Offsets are committed only after the batch's rated
 * events, alerts and dead letters are written, so a crash replays the batch (at least once); the
 * store keeps one row per (cdr_id, version) and readers use FINAL, so a replay is not billed twice.
 *
 * Known limit of this stage: the engine's account-month state lives in memory, so after a restart
 * calls already rated are not part of the allowance state. Durable state is the subject of the
 * streaming-pipeline work (see README, "Roadmap").
 */
import { createSchema, openStore, type Store, writeAlerts, writeDeadLetters, writeRated } from '@ratel/aggregator';
import { type AccountBook, type Catalog, createDecodePool, newOutput, RatingEngine } from '@ratel/rater';
import { type Codecs, errors } from '@ratel/schemas';
import type { Kafka } from 'kafkajs';
import type { Config } from './config.js';
import { ensureTopics } from './kafka.js';
import type { Logger } from './logger.js';

export interface PipelineStats {
  consumed: number;
  rated: number;
  deadLetters: number;
  alerts: number;
  replays: number;
}

export interface Pipeline {
  stats: PipelineStats;
  /** Resolves once the consumer has joined its group. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export async function startPipeline(
  kafka: Kafka,
  cfg: Config,
  deps: { catalog: Catalog; accounts: AccountBook; codecs: Codecs; log: Logger; store?: Store },
): Promise<Pipeline> {
  const { log, codecs } = deps;
  await ensureTopics(kafka, cfg);
  const store =
    deps.store ??
    (await openStore(
      cfg.store.engine === 'chdb'
        ? { engine: 'chdb', dataDir: cfg.store.dataDir }
        : { engine: 'server', url: cfg.store.url, database: cfg.store.database },
    ));
  await createSchema(store);
  const pool = createDecodePool(cfg.rater.threads);
  const engine = new RatingEngine({ catalog: deps.catalog, accounts: deps.accounts });
  const stats: PipelineStats = { consumed: 0, rated: 0, deadLetters: 0, alerts: 0, replays: 0 };
  const consumer = kafka.consumer({ groupId: cfg.kafka.groupId, maxBytes: 32 << 20 });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    await Promise.all([consumer.connect(), producer.connect()]);
  } catch (e) {
    await pool.close();
    throw errors.brokerUnreachable(cfg.kafka.brokers.join(','), e);
  }
  let joined: () => void = () => {};
  const ready = new Promise<void>((r) => {
    joined = r;
  });
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.subscribe({ topic: cfg.kafka.cdrTopic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning }) => {
      if (!isRunning() || batch.messages.length === 0) return;
      const frames = batch.messages.map((m) => m.value ?? Buffer.alloc(0));
      const t0 = performance.now();
      const decoded = await pool.decode(frames, codecs.cdr.schemaId);
      const out = newOutput();
      // Dead letters keep the original bytes: undecodable frames as received, unrateable CDRs
      // as their decoded record re-encoded in the same wire format.
      const dlq: { key: string; value: Buffer | null; headers: Record<string, string> }[] = [];
      for (const b of decoded.bad) {
        const m = batch.messages[b.index];
        const ref = `${batch.topic}/${batch.partition}/${m?.offset}`;
        out.dead.push({ cdr_id: ref, code: 'CDR_MALFORMED', reason: `${ref}: ${b.reason}`, cdr: null });
        dlq.push({ key: ref, value: m?.value ?? null, headers: { reason_code: 'CDR_MALFORMED', reason: b.reason } });
      }
      const undecodable = out.dead.length;
      for (const c of decoded.cdrs) if (c) engine.add(c, out);
      for (const d of out.dead.slice(undecodable)) {
        dlq.push({ key: d.cdr_id, value: d.cdr ? codecs.cdr.encode(d.cdr) : null, headers: { reason_code: d.code, reason: d.reason } });
      }
      await writeRated(store, out.events);
      await writeAlerts(store, out.alerts);
      if (dlq.length) {
        const now = Date.now();
        await producer.send({ topic: cfg.kafka.deadLetterTopic, messages: dlq });
        await writeDeadLetters(
          store,
          out.dead.map((d) => ({
            cdr_id: d.cdr_id,
            code: d.code,
            reason: d.reason,
            record: d.cdr ? JSON.stringify(d.cdr) : '',
            at_ms: now,
          })),
        );
        for (const d of out.dead) log.warn({ cdr_id: d.cdr_id, code: d.code }, d.reason);
      }
      const last = batch.messages[batch.messages.length - 1];
      if (last) resolveOffset(last.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
      stats.consumed += batch.messages.length;
      stats.rated += out.events.length;
      stats.deadLetters += out.dead.length;
      stats.alerts += out.alerts.length;
      stats.replays += out.replays;
      log.debug({ partition: batch.partition, records: batch.messages.length, ms: Math.round(performance.now() - t0) }, 'batch rated');
    },
  });
  return {
    stats,
    ready,
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
      await pool.close();
      if (!deps.store) await store.close();
    },
  };
}
