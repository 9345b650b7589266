// The producers' partitioner (ingest/src/partitioner.ts): Kafka's default placement remembered per key.
import { cachedDefaultPartitioner } from '@ratel/ingest';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';

const metadata = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));

describe('cachedDefaultPartitioner', () => {
  it('places every key where the default (Java-compatible murmur2) partitioner does, first time and after', () => {
    const cached = cachedDefaultPartitioner();
    const reference = Partitioners.DefaultPartitioner();
    for (const n of [1, 3, 12]) {
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 500; i++) {
          const args = { topic: 'cdrs', partitionMetadata: metadata(n), message: { key: `acc-${i * 7919}`, value: null } };
          expect(cached(args)).toBe(reference(args));
        }
      }
    }
  });

  it('keeps an explicit partition, and a topic with more partitions gets its own placement', () => {
    const cached = cachedDefaultPartitioner();
    expect(cached({ topic: 't', partitionMetadata: metadata(4), message: { key: 'k', partition: 3, value: null } })).toBe(3);
    const reference = Partitioners.DefaultPartitioner();
    const at = (n: number) => ({ topic: 't', partitionMetadata: metadata(n), message: { key: 'acc-42', value: null } });
    expect([cached(at(4)), cached(at(7))]).toEqual([reference(at(4)), reference(at(7))]);
  });
});
