/**
 * Sends wire frames (FrameChunk) to one topic through kafkajs's own cluster client (the same
 * connections, TLS, SASL, metadata, leader lookup and retries as `kafka.producer()`), with the
 * Produce request written by produce-request.ts from the frames' bytes instead of kafkajs's
 * message objects: kafkajs's encoding cost about 7 µs of CPU per CDR on this project's frames,
 * most of the HTTP ingest's CPU.
 *
 * What `producer.send` does is kept, step for step (kafkajs 2.2.4, src/producer/sendMessages.js):
 * the partition of each key (cachedDefaultPartitioner: murmur2, as the Java client), one request
 * per partition leader, the partitions a leader acknowledged not sent again when another leader's
 * request is retried, metadata refreshed on a stale-metadata or connection error, reconnection
 * when no broker is connected, and the client's retry policy (`retry` of createKafka) through the
 * cluster's own retrier. Idempotent or not, as kafkajs's `idempotent` (src/producer/eosManager):
 * a producer id from InitProducerId at connect, a sequence per partition advanced before each
 * request and taken back when it fails, one request at a time per broker. Not idempotent, a
 * retry may write a record twice.
 *
 * Limits (as kafkajs's own producer): a sequence handed back after a failed request may be taken
 * by another send before the retry, so idempotence holds for one send() at a time (`ratel
 * produce` awaits each chunk; the HTTP sender is not idempotent and its duplicates are replays to
 * the rater); one partition's error in a broker's response fails that broker's whole request, so
 * its other partitions are sent again on the retry (duplicates, replays to the rater).
 *
 * kafkajs has no public way to hand it encoded records, so this reaches into it: the Kafka
 * object's cluster factory (a symbol property), `kafkajs/src` modules for the Produce request's
 * versions and the stale-metadata test, and a broker's connection pool (written against kafkajs
 * 2.2.4, its last release). tests/integration/frame-producer.test.ts and
 * frame-producer-secured.test.ts check them against the installed kafkajs and the real brokers;
 * tests/ingest/produce-request.test.ts the bytes against kafkajs's own encoder.
 */
import { createRequire } from 'node:module';
import type { Kafka, PartitionerArgs, PartitionMetadata } from 'kafkajs';
import type { FrameChunk } from './frames.js';
import { cachedDefaultPartitioner } from './partitioner.js';
import { encodeProduceRequest, type PartitionRecords, type ProducerIdentity } from './produce-request.js';

const require = createRequire(import.meta.url);

type Retrier = <T>(fn: (bail: (e: Error) => void, retryCount: number, retryTime: number) => Promise<T>) => Promise<T>;
interface ProtocolRequest {
  request: { apiKey: number; apiVersion: number; apiName: string; encode: () => Promise<unknown> };
  response: unknown;
}
interface Broker {
  nodeId: number;
  lookupRequest(apiKey: number, definition: unknown): (args: object) => ProtocolRequest;
  initProducerId(a: { transactionalId?: string; transactionTimeout: number }): Promise<{ producerId: string; producerEpoch: number }>;
  connectionPool: { send(r: ProtocolRequest): Promise<unknown> };
  disconnect(): Promise<void>;
}
interface Cluster {
  retrier: Retrier;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  removeBroker(a: { host: string; port: number }): void;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findTopicPartitionMetadata(topic: string): PartitionMetadata[];
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(a: { nodeId: number }): Promise<Broker>;
  findControllerBroker(): Promise<Broker>;
}
interface KafkaError extends Error {
  type?: string;
  retriable?: boolean;
  host?: string;
  port?: number;
}

const PRODUCE = 0;
const MIN_PRODUCE_VERSION = 3;
/** kafkajs's defaults: the transaction timeout its InitProducerId asks for, and where a sequence wraps to 0. */
const TRANSACTION_TIMEOUT_MS = 60_000;
const INT_32_MAX_VALUE = 2 ** 31 - 1;
const { requests } = require('kafkajs/src/protocol/requests/index.js') as { requests: { Produce: unknown } };
const { staleMetadata } = require('kafkajs/src/protocol/error.js') as { staleMetadata: (e: unknown) => boolean };
const { KafkaJSMetadataNotLoaded, KafkaJSNonRetriableError } = require('kafkajs/src/errors.js') as {
  KafkaJSMetadataNotLoaded: new (message: string) => Error;
  KafkaJSNonRetriableError: new (message: string) => Error;
};

/** A cluster client made by `kafka` as its producers' (same brokers, TLS, SASL, retry). */
function clusterOf(kafka: Kafka, o: { allowAutoTopicCreation: boolean; maxInFlightRequests: number | null }): Cluster {
  const own = kafka as unknown as Record<symbol, unknown>;
  const key = Object.getOwnPropertySymbols(own).find((s) => s.description === 'private:Kafka:createCluster');
  const create = key === undefined ? undefined : own[key];
  if (typeof create !== 'function')
    throw new Error('kafkajs has no cluster factory where 2.2.4 keeps it (private:Kafka:createCluster): check the installed kafkajs');
  // The options kafka.producer() gives it (metadataMaxAge: kafkajs's producer default).
  return (create as (o: object) => Cluster)({
    metadataMaxAge: 300_000,
    allowAutoTopicCreation: o.allowAutoTopicCreation,
    maxInFlightRequests: o.maxInFlightRequests,
    instrumentationEmitter: null,
  });
}

export interface FrameSendOptions {
  /** -1: all in-sync replicas; 1: the leader. */
  acks: number;
  timeoutMs?: number;
}

export interface FrameProducerOptions {
  /** As kafkajs's producer `idempotent` (default false). */
  idempotent?: boolean;
  /** Requests in flight per connection, as kafkajs's producer `maxInFlightRequests` (default: no limit). */
  maxInFlightRequests?: number | null;
  /** Whether asking for a missing topic's metadata creates it (where the brokers allow it), as kafkajs's (default false here). */
  allowAutoTopicCreation?: boolean;
}

export class FrameProducer {
  private readonly cluster: Cluster;
  private readonly partitioner = cachedDefaultPartitioner();
  private readonly idempotent: boolean;
  /** The idempotent producer's id and epoch, once connected. */
  private identity: ProducerIdentity | undefined;
  /** The next sequence of each partition (idempotent). */
  private readonly sequences = new Map<number, number>();
  /** One request at a time per broker (idempotent): the end of the last one. */
  private readonly brokerTurns = new Map<number, Promise<void>>();

  constructor(
    kafka: Kafka,
    readonly topic: string,
    o: FrameProducerOptions = {},
  ) {
    this.idempotent = o.idempotent ?? false;
    this.cluster = clusterOf(kafka, {
      allowAutoTopicCreation: o.allowAutoTopicCreation ?? false,
      maxInFlightRequests: o.maxInFlightRequests ?? null,
    });
  }

  /** As kafkajs's producer.connect: the cluster (the topic's metadata comes with the first send, under its retries). */
  async connect(): Promise<void> {
    await this.cluster.connect();
    if (this.idempotent && this.identity === undefined) await this.initProducerId();
  }

  /** kafkajs's eosManager.initProducerId for a producer with no transactional id: any broker (the controller) gives one. */
  private async initProducerId(): Promise<void> {
    const { cluster } = this;
    await cluster.retrier(async (bail) => {
      try {
        await cluster.refreshMetadataIfNecessary();
        const broker = await cluster.findControllerBroker();
        const r = await broker.initProducerId({ transactionTimeout: TRANSACTION_TIMEOUT_MS });
        this.identity = { id: BigInt(r.producerId), epoch: r.producerEpoch };
        this.sequences.clear();
        this.brokerTurns.clear();
      } catch (e) {
        if ((e as KafkaError).retriable) throw e;
        bail(e as Error);
      }
    });
  }

  /** Runs `op` once the broker's previous request (idempotent) has ended; at once otherwise. */
  private async inTurn(nodeId: number, op: () => Promise<void>): Promise<void> {
    if (this.identity === undefined) return op();
    const before = this.brokerTurns.get(nodeId) ?? Promise.resolve();
    const mine = before.then(op);
    const settled = mine.then(
      () => {},
      () => {},
    );
    this.brokerTurns.set(nodeId, settled);
    try {
      await mine;
    } finally {
      if (this.brokerTurns.get(nodeId) === settled) this.brokerTurns.delete(nodeId);
    }
  }

  /** Moves a partition's sequence by `n` (back when negative), wrapping to 0 as kafkajs does. */
  private advance(partition: number, n: number): void {
    const next = (this.sequences.get(partition) ?? 0) + n;
    this.sequences.set(partition, next >= INT_32_MAX_VALUE ? 0 : next);
  }

  async disconnect(): Promise<void> {
    await this.cluster.disconnect();
  }

  /** Sends every frame of `chunks`, keyed by its account; resolves once each partition's batch is acknowledged. */
  async send(chunks: readonly FrameChunk[], o: FrameSendOptions): Promise<void> {
    const { cluster, topic } = this;
    if (this.idempotent && this.identity === undefined)
      throw new KafkaJSNonRetriableError('an idempotent FrameProducer sends only once connected (its producer id)');
    if (this.identity !== undefined && o.acks !== -1)
      throw new KafkaJSNonRetriableError("Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees");
    let groups: Map<number, PartitionRecords> | null = null;
    let groupedFor = -1;
    const acked = new Set<number>();
    await cluster.retrier(async (bail) => {
      try {
        await cluster.addTargetTopic(topic);
        await cluster.refreshMetadataIfNecessary();
        const metadata = cluster.findTopicPartitionMetadata(topic);
        if (metadata.length === 0) throw new KafkaJSMetadataNotLoaded('Producing to topic without metadata');
        if (groups === null || groupedFor !== metadata.length) {
          groups = this.group(chunks, metadata);
          groupedFor = metadata.length;
          acked.clear();
        }
        const all = groups;
        const left = [...all.keys()].filter((p) => !acked.has(p)).sort((a, b) => a - b);
        const perLeader = cluster.findLeaderForPartitions(topic, left);
        // Every request of the attempt settles before a retry: one still in flight when another
        // failed would otherwise be sent again while it may still land.
        const settled = await Promise.allSettled(
          Object.entries(perLeader).map(async ([nodeId, partitions]) => {
            const broker = await cluster.findBroker({ nodeId: Number(nodeId) });
            const records = partitions.map((p) => all.get(p) as PartitionRecords);
            await this.inTurn(broker.nodeId, async () => {
              const producer = this.identity;
              if (producer !== undefined)
                for (const r of records) {
                  r.firstSequence = this.sequences.get(r.partition) ?? 0;
                  this.advance(r.partition, r.keys.length);
                }
              try {
                const body = encodeProduceRequest(topic, records, {
                  acks: o.acks,
                  timeoutMs: o.timeoutMs ?? 30_000,
                  timestamp: Date.now(),
                  producer,
                });
                await produce(broker, body, o);
              } catch (e) {
                if (producer !== undefined) for (const r of records) this.advance(r.partition, -r.keys.length);
                throw e;
              }
            });
            for (const p of partitions) acked.add(p);
          }),
        );
        for (const r of settled) if (r.status === 'rejected') throw r.reason;
        // A partition with no leader in the metadata is left out by findLeaderForPartitions: never acknowledged unseen.
        if (left.some((p) => !acked.has(p))) throw new KafkaJSMetadataNotLoaded(`no leader known for a partition of ${topic}`);
      } catch (e) {
        const err = e as KafkaError;
        if (err.name === 'KafkaJSConnectionClosedError' && err.host !== undefined && err.port !== undefined)
          cluster.removeBroker({ host: err.host, port: err.port });
        if (!cluster.isConnected()) {
          await cluster.connect();
          await cluster.refreshMetadata();
          throw e;
        }
        if (
          staleMetadata(e) ||
          err.name === 'KafkaJSMetadataNotLoaded' ||
          err.name === 'KafkaJSConnectionError' ||
          err.name === 'KafkaJSConnectionClosedError' ||
          (err.name === 'KafkaJSProtocolError' && err.retriable)
        ) {
          await cluster.refreshMetadata();
          throw e;
        }
        if (err.retriable) throw e;
        bail(err);
      }
    });
  }

  /** The frames by partition (each partition's in their order), placed as kafkajs's default partitioner would. */
  private group(chunks: readonly FrameChunk[], partitionMetadata: PartitionMetadata[]): Map<number, PartitionRecords> {
    const groups = new Map<number, PartitionRecords>();
    const message = { key: '', value: null as Buffer | null };
    const args: PartitionerArgs = { topic: this.topic, partitionMetadata, message };
    // One buffer for every value: the chunks' bytes end to end (a single chunk is used as it is).
    const values = chunks.length === 1 ? (chunks[0] as FrameChunk).bytes : Buffer.concat(chunks.map((c) => c.bytes));
    let base = 0;
    for (const { bytes, ends, keys } of chunks) {
      for (let k = 0; k < keys.length; k++) {
        message.key = keys[k] as string;
        const p = this.partitioner(args);
        let g = groups.get(p);
        if (g === undefined) {
          g = { partition: p, keys: [], starts: [], ends: [], values };
          groups.set(p, g);
        }
        g.keys.push(message.key);
        g.starts.push(base + (ends[k] as number));
        g.ends.push(base + (ends[k + 1] as number));
      }
      base += bytes.length;
    }
    return groups;
  }
}

/** One Produce request to `broker` with `body` as written by encodeProduceRequest, at the version the broker and kafkajs agreed. */
async function produce(broker: Broker, body: Buffer, o: FrameSendOptions): Promise<void> {
  const r = broker.lookupRequest(PRODUCE, requests.Produce)({ acks: o.acks, timeout: o.timeoutMs ?? 30_000, topicData: [] });
  if (r.request.apiVersion < MIN_PRODUCE_VERSION)
    throw new KafkaJSNonRetriableError(`the broker speaks Produce v${r.request.apiVersion} only; record batches need v3 or later`);
  // kafkajs's request framing takes any object with the bytes as `buf` and `buffer` (its Encoder's fields).
  const encoded = { buf: body, buffer: body };
  r.request.encode = async () => encoded;
  try {
    await broker.connectionPool.send(r);
  } catch (e) {
    if ((e as Error).name === 'KafkaJSConnectionClosedError') await broker.disconnect();
    throw e;
  }
}
