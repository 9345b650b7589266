/**
 * The Kafka side of the HTTP ingest: one producer for the life of the process, sending a
 * request's cdr.v1 frames (encodeFrames, as `ratel import --to kafka`) to the CDR topic, keyed by
 * account, with acks from all in-sync replicas (acks = -1). `send` resolves only when every
 * frame is acknowledged, and rejects (a typed error) when any is not.
 *
 * A request is sent in pieces of at most half the brokers' message limit (kafka.maxMessageBytes):
 * the brokers take each partition's share of a send as one record batch, which must fit that
 * limit. The pieces go out together and are all awaited before the answer, so a failure answers
 * only once nothing of the request is still in flight. Some pieces may have been acknowledged by
 * then: the client sends the body again and the rater takes those CDRs as replays (same id, same
 * bytes: README "HTTP ingest").
 *
 * The producer is not idempotent: its retries can write a frame twice, which the rater also
 * takes as a replay, and no producer sequence state outlives a broker restart. It is kafkajs's
 * cluster client with the Produce requests written from the frames' bytes (../frame-producer.ts):
 * no kafkajs message object per CDR.
 */
import type { Kafka } from 'kafkajs';
import type { Config } from '../config.js';
import { FrameProducer } from '../frame-producer.js';
import { type FrameChunk, splitFrames } from '../frames.js';
import { brokerError } from '../kafka.js';

export class CdrSender {
  private readonly frames: FrameProducer;
  private readonly maxSendBytes: number;
  private ok = false;

  constructor(
    kafka: Kafka,
    private readonly cfg: Config,
  ) {
    this.frames = new FrameProducer(kafka, cfg.kafka.cdrTopic);
    this.maxSendBytes = Math.floor(cfg.kafka.maxMessageBytes / 2);
  }

  /** Connects the producer; a typed error (BROKER_UNREACHABLE, TLS_…, BROKER_AUTH_FAILED) otherwise. */
  async connect(): Promise<void> {
    try {
      await this.frames.connect();
    } catch (e) {
      throw await brokerError(this.cfg, e);
    }
    this.ok = true;
  }

  /** Whether the last send (or the connection) succeeded. */
  get ready(): boolean {
    return this.ok;
  }

  /** Sends the frames; resolves once all are acknowledged by the in-sync replicas. */
  async send(chunks: readonly FrameChunk[]): Promise<void> {
    const sends = splitFrames(chunks, this.maxSendBytes).map((piece) => this.frames.send(piece, { acks: -1 }));
    const settled = await Promise.allSettled(sends);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      this.ok = false;
      throw await this.failure(failed.reason);
    }
    this.ok = true;
  }

  /**
   * Why a send failed: the broker's own refusal when it answered with an error (its Kafka error
   * name as the code, e.g. MESSAGE_TOO_LARGE, NOT_ENOUGH_REPLICAS), else the connection's typed
   * error (BROKER_UNREACHABLE, BROKER_AUTH_FAILED, TLS_…).
   */
  private async failure(e: unknown): Promise<Error & { code: string }> {
    for (let cur: unknown = e, depth = 0; cur && typeof cur === 'object' && depth < 5; depth++) {
      const c = cur as { name?: string; type?: unknown; message?: string; cause?: unknown; originalError?: unknown };
      if (c.name === 'KafkaJSProtocolError' && typeof c.type === 'string')
        return Object.assign(new Error(`Kafka refused the produce: ${c.type} (${c.message})`), { code: c.type });
      cur = c.cause ?? c.originalError;
    }
    return brokerError(this.cfg, e);
  }

  async close(): Promise<void> {
    this.ok = false;
    await this.frames.disconnect();
  }
}
