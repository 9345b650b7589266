/** Produces CDRs into Kafka as Avro (Confluent wire format), keyed by account. */
import { type Cdr, errors, type WireCodec } from '@ratel/schemas';
import { CompressionTypes, type Kafka } from 'kafkajs';
import type { Config } from './config.js';

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
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    await producer.connect();
  } catch (e) {
    throw errors.brokerUnreachable(cfg.kafka.brokers.join(','), e);
  }
  const t0 = Date.now();
  let sent = 0;
  try {
    for (let i = 0; i < cdrs.length; i += opts.batch) {
      const slice = cdrs.slice(i, i + opts.batch);
      await producer.send({
        topic: cfg.kafka.cdrTopic,
        compression: CompressionTypes.None,
        messages: slice.map((c) => ({ key: c.account_id, value: codec.encode(c) })),
      });
      sent += slice.length;
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
