/**
 * FrameProducer (ingest/src/frame-producer.ts) over the secured broker (`bash deploy/services.sh
 * up secured`: SASL_SSL, SCRAM-SHA-512, the local CA): its Produce requests go through kafkajs's
 * own authenticated TLS connections, as `ratel ingest-http` sends them; a wrong password is the
 * typed BROKER_AUTH_FAILED of CdrSender.
 */
import {
  createKafka,
  createLogger,
  encodeFrames,
  FrameProducer,
  generateAccounts,
  generateCdrs,
  httpIngest,
  loadConfig,
} from '@ratel/ingest';
import { localCodecs } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';
import { SECURED_BROKER, SECURED_HINT, securedEnv } from '../secured-services.js';

const codec = localCodecs().cdr;
const accounts = generateAccounts({ accounts: 20, month: 202610, seed: 8 });
const cdrs = generateCdrs(accounts, { accounts: 20, month: 202610, seed: 8, malformedShare: 0 }).slice(0, 800);

describe('FrameProducer over SASL_SSL + SCRAM', () => {
  it('sends every frame through the authenticated TLS connection, and a wrong password is BROKER_AUTH_FAILED', async () => {
    const topic = `frame-producer-secured.${process.pid}.${Date.now()}`;
    const cfg = loadConfig({ env: { ...securedEnv(), RATEL_KAFKA_TOPIC: topic } });
    const kafka = createKafka(cfg, createLogger('silent'));
    const admin = kafka.admin();
    await admin.connect().catch((e) => {
      throw new Error(`secured Kafka at ${SECURED_BROKER} unreachable: ${SECURED_HINT} (${(e as Error).message})`);
    });
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] });
      const p = new FrameProducer(kafka, topic);
      await p.connect();
      try {
        await p.send(encodeFrames(codec, cdrs, 250), { acks: -1 });
      } finally {
        await p.disconnect();
      }
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.reduce((s, o) => s + Number(o.high) - Number(o.low), 0)).toBe(cdrs.length);
      expect(offsets.filter((o) => Number(o.high) > 0).length).toBe(3);

      const wrong = loadConfig({ env: { ...securedEnv(), RATEL_KAFKA_TOPIC: topic, RATEL_KAFKA_SASL_PASSWORD: `wrong-${process.pid}` } });
      const sender = new httpIngest.CdrSender(createKafka(wrong, createLogger('silent')), wrong);
      const err = await sender.connect().then(
        () => null,
        (e: unknown) => e as { code?: string },
      );
      expect(err?.code).toBe('BROKER_AUTH_FAILED');
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    }
  }, 90_000);
});
