/** Prometheus metrics of the pipeline, and the HTTP endpoint serving them with health checks. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ratel_process_' });
  const m = {
    registry,
    consumed: new Counter({ name: 'ratel_records_consumed_total', help: 'CDR messages consumed from Kafka', registers: [registry] }),
    rated: new Counter({
      name: 'ratel_rated_events_total',
      help: 'Rated events written (new CDRs and new versions)',
      registers: [registry],
    }),
    dead: new Counter({
      name: 'ratel_dead_letters_total',
      help: 'CDRs sent to the dead-letter topic',
      labelNames: ['code'],
      registers: [registry],
    }),
    replays: new Counter({ name: 'ratel_replays_total', help: 'CDRs ignored because their id was already rated', registers: [registry] }),
    alerts: new Counter({ name: 'ratel_alerts_total', help: 'Alerts raised', labelNames: ['kind'], registers: [registry] }),
    restored: new Counter({
      name: 'ratel_account_months_restored_total',
      help: 'Account-months rebuilt from the store',
      registers: [registry],
    }),
    evicted: new Counter({
      name: 'ratel_account_months_evicted_total',
      help: 'Account-months older than the previous month dropped from memory',
      registers: [registry],
    }),
    backpressure: new Counter({
      name: 'ratel_backpressure_waits_total',
      help: 'Times consumption waited because writer.maxPendingRows rows were not yet stored',
      registers: [registry],
    }),
    storeRetries: new Counter({ name: 'ratel_store_retries_total', help: 'Store writes retried after an error', registers: [registry] }),
    batchSeconds: new Histogram({
      name: 'ratel_batch_seconds',
      help: 'Time to decode, restore and rate one consumed batch (its rows are stored behind it)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'ratel_e2e_latency_seconds',
      help: 'From the record timestamp in Kafka to its rating stored',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'ratel_consumer_lag',
      help: 'High watermark minus the group committed offset, read from the broker every 5 s',
      labelNames: ['partition'],
      registers: [registry],
    }),
    poolUtilization: new Gauge({
      name: 'ratel_pool_utilization',
      help: 'Rating workers busy share over the last second (0-1)',
      registers: [registry],
    }),
    writerQueue: new Gauge({
      name: 'ratel_writer_queue_rows',
      help: 'Rated rows queued or being written to the store',
      registers: [registry],
    }),
    // Alerts out (alerts-out/): the alerts topic and the webhook forwarder.
    alertsProduced: new Counter({
      name: 'ratel_alerts_produced_total',
      help: 'Alerts produced to the alerts topic and acknowledged by all in-sync replicas (again after a replay or a rebuilt account-month)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    alertLag: new Histogram({
      name: 'ratel_alert_lag_seconds',
      help: 'From the Kafka timestamp of the CDR that raised an alert to the alert acknowledged on the alerts topic',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'ratel_alert_webhook_deliveries_total',
      help: 'Alerts read by the webhook forwarder, by outcome: delivered, duplicate (delivered shortly before), given_up (alerts.webhook.maxAttempts), undecodable',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    webhookFailures: new Counter({
      name: 'ratel_alert_webhook_failures_total',
      help: 'Webhook attempts that failed and were retried or given up, by reason (the HTTP status, timeout, network)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    webhookLag: new Histogram({
      name: 'ratel_alert_webhook_lag_seconds',
      help: 'From an alert produced (raised_at_ms) to the webhook receiver answering 2xx',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Where the endpoints listen and the bearer token they ask for (none: open, loopback only by default). */
export interface EndpointOptions {
  host?: string;
  token?: string | null;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Whether the request carries `Authorization: Bearer <token>` (compared in constant time). */
function authorized(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m !== null && timingSafeEqual(sha256(m[1] as string), sha256(token));
}

/**
 * Serves /metrics, /healthz (process up) and /readyz (consuming now: see Pipeline.isReady), on
 * 127.0.0.1 unless `host` says otherwise. With a token every path asks for it (401 without).
 * Any registry will do: `ratel import --watch` serves its own (spool/metrics.ts).
 */
export function serveMetrics(
  metrics: Pick<Metrics, 'registry'>,
  port: number,
  ready: () => boolean,
  opts: EndpointOptions = {},
): Promise<Server> {
  const token = opts.token ?? null;
  const server = createServer((req, res) => {
    if (token !== null && !authorized(req.headers.authorization, token)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="ratel"' }).end('unauthorized\n');
    } else if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(body);
        },
        (e: Error) => {
          res.writeHead(500);
          res.end(e.message);
        },
      );
    } else if (req.url === '/healthz') {
      res.writeHead(200).end('ok\n');
    } else if (req.url === '/readyz') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503).end(ok ? 'ready\n' : 'not ready\n');
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, opts.host ?? '127.0.0.1', () => resolve(server));
  });
}
