/** Produces CDRs into Kafka as Avro (Confluent wire format), keyed by account. */
import type { Cdr, WireCodec } from '@ratel/schemas';
import type { Kafka } from 'kafkajs';
import type { Config } from './config.js';
import { FrameProducer } from './frame-producer.js';
import { encodeFrames, type FrameChunk } from './frames.js';
import { brokerError } from './kafka.js';

export interface ProduceOptions {
  /** Records per second; 0 = as fast as possible. */
  rate: number;
  batch: number;
  onProgress?: (sent: number) => void;
}

export async function produceCdrs(
  kafka: Kafka,
  cfg: Config,
  codec: WireCodec<Cdr>,
  cdrs: readonly Cdr[],
  opts: ProduceOptions,
): Promise<number> {
  return produceFrames(kafka, cfg, encodeFrames(codec, cdrs, opts.batch), opts);
}

/** Sends encoded CDRs (encodeFrames), one chunk per send, keyed by account, at `opts.rate`. */
export async function produceFrames(
  kafka: Kafka,
  cfg: Config,
  chunks: readonly FrameChunk[],
  opts: Omit<ProduceOptions, 'batch'>,
): Promise<number> {
  // kafkajs's cluster client with the Produce requests written from the frames (frame-producer.ts),
  // idempotent with one request in flight, a missing topic created as kafkajs's producer would
  // (its default allowAutoTopicCreation), as kafka.producer({ idempotent: true, maxInFlightRequests: 1 }).
  const producer = new FrameProducer(kafka, cfg.kafka.cdrTopic, { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
  try {
    await producer.connect();
  } catch (e) {
    throw await brokerError(cfg, e);
  }
  const t0 = Date.now();
  let sent = 0;
  try {
    for (const chunk of chunks) {
      await producer.send([chunk], { acks: -1 });
      sent += chunk.keys.length;
      opts.onProgress?.(sent);
      if (opts.rate > 0) {
        const due = t0 + (sent / opts.rate) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }
  } finally {
    await producer.disconnect();
  }
  return sent;
}
