/**
 * FrameProducer (ingest/src/frame-producer.ts) on the shared Kafka: frames written as Produce
 * requests of our own through kafkajs's cluster client land as kafkajs's producer would put
 * them (every record once, on its key's partition, in order, key and value as sent, CreateTime
 * now), from one chunk or several; the broker's refusal comes back as kafkajs's typed error.
 */
import { createKafka, createLogger, encodeFrames, FrameProducer, generateAccounts, generateCdrs, loadConfig } from '@ratel/ingest';
import { type Cdr, localCodecs } from '@ratel/schemas';
import { type Kafka, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HINT, KAFKA_BROKERS } from '../services.js';

const topic = `frame-producer.${process.pid}.${Date.now()}`;
const idempotentTopic = `${topic}.idempotent`;
const PARTITIONS = 4;
const cfg = loadConfig({ env: { RATEL_KAFKA_BROKERS: KAFKA_BROKERS.join(','), RATEL_KAFKA_TOPIC: topic } });
const kafka: Kafka = createKafka(cfg, createLogger('silent'));
const codec = localCodecs().cdr;
const accounts = generateAccounts({ accounts: 50, month: 202610, seed: 3 });
const cdrs: Cdr[] = generateCdrs(accounts, { accounts: 50, month: 202610, seed: 3, malformedShare: 0 }).slice(0, 3000);

interface Got {
  partition: number;
  key: string;
  value: Buffer;
  timestamp: number;
}

async function consume(topic: string, count: number): Promise<Got[]> {
  const consumer = kafka.consumer({ groupId: `${topic}.check`, maxBytesPerPartition: 4 << 20 });
  const out: Got[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done: () => void = () => {};
    const all = new Promise<void>((r) => {
      done = r;
    });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages)
          out.push({ partition: batch.partition, key: m.key?.toString() ?? '', value: m.value as Buffer, timestamp: Number(m.timestamp) });
        if (out.length >= count) done();
      },
    });
    await Promise.race([all, new Promise((r) => setTimeout(r, 30_000))]);
    await new Promise((r) => setTimeout(r, 500)); // a record beyond `count` would show here
  } finally {
    await consumer.disconnect();
  }
  return out;
}

describe('FrameProducer on the shared Kafka', () => {
  const admin = kafka.admin();
  beforeAll(async () => {
    await admin.connect().catch((e) => {
      throw new Error(`Kafka at ${KAFKA_BROKERS.join(',')} unreachable: ${HINT} (${(e as Error).message})`);
    });
    await admin.createTopics({
      waitForLeaders: true,
      topics: [topic, idempotentTopic].map((t) => ({ topic: t, numPartitions: PARTITIONS, replicationFactor: 1 })),
    });
  }, 60_000);
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic, idempotentTopic] }).catch(() => {});
    await admin.disconnect();
  });

  it('puts every frame once on its key partition, in order, from one chunk and from several', async () => {
    const p = new FrameProducer(kafka, topic);
    await p.connect();
    const t0 = Date.now();
    try {
      await p.send(encodeFrames(codec, cdrs.slice(0, 1000), 1000), { acks: -1 }); // one chunk
      await p.send(encodeFrames(codec, cdrs.slice(1000), 300), { acks: -1 }); // seven chunks in one send
    } finally {
      await p.disconnect();
    }
    const got = await consume(topic, cdrs.length);
    expect(got.length).toBe(cdrs.length);
    const place = Partitioners.DefaultPartitioner();
    const metadata = Array.from({ length: PARTITIONS }, (_, i) => ({
      partitionId: i,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    const want = cdrs.map((c) => ({
      partition: place({ topic, partitionMetadata: metadata, message: { key: c.account_id, value: null } }),
      key: c.account_id,
      value: codec.encode(c),
    }));
    for (let part = 0; part < PARTITIONS; part++) {
      const mine = got.filter((g) => g.partition === part);
      const wanted = want.filter((w) => w.partition === part);
      expect(mine.map((g) => g.key)).toEqual(wanted.map((w) => w.key));
      expect(mine.every((g, i) => g.value.equals(wanted[i]?.value as Buffer))).toBe(true);
    }
    expect(got.every((g) => g.timestamp >= t0 - 1000 && g.timestamp <= Date.now())).toBe(true);
  }, 90_000);

  it('idempotent (as ratel produce): a producer id, each partition sequence carried on from send to send', async () => {
    const p = new FrameProducer(kafka, idempotentTopic, { idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    try {
      // Sequences the broker did not expect would be refused (OUT_OF_ORDER_SEQUENCE_NUMBER).
      for (let i = 0; i < cdrs.length; i += 700) await p.send(encodeFrames(codec, cdrs.slice(i, i + 700), 350), { acks: -1 });
      await Promise.all([0, 1, 2].map((k) => p.send(encodeFrames(codec, cdrs.slice(k * 10, k * 10 + 10), 10), { acks: -1 })));
      await expect(p.send(encodeFrames(codec, cdrs.slice(0, 1), 1), { acks: 1 })).rejects.toThrow(/idempotent/);
    } finally {
      await p.disconnect();
    }
    const got = await consume(idempotentTopic, cdrs.length + 30);
    expect(got.length).toBe(cdrs.length + 30);
    const ids = got.map((g) => codec.decode(g.value).id).sort();
    const want = [...cdrs.map((c) => c.id), ...cdrs.slice(0, 30).map((c) => c.id)].sort();
    expect(ids).toEqual(want);
  }, 90_000);

  it('a record over the broker limit is refused at once with the error kafkajs producer gives', async () => {
    const big = { ...(cdrs[0] as Cdr), id: 'x'.repeat(3 << 20) };
    const p = new FrameProducer(kafka, topic);
    const reference = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([p.connect(), reference.connect()]);
    const failure = (e: unknown) => e as { name: string; type?: string; retriable?: boolean };
    try {
      const t0 = Date.now();
      const ours = await p.send(encodeFrames(codec, [big], 1), { acks: -1 }).then(() => null, failure);
      expect(Date.now() - t0).toBeLessThan(5000);
      const theirs = await reference
        .send({ topic, acks: -1, messages: [{ key: big.account_id, value: codec.encode(big) }] })
        .then(() => null, failure);
      expect([ours?.name, ours?.type, ours?.retriable]).toEqual(['KafkaJSProtocolError', 'MESSAGE_TOO_LARGE', false]);
      expect([ours?.name, ours?.type]).toEqual([theirs?.name, theirs?.type]);
    } finally {
      await Promise.all([p.disconnect(), reference.disconnect()]);
    }
  }, 60_000);
});
