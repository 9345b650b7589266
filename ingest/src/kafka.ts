/** Kafka client setup: kafkajs with its logs routed to pino, and clear errors when unreachable. */
import { errors } from '@ratel/schemas';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

export function createKafka(cfg: Config, log: Logger): Kafka {
  return new Kafka({
    clientId: cfg.kafka.clientId,
    brokers: cfg.kafka.brokers,
    connectionTimeout: 3000,
    retry: { retries: 3, initialRetryTime: 200 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }) => {
        const { message, ...rest } = entry;
        // kafkajs logs every retry; ratel raises its own typed error when retries run out, so the
        // client's chatter stays at debug (warn for warnings) to keep each failure logged once.
        log[level === logLevel.WARN ? 'warn' : 'debug']({ kafka: namespace, ...rest }, message);
      },
  });
}

/** Connects an admin client and creates ratel's topics if missing; BROKER_UNREACHABLE otherwise. */
export async function ensureTopics(kafka: Kafka, cfg: Config): Promise<void> {
  const admin: Admin = kafka.admin();
  try {
    await admin.connect();
  } catch (e) {
    throw errors.brokerUnreachable(cfg.kafka.brokers.join(','), e);
  }
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [cfg.kafka.cdrTopic, cfg.kafka.deadLetterTopic].filter((t) => !existing.has(t));
    if (wanted.length) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: wanted.map((topic) => ({ topic, numPartitions: cfg.kafka.partitions, replicationFactor: 1 })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
