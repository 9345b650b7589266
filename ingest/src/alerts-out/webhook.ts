/**
 * The webhook forwarder: reads the alerts topic in a consumer group of its own
 * (alerts.webhook.groupId) and POSTs each alert as JSON, signed (signature.ts), to
 * alerts.webhook.url, one alert per request.
 *
 * Why a consumer of the topic and not retries in the rater: the topic is a durable outbox. The
 * rater's only duty is the produce, acknowledged before its batch is committed; a receiver that
 * is slow or down never holds rating up, and nothing of the webhook lives only in memory. An
 * alert's offset is committed once the receiver has answered 2xx, so after a crash (kill -9
 * included) or a rebalance the alerts not yet taken are posted again: at least once, with the
 * alert's id in the body and in X-Ratel-Alert-Id for the receiver to de-duplicate by. Ids posted
 * shortly before (the last 10,000) are not posted again, which spares the receiver the copies a
 * rater's replay puts on the topic.
 *
 * A failed attempt (no answer within alerts.webhook.timeoutMs, a network error, any status but
 * 2xx; redirects are not followed) is retried after an exponential backoff with jitter, from
 * alerts.webhook.minBackoffMs doubling up to maxBackoffMs, until the receiver takes it or, with
 * maxAttempts set, the alert is given up (logged, counted, and still on the topic). Alerts of one
 * partition (one account) are posted in order; partitions go on independently.
 */
import { type AlertEvent, safeUrl, type WireCodec } from '@ratel/schemas';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Config } from '../config.js';
import { ensureTopics, brokerError as kafkaConnectError } from '../kafka.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { signatureHeader } from './signature.js';

export interface WebhookSettings {
  url: string;
  secret: string;
  timeoutMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** 0: until delivered. */
  maxAttempts: number;
}

/** Ids delivered recently, not posted again. */
const RECENT_IDS = 10_000;

/**
 * The wait before attempt `attempt + 1` (attempt >= 1): the ceiling doubles from `minMs` up to
 * `maxMs`, and the wait is drawn between half the ceiling and the ceiling ("equal jitter"), so
 * forwarders retrying together spread out while the wait still grows.
 */
export function backoffMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The JSON body of an alert: its alert.v1 fields, in the schema's order. */
export const alertBody = (e: AlertEvent): string => JSON.stringify(e);

export type PostOutcome = { ok: true; status: number } | { ok: false; reason: string };

/** One attempt: POST the body signed now; ok on a 2xx answer. */
export async function postAlert(
  w: Pick<WebhookSettings, 'url' | 'secret' | 'timeoutMs'>,
  e: AlertEvent,
  body: string,
  attempt: number,
  stop?: AbortSignal,
): Promise<PostOutcome> {
  const signal = stop ? AbortSignal.any([stop, AbortSignal.timeout(w.timeoutMs)]) : AbortSignal.timeout(w.timeoutMs);
  try {
    const res = await fetch(w.url, {
      method: 'POST',
      redirect: 'manual',
      signal,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'ratel-alerts/1',
        'x-ratel-signature': signatureHeader(w.secret, body, Math.floor(Date.now() / 1000)),
        'x-ratel-alert-id': e.id,
        'x-ratel-attempt': String(attempt),
      },
      body,
    });
    await res.body?.cancel().catch(() => {});
    return res.status >= 200 && res.status < 300 ? { ok: true, status: res.status } : { ok: false, reason: `http_${res.status}` };
  } catch (err) {
    if (stop?.aborted) return { ok: false, reason: 'stopped' };
    return { ok: false, reason: (err as Error).name === 'TimeoutError' ? 'timeout' : 'network' };
  }
}

export interface DeliveryHooks {
  /** False once the forwarder stops or loses the partition: the alert is left for whoever reads it next. */
  running(): boolean;
  /** Waits ms (cut short when the forwarder stops), keeping the consumer's session alive. */
  sleep(ms: number): Promise<void>;
  onFailure(reason: string, attempt: number, retryInMs: number | null): void;
  stop?: AbortSignal;
  random?: () => number;
}

/** Posts an alert until it is taken, given up (maxAttempts) or the forwarder stops. */
export async function deliver(w: WebhookSettings, e: AlertEvent, hooks: DeliveryHooks): Promise<'delivered' | 'given_up' | 'stopped'> {
  const body = alertBody(e);
  for (let attempt = 1; ; attempt++) {
    if (!hooks.running()) return 'stopped';
    const r = await postAlert(w, e, body, attempt, hooks.stop);
    if (r.ok) return 'delivered';
    if (r.reason === 'stopped' || !hooks.running()) return 'stopped';
    const last = w.maxAttempts > 0 && attempt >= w.maxAttempts;
    const wait = last ? null : backoffMs(attempt, w.minBackoffMs, w.maxBackoffMs, hooks.random);
    hooks.onFailure(r.reason, attempt, wait);
    if (wait === null) return 'given_up';
    await hooks.sleep(wait);
  }
}

export interface WebhookForwarder {
  /** Resolves once the consumer has joined its group. */
  ready: Promise<void>;
  /** Rejects if the consumer crashes (the process should exit and be restarted). */
  failed: Promise<never>;
  stop(): Promise<void>;
}

export interface ForwarderDeps {
  codec: WireCodec<AlertEvent>;
  log: Logger;
  metrics: Metrics;
}

/** Starts the forwarder of cfg.alerts.webhook (its url and secret must be set). */
export async function startWebhookForwarder(kafka: Kafka, cfg: Config, deps: ForwarderDeps): Promise<WebhookForwarder> {
  const { codec, log, metrics } = deps;
  const { url, secret, groupId, ...rest } = cfg.alerts.webhook;
  if (url === null || secret === null) throw new Error('startWebhookForwarder: alerts.webhook.url and .secret are required');
  const w: WebhookSettings = { url, secret, ...rest };
  const where = safeUrl(url);
  await ensureTopics(kafka, cfg);
  const heartbeatMs = Math.min(3000, Math.floor(cfg.kafka.sessionTimeoutMs / 5));
  const consumer = kafka.consumer({ groupId, sessionTimeout: cfg.kafka.sessionTimeoutMs, heartbeatInterval: heartbeatMs });
  try {
    await consumer.connect();
  } catch (e) {
    throw await kafkaConnectError(cfg, e);
  }
  const stopping = new AbortController();
  const recent = new Set<string>();
  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    markReady = r;
  });
  let rejectFailed: (e: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    rejectFailed = reject;
  });
  failed.catch(() => {});
  consumer.on(consumer.events.GROUP_JOIN, () => markReady());
  consumer.on(consumer.events.CRASH, (e) => {
    log.error({ err: (e.payload.error as Error)?.message, restart: e.payload.restart }, 'alerts webhook consumer crashed');
    if (!e.payload.restart) rejectFailed(e.payload.error);
  });

  const decode = (m: KafkaMessage): AlertEvent | null => {
    try {
      return codec.decode(m.value ?? Buffer.alloc(0));
    } catch (e) {
      log.error(
        { offset: m.offset, key: m.key?.toString(), err: (e as Error).message },
        'alerts topic: a message that is not alert.v1, skipped',
      );
      return null;
    }
  };

  await consumer.subscribe({ topic: cfg.kafka.alertsTopic, fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    autoCommitThreshold: 1,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      const running = () => isRunning() && !isStale() && !stopping.signal.aborted;
      const sleep = async (ms: number) => {
        const end = Date.now() + ms;
        while (running() && Date.now() < end) {
          await new Promise<void>((r) => {
            const t = setTimeout(done, Math.min(heartbeatMs, end - Date.now()));
            stopping.signal.addEventListener('abort', done, { once: true });
            function done() {
              clearTimeout(t);
              stopping.signal.removeEventListener('abort', done);
              r();
            }
          });
          if (running()) await heartbeat();
        }
      };
      for (const m of batch.messages) {
        if (!running()) return;
        const e = decode(m);
        let outcome: string;
        if (e === null) outcome = 'undecodable';
        else if (recent.has(e.id)) outcome = 'duplicate';
        else {
          outcome = await deliver(w, e, {
            running,
            sleep,
            stop: stopping.signal,
            onFailure: (reason, attempt, retryIn) => {
              metrics.webhookFailures.inc({ reason });
              if (retryIn === null)
                log.error(
                  { alert_id: e.id, kind: e.kind, attempt, reason, url: where },
                  'alert webhook: given up (alerts.webhook.maxAttempts)',
                );
              else
                log.warn(
                  { alert_id: e.id, kind: e.kind, attempt, reason, retry_in_ms: retryIn, url: where },
                  'alert webhook failed, retrying',
                );
            },
          });
          if (outcome === 'stopped') return;
          if (outcome === 'delivered') {
            recent.add(e.id);
            if (recent.size > RECENT_IDS) recent.delete(recent.values().next().value as string);
            metrics.webhookLag.observe(Math.max(0, Date.now() - e.raised_at_ms) / 1000);
            log.debug({ alert_id: e.id, kind: e.kind, account: e.account_id }, 'alert delivered to the webhook');
          }
        }
        metrics.webhookDeliveries.inc({ outcome });
        resolveOffset(m.offset);
        await commitOffsetsIfNecessary();
        await heartbeat();
      }
    },
  });
  log.info({ topic: cfg.kafka.alertsTopic, group: groupId, url: where }, 'alerts webhook forwarder running');
  return {
    ready,
    failed,
    async stop() {
      stopping.abort();
      await consumer.disconnect();
    },
  };
}
