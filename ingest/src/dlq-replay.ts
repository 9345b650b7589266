/**
 * Replays dead letters once their cause is fixed (an account added to the accounts file, a deck
 * completed): the original frames on the dead-letter topic are produced again to the CDR topic,
 * keyed by their account as that topic wants. Replaying is safe: a CDR already rated is a replay
 * and changes nothing, and one still unrateable goes back to the dead-letter topic with its
 * reason.
 *
 * The dead-letter topic is read up to where it ends when the replay starts, in a consumer group
 * of its own (`<groupId>.dlq-replay`) whose offsets are committed after each batch is produced:
 * a second replay starts after the first one's dead letters. A replay that receives nothing for
 * IDLE_MS stops there (an offset gap left by the broker would otherwise keep it waiting).
 */
import type { Cdr, WireCodec } from '@ratel/schemas';
import type { Kafka, Message } from 'kafkajs';
import type { Config } from './config.js';
import { brokerError } from './kafka.js';
import type { Logger } from './logger.js';

const IDLE_MS = 15_000;

export interface DlqReplayOptions {
  /** Reason codes to replay; by default every code but CDR_MALFORMED (bytes that never decode). */
  codes?: readonly string[];
}

export interface DlqReplayResult {
  /** Dead letters read (from where the previous replay stopped). */
  read: number;
  replayed: number;
  /** Left alone: another reason code, no original bytes, or bytes that do not decode. */
  skipped: number;
}

/** Offset each partition must reach (exclusive) for the replay to be done; empty when nothing is left. */
async function remaining(kafka: Kafka, cfg: Config, groupId: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (e) {
    throw await brokerError(cfg, e);
  }
  try {
    const topic = cfg.kafka.deadLetterTopic;
    if (!(await admin.listTopics()).includes(topic)) return new Map();
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const from = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    const left = new Map<number, bigint>();
    for (const p of ends) {
      const end = BigInt(p.high);
      const start = from.get(p.partition) ?? -1n;
      if (end > (start < 0n ? BigInt(p.low) : start)) left.set(p.partition, end);
    }
    return left;
  } finally {
    await admin.disconnect();
  }
}

export async function replayDeadLetters(
  kafka: Kafka,
  cfg: Config,
  codec: WireCodec<Cdr>,
  log: Logger,
  opts: DlqReplayOptions = {},
): Promise<DlqReplayResult> {
  const groupId = `${cfg.kafka.groupId}.dlq-replay`;
  const result: DlqReplayResult = { read: 0, replayed: 0, skipped: 0 };
  const left = await remaining(kafka, cfg, groupId);
  if (left.size === 0) return result;
  const wanted = (code: string) => (opts.codes ? opts.codes.includes(code) : code !== 'CDR_MALFORMED');

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId });
  try {
    await producer.connect();
    await consumer.connect();
  } catch (e) {
    await Promise.allSettled([producer.disconnect(), consumer.disconnect()]);
    throw await brokerError(cfg, e);
  }
  try {
    let finish: () => void = () => {};
    let fail: (e: unknown) => void = () => {};
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    let idle = setTimeout(() => finish(), IDLE_MS);
    await consumer.subscribe({ topic: cfg.kafka.deadLetterTopic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        clearTimeout(idle);
        idle = setTimeout(() => finish(), IDLE_MS);
        try {
          const end = left.get(batch.partition);
          const out: Message[] = [];
          let last = -1n;
          for (const m of batch.messages) {
            const offset = BigInt(m.offset);
            if (end === undefined || offset >= end) break;
            last = offset;
            result.read++;
            const code = m.headers?.reason_code?.toString() ?? '';
            let account: string | null = null;
            if (wanted(code) && m.value) {
              try {
                account = codec.decode(m.value).account_id;
              } catch (e) {
                log.warn({ partition: batch.partition, offset: m.offset, code }, `dead letter not replayed: ${(e as Error).message}`);
              }
            }
            if (account === null || !m.value) {
              result.skipped++;
              continue;
            }
            out.push({ key: account, value: m.value });
          }
          if (out.length > 0) await producer.send({ topic: cfg.kafka.cdrTopic, messages: out });
          result.replayed += out.length;
          if (last >= 0n) {
            // Committed only once the batch's CDRs are on the CDR topic: nothing is lost.
            await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(last + 1n) }]);
            if (end !== undefined && last + 1n >= end) left.delete(batch.partition);
          }
          if (left.size === 0) finish();
        } catch (e) {
          fail(e);
          throw e;
        }
      },
    });
    await done.finally(() => clearTimeout(idle));
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
  log.info(result, 'dead letters replayed');
  return result;
}
