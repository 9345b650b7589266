/**
 * Consumer lag from the broker: every few seconds, the CDR topic's high watermarks against the
 * group's committed offsets, per partition. Unlike a figure taken from the last batch, it keeps
 * growing while consumption is stalled, so a stuck rater shows on the metric.
 */
import type { Kafka } from 'kafkajs';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export const LAG_INTERVAL_MS = 5000;

export interface LagWatch {
  /** Reads the lag once now (also what the timer runs). */
  poll(): Promise<void>;
  stop(): void;
}

export function watchLag(kafka: Kafka, cfg: Config, metrics: Metrics, log: Logger, everyMs = LAG_INTERVAL_MS): LagWatch {
  const admin = kafka.admin();
  let connected: Promise<void> | null = null;
  let stopped = false;
  const poll = async () => {
    if (stopped) return;
    try {
      connected ??= admin.connect();
      await connected;
      const [ends, groups] = await Promise.all([
        admin.fetchTopicOffsets(cfg.kafka.cdrTopic),
        admin.fetchOffsets({ groupId: cfg.kafka.groupId, topics: [cfg.kafka.cdrTopic] }),
      ]);
      const committed = new Map<number, number>();
      for (const p of groups[0]?.partitions ?? []) committed.set(p.partition, Number(p.offset));
      for (const e of ends) {
        const c = committed.get(e.partition) ?? -1;
        // No commit yet: the group starts from the beginning (fromBeginning), so all is lag.
        const from = c >= 0 ? c : Number(e.low);
        metrics.lag.set({ partition: String(e.partition) }, Math.max(0, Number(e.high) - from));
      }
    } catch (e) {
      connected = null;
      log.debug({ err: (e as Error).message }, 'lag not read this time');
    }
  };
  const timer = setInterval(() => void poll(), everyMs);
  timer.unref();
  void poll();
  return {
    poll,
    stop() {
      stopped = true;
      clearInterval(timer);
      void admin.disconnect().catch(() => {});
    },
  };
}
