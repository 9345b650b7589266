// The producer (ingest/src/produce.ts): its partitioner, Kafka's default placement remembered per
// key, and the CDRs encoded ahead of sending.
import { cachedDefaultPartitioner, encodeFrames, generateAccounts, generateCdrs } from '@ratel/ingest';
import { localCodecs } from '@ratel/schemas';
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

describe('encodeFrames', () => {
  it('holds every CDR as its wire frame, keyed by account, in order, in chunks of the send size', () => {
    const accounts = generateAccounts({ accounts: 8, month: 202610, seed: 4 });
    const cdrs = generateCdrs(accounts, { accounts: 8, month: 202610, seed: 4 }).slice(0, 1234);
    expect(cdrs.length).toBe(1234);
    const codec = localCodecs().cdr;
    const chunks = encodeFrames(codec, cdrs, 500);
    expect(chunks.map((c) => c.keys.length)).toEqual([500, 500, 234]);
    let i = 0;
    for (const { bytes, ends, keys } of chunks) {
      expect(ends[0]).toBe(0);
      expect(ends[keys.length]).toBe(bytes.length);
      for (let k = 0; k < keys.length; k++, i++) {
        const frame = bytes.subarray(ends[k], ends[k + 1]);
        expect(frame.equals(codec.encode(cdrs[i] as (typeof cdrs)[number]))).toBe(true);
        expect(codec.decode(frame)).toEqual(cdrs[i]);
        expect(keys[k]).toBe(cdrs[i]?.account_id);
      }
    }
    expect(i).toBe(cdrs.length);
    expect(encodeFrames(codec, [], 500)).toEqual([]);
  });
});
