/** Produces CDRs into Kafka as Avro (Confluent wire format), keyed by account. */
import { type Cdr, errors, type WireCodec } from '@ratel/schemas';
import { CompressionTypes, type ICustomPartitioner, type Kafka, Partitioners } from 'kafkajs';
import type { Config } from './config.js';

/**
 * Kafka's default partitioner (murmur2 of the key, as the Java client: an account lands on the
 * same partition whoever produces it), remembered per key: kafkajs's own filters the partition
 * list and hashes the key again for every message.
 */
export const cachedDefaultPartitioner: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const cache = new Map<string, number>();
  return (args) => {
    const { message, topic, partitionMetadata } = args;
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (typeof message.key !== 'string') return partitioner(args);
    const k = `${topic}|${partitionMetadata.length}|${message.key}`;
    let p = cache.get(k);
    if (p === undefined) {
      p = partitioner(args);
      cache.set(k, p);
    }
    return p;
  };
};

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
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: cachedDefaultPartitioner });
  try {
    await producer.connect();
  } catch (e) {
    throw errors.brokerUnreachable(cfg.kafka.brokers.join(','), e);
  }
  const t0 = Date.now();
  let sent = 0;
  try {
    for (let i = 0; i < cdrs.length; i += opts.batch) {
      const end = Math.min(cdrs.length, i + opts.batch);
      const messages = new Array(end - i);
      for (let k = i; k < end; k++) messages[k - i] = { key: (cdrs[k] as Cdr).account_id, value: codec.encode(cdrs[k] as Cdr) };
      await producer.send({ topic: cfg.kafka.cdrTopic, compression: CompressionTypes.None, messages });
      sent += end - i;
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
