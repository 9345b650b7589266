export { BearerCheck } from './auth.js';
export { BodyOutcome, type LineError, type ReadBody, readBody } from './body.js';
export { clusterMetricsText, superviseWorkers } from './cluster.js';
export { type IngestHttpCommand, runIngestHttp } from './command.js';
export { DEFAULT_MAX_BODY_BYTES, HTTP_INGEST_ENV, type HttpIngestConfig, httpIngestSchema } from './config.js';
export { createHttpIngestMetrics, type HttpIngestMetrics } from './metrics.js';
export { CdrSender } from './sender.js';
export {
  CDRS_PATH,
  type HttpIngest,
  type HttpIngestDeps,
  MAX_LISTED_ERRORS,
  type MappedFormat,
  RETRY_AFTER_S,
  startHttpIngest,
} from './server.js';
export { checkStartable, type HttpIngestService, startHttpIngestService } from './service.js';
