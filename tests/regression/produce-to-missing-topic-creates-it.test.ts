/**
 * `ratel produce` (produceFrames) to a topic that does not exist yet: kafkajs's producer asked
 * for its metadata with topic creation allowed, so the broker created it and the send went on.
 * Found while moving produceFrames to FrameProducer, whose cluster client allowed no topic
 * creation and asked for the metadata at connect, outside the retries: the secured pipeline
 * test failed with "This server does not host this topic-partition".
 */
import { createKafka, createLogger, encodeFrames, generateAccounts, generateCdrs, loadConfig, produceFrames } from '@ratel/ingest';
import { localCodecs } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';
import { KAFKA_BROKERS } from '../services.js';

describe('regression: produce to a missing topic creates it', () => {
  it('produces every CDR to a topic nobody created', async () => {
    const topic = `regression.missing-topic.${process.pid}.${Date.now()}`;
    const cfg = loadConfig({ env: { RATEL_KAFKA_BROKERS: KAFKA_BROKERS.join(','), RATEL_KAFKA_TOPIC: topic } });
    const kafka = createKafka(cfg, createLogger('silent'));
    const accounts = generateAccounts({ accounts: 5, month: 202610, seed: 2 });
    const cdrs = generateCdrs(accounts, { accounts: 5, month: 202610, seed: 2, malformedShare: 0 }).slice(0, 300);
    const sent = await produceFrames(kafka, cfg, encodeFrames(localCodecs().cdr, cdrs, 100), { rate: 0 });
    expect(sent).toBe(300);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.reduce((s, o) => s + Number(o.high) - Number(o.low), 0)).toBe(300);
      await admin.deleteTopics({ topics: [topic] });
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});
