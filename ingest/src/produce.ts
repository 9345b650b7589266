/** Produces CDRs into Kafka as Avro (Confluent wire format), keyed by account. */
import type { Cdr, WireCodec } from '@ratel/schemas';
import { CompressionTypes, type Kafka } from 'kafkajs';
import type { Config } from './config.js';
import { encodeFrames, type FrameChunk } from './frames.js';
import { brokerError } from './kafka.js';
import { cachedDefaultPartitioner } from './partitioner.js';

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
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: cachedDefaultPartitioner });
  try {
    await producer.connect();
  } catch (e) {
    throw await brokerError(cfg, e);
  }
  const t0 = Date.now();
  let sent = 0;
  try {
    for (const { bytes, ends, keys } of chunks) {
      const messages = new Array(keys.length);
      for (let k = 0; k < keys.length; k++) messages[k] = { key: keys[k], value: bytes.subarray(ends[k], ends[k + 1]) };
      await producer.send({ topic: cfg.kafka.cdrTopic, compression: CompressionTypes.None, messages });
      sent += keys.length;
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
