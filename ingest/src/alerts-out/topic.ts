/**
 * Alerts to the alerts topic (kafka.alertsTopic) as alert.v1 in the wire format, keyed by account.
 *
 * At least once: the pipeline produces a batch's alerts (acks from all in-sync replicas) beside
 * its store write and commits the batch's offsets only once both have landed. A crash before the
 * commit replays the batch, and its alerts are raised again: by rating its CDRs again when their
 * rows were not stored, or by re-rating the account-month restored from the store (the engine
 * emits a restored month's alerts again). Either way with the same id (alertId).
 *
 * Lag: from the Kafka timestamp of the CDR message that raised the alert to the alert's produce
 * acknowledgement, observed as ratel_alert_lag_seconds for alerts raised by a CDR of the batch.
 */
import type { Alert } from '@ratel/rater';
import { type AlertEvent, errors, type WireCodec } from '@ratel/schemas';
import type { Kafka, Producer } from 'kafkajs';
import type { Config } from '../config.js';
import { type DeadLetterMessage, sendChunks } from '../dead-letters.js';
import { ensureTopics, brokerError as kafkaConnectError } from '../kafka.js';
import type { Metrics } from '../metrics.js';
import { alertEvent } from './alert-event.js';

export interface AlertsOutDeps {
  /** The pipeline's producer (idempotent): alerts go out on it with acks from all in-sync replicas. */
  producer: Producer;
  cfg: Config;
  codec: WireCodec<AlertEvent>;
  metrics: Metrics;
  /** Wraps each send (the pipeline's: retried while the broker is unreachable, up to its deadline). */
  retry: <T>(what: string, op: () => Promise<T>) => Promise<T>;
  now?: () => number;
}

/** The Kafka messages of alert.v1 records: key = account, headers = id and kind (to filter without decoding). */
export function alertMessages(events: readonly AlertEvent[], codec: WireCodec<AlertEvent>): DeadLetterMessage[] {
  return events.map((e) => ({ key: e.account_id, value: codec.encode(e), headers: { alert_id: e.id, kind: e.kind } }));
}

/**
 * The Kafka timestamp of the CDR that raised each alert, for the alerts raised by a CDR of the
 * batch: `crossing[j]` is the batch index of alerts[j]'s CDR (-1 when it is not in the batch: an
 * account-month restored, a month close), `timestampOf(i)` the timestamp of message i.
 */
export function crossingTimes(
  alerts: readonly Alert[],
  crossing: readonly number[],
  timestampOf: (i: number) => number,
): Map<string, number> {
  const times = new Map<string, number>();
  for (let j = 0; j < alerts.length; j++) {
    const a = alerts[j] as Alert;
    const i = crossing[j] ?? -1;
    if (i >= 0 && a.cdr_id !== '' && !times.has(a.cdr_id)) times.set(a.cdr_id, timestampOf(i));
  }
  return times;
}

/** A kafkajs error as a ratel error: a retriable one is BROKER_UNREACHABLE (so its code reaches the exit line). */
const asBrokerError = (e: unknown, brokers: string): unknown =>
  e instanceof Error && (e as { retriable?: boolean }).retriable === true ? errors.brokerUnreachable(brokers, e) : e;

export class AlertsOut {
  private readonly now: () => number;

  constructor(private readonly deps: AlertsOutDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Produces the alerts (acks from all in-sync replicas); resolves once every one is
   * acknowledged. `cdrTimestamps`: crossingTimes() of the batch. Rejects when the broker refuses
   * them or stays unreachable past the retry deadline: the batch is then not committed.
   */
  async send(alerts: readonly Alert[], cdrTimestamps: ReadonlyMap<string, number>): Promise<void> {
    if (alerts.length === 0) return;
    const { cfg, codec, producer, metrics } = this.deps;
    const raisedAt = this.now();
    const events = alerts.map((a) => alertEvent(a, cdrTimestamps.get(a.cdr_id) ?? null, raisedAt));
    const brokers = cfg.kafka.brokers.join(',');
    for (const chunk of sendChunks(alertMessages(events, codec), cfg.kafka.maxMessageBytes))
      await this.deps.retry('alerts topic', () =>
        producer.send({ topic: cfg.kafka.alertsTopic, acks: -1, messages: chunk }).then(
          () => undefined,
          (e: unknown) => {
            throw asBrokerError(e, brokers);
          },
        ),
      );
    const acked = this.now();
    for (const e of events) {
      metrics.alertsProduced.inc({ kind: e.kind });
      if (e.cdr_timestamp_ms !== null) metrics.alertLag.observe(Math.max(0, acked - e.cdr_timestamp_ms) / 1000);
    }
  }
}

/** Alerts produced with a producer of its own, connected at the first alert (alerts raised outside the pipeline). */
export interface AlertsProducer {
  /** Produces the alerts; resolves once all in-sync replicas have them. */
  send(alerts: readonly Alert[]): Promise<void>;
  /** Alerts produced so far. */
  readonly produced: number;
  close(): Promise<void>;
}

/**
 * Alerts raised outside the pipeline: the month close's roaming abuse, and `ratel import`'s with
 * alerts.importToTopic (each batch's before the batch counts as imported). Importing or closing
 * again raises the same alerts with the same ids, so a failed send is mended by running it again.
 */
export function alertsProducer(kafka: Kafka, cfg: Config, codec: WireCodec<AlertEvent>): AlertsProducer {
  let producer: Producer | null = null;
  let produced = 0;
  const open = async (): Promise<Producer> => {
    if (producer !== null) return producer;
    await ensureTopics(kafka, cfg);
    const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    try {
      await p.connect();
    } catch (e) {
      throw await kafkaConnectError(cfg, e);
    }
    producer = p;
    return p;
  };
  return {
    async send(alerts) {
      if (alerts.length === 0) return;
      const p = await open();
      const raisedAt = Date.now();
      const events = alerts.map((a) => alertEvent(a, null, raisedAt));
      for (const chunk of sendChunks(alertMessages(events, codec), cfg.kafka.maxMessageBytes))
        await p.send({ topic: cfg.kafka.alertsTopic, acks: -1, messages: chunk }).catch((e: unknown) => {
          throw asBrokerError(e, cfg.kafka.brokers.join(','));
        });
      produced += events.length;
    },
    get produced() {
      return produced;
    },
    async close() {
      const p = producer;
      producer = null;
      await p?.disconnect();
    },
  };
}

/** Produces the month close's alerts (roaming abuse); resolves once all in-sync replicas have them. */
export async function produceAlerts(kafka: Kafka, cfg: Config, codec: WireCodec<AlertEvent>, alerts: readonly Alert[]): Promise<number> {
  const out = alertsProducer(kafka, cfg, codec);
  try {
    await out.send(alerts);
    return out.produced;
  } finally {
    await out.close();
  }
}
