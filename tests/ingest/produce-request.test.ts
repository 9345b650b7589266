// The Produce request written from frames (ingest/src/produce-request.ts): byte for byte what
// kafkajs's own Produce v3 encoder writes for the same messages, any keys, values and partitions,
// with no producer id or an idempotent producer's id, epoch and sequences.
import { createRequire } from 'node:module';
import { encodeProduceRequest, type PartitionRecords } from '@ratel/ingest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
type Encode = (o: object) => { encode(): Promise<{ buffer: Buffer }> };
const kafkajsProduceV3 = require('kafkajs/src/protocol/requests/produce/v3/request.js') as Encode;

const record = fc.record({ key: fc.string({ maxLength: 80, unit: 'binary' }), value: fc.uint8Array({ maxLength: 300 }) });
const partitions = fc.uniqueArray(
  fc.record({ partition: fc.nat({ max: 1000 }), records: fc.array(record, { minLength: 1, maxLength: 40 }) }),
  {
    selector: (p) => p.partition,
    minLength: 1,
    maxLength: 5,
  },
);

describe('encodeProduceRequest', () => {
  it('writes the bytes of kafkajs Produce v3 for the same messages', async () => {
    await fc.assert(
      fc.asyncProperty(
        partitions,
        fc.integer({ min: 1, max: 2 ** 42 }),
        fc.constantFrom(-1, 1),
        fc.option(fc.record({ id: fc.bigInt({ min: 0n, max: 2n ** 62n }), epoch: fc.nat({ max: 32767 }) }), { nil: undefined }),
        fc.array(fc.nat({ max: 2 ** 31 - 2 }), { minLength: 5, maxLength: 5 }),
        async (parts, timestamp, acks, producer, sequences) => {
          // (kafkajs takes a timestamp of 0 for none: from 1.) The values of all partitions end to end in one buffer, as FrameProducer hands them over.
          const values = Buffer.concat(parts.flatMap((p) => p.records.map((r) => Buffer.from(r.value))));
          let at = 0;
          const ours: PartitionRecords[] = parts.map((p, i) => {
            const starts: number[] = [];
            const ends: number[] = [];
            for (const r of p.records) {
              starts.push(at);
              at += r.value.length;
              ends.push(at);
            }
            const firstSequence = producer ? (sequences[i] as number) : 0;
            return { partition: p.partition, keys: p.records.map((r) => r.key), starts, ends, values, firstSequence };
          });
          const topic = 'cdrs.é';
          const topicData = [
            {
              topic,
              partitions: parts.map((p, i) => ({
                partition: p.partition,
                firstSequence: producer ? sequences[i] : 0,
                messages: p.records.map((r) => ({ key: r.key, value: Buffer.from(r.value), timestamp })),
              })),
            },
          ];
          const identity = producer ? { producerId: producer.id.toString(), producerEpoch: producer.epoch } : {};
          const want = (await kafkajsProduceV3({ acks, timeout: 30_000, topicData, ...identity }).encode()).buffer;
          expect(encodeProduceRequest(topic, ours, { acks, timeoutMs: 30_000, timestamp, producer }).equals(want)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
