/**
 * The `ratel ingest-http` command: one process, or with httpIngest.workers > 1 a primary and its
 * workers (cluster.ts). Prints the address once it listens; SIGTERM / SIGINT stop it cleanly
 * (the requests in flight are answered, the producer disconnects) and it exits 0.
 */
import { type Cdr, redact, type WireCodec } from '@ratel/schemas';
import type { Kafka } from 'kafkajs';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { clusterMetricsText, isWorker, superviseWorkers } from './cluster.js';
import { createHttpIngestMetrics } from './metrics.js';
import { checkStartable, startHttpIngestService } from './service.js';

export interface IngestHttpCommand {
  kafka: () => Kafka;
  codec: () => Promise<WireCodec<Cdr>>;
  log: Logger;
  print?: (line: string) => void;
  fail?: (line: string) => void;
}

const STOP_TIMEOUT_MS = 30_000;

export async function runIngestHttp(cfg: Config, c: IngestHttpCommand): Promise<void> {
  const print = c.print ?? console.log;
  const fail = c.fail ?? console.error;
  const line = (url: string, workers: string) =>
    `ratel ingest-http: POST ${url}/v1/cdrs?format=NAME -> ${cfg.kafka.cdrTopic}${workers} (bearer token required; Ctrl-C stops)`;
  const workers = cfg.httpIngest.workers;
  if (workers > 1 && !isWorker()) {
    checkStartable(cfg);
    superviseWorkers(workers, cfg.httpIngest.host, (url) => print(line(url, `, ${workers} workers`)), fail);
    return;
  }
  const metrics = createHttpIngestMetrics();
  const s = await startHttpIngestService(cfg, {
    kafka: c.kafka(),
    codec: await c.codec(),
    log: c.log,
    metrics,
    metricsText: isWorker() ? clusterMetricsText(metrics.registry) : undefined,
  });
  if (!isWorker()) print(line(s.ingest.url, ''));
  const stop = () => {
    setTimeout(() => {
      fail('ratel: SHUTDOWN_TIMEOUT ingest-http did not stop within 30 s');
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    s.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        fail(redact(`ratel: stop failed: ${(e as Error).message}`));
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // A worker whose primary is gone (killed) stops too, rather than serve on unsupervised.
  if (isWorker()) process.once('disconnect', stop);
}
