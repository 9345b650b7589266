/** Prometheus metrics of the HTTP ingest (served at GET /metrics of its own port). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export function createHttpIngestMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ratel_process_' });
  return {
    registry,
    requests: new Counter({
      name: 'ratel_http_requests_total',
      help: 'Requests, by HTTP status answered (499: the client went away before the end of its body)',
      labelNames: ['status'],
      registers: [registry],
    }),
    accepted: new Counter({
      name: 'ratel_http_cdrs_accepted_total',
      help: 'CDRs acknowledged by Kafka and answered 202',
      registers: [registry],
    }),
    rejectedLines: new Counter({
      name: 'ratel_http_lines_rejected_total',
      help: 'Lines of refused bodies (400) that are not CDRs, by code',
      labelNames: ['code'],
      registers: [registry],
    }),
    bytes: new Counter({ name: 'ratel_http_body_bytes_total', help: 'Request body bytes read', registers: [registry] }),
    seconds: new Histogram({
      name: 'ratel_http_request_seconds',
      help: 'From the request to its answer (body read, checked and, for a 202, acknowledged by Kafka)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    produceSeconds: new Histogram({
      name: 'ratel_http_produce_seconds',
      help: "Time to produce one request's CDRs to Kafka with acks from all in-sync replicas",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'ratel_http_requests_in_flight',
      help: 'Requests being read, checked or produced (at most httpIngest.maxInFlight)',
      registers: [registry],
    }),
    waiting: new Gauge({
      name: 'ratel_http_requests_waiting',
      help: 'Requests waiting for a turn (httpIngest.maxInFlight reached), their bodies unread',
      registers: [registry],
    }),
  };
}

export type HttpIngestMetrics = ReturnType<typeof createHttpIngestMetrics>;
