// Month close lives in the billing package; re-exported here for the callers that import it from ingest.
export { type CloseOptions, closeMonth, type MonthClose } from '@ratel/aggregator';
export * as alertsOut from './alerts-out/index.js';
export { type Config, configSchema, ENV, loadConfig, storeConfigOf } from './config.js';
export { crc32c } from './crc32c.js';
export { type DlqReplayOptions, type DlqReplayResult, replayDeadLetters } from './dlq-replay.js';
export { FrameProducer, type FrameProducerOptions, type FrameSendOptions } from './frame-producer.js';
export { encodeFrames, FrameBuilder, type FrameChunk, splitFrames } from './frames.js';
export { type GenerateOptions, generateAccounts, generateCdrs } from './generator.js';
export * as httpIngest from './http-ingest/index.js';
export {
  type BatchHooks,
  createFileImporter,
  DeliveryError,
  directoryOf,
  type FileImporter,
  type FileSummary,
  type ImportDeps,
  type ImportOptions,
  type ImportResult,
  importFiles,
  inputFiles,
  summaryLine,
} from './import.js';
export { type ImportWatch, startImportWatch, untilStopped, type WatchDeps, type WatchOptions } from './import-watch.js';
export { brokerError, createKafka, ensureTopics, kafkaSasl, kafkaTls } from './kafka.js';
export { createLogger, type Logger } from './logger.js';
export { createMetrics, type EndpointOptions, type Metrics, serveMetrics } from './metrics.js';
export { MONTH_BATCHES_IN_FLIGHT, type MonthJobOptions, type MonthJobResult, runMonthJob } from './month-job.js';
export { cachedDefaultPartitioner } from './partitioner.js';
export { type Pipeline, type PipelineDeps, type PipelineStats, startPipeline } from './pipeline.js';
export { type ProduceOptions, produceCdrs, produceFrames } from './produce.js';
export { encodeProduceRequest, type PartitionRecords, type ProducerIdentity } from './produce-request.js';
export { Rng } from './random.js';
export { type RerateResult, rerateMonth } from './rerate.js';
export { type RetryOptions, withRetry } from './retry.js';
export { checkConnections, isLoopback, redactedConfig, SECRET_PATHS, withSecretFiles } from './secure-config.js';
export * as sources from './sources/index.js';
export { LineSplitter } from './sources/lines.js';
export * as spool from './spool/index.js';
export { BATCH_JOB_INSERT_ROWS, BATCH_JOB_MAX_DELAY_MS, batchJobWriter, groupedStoreSink } from './store-sink.js';
export { StoreWriter, type WriterOptions } from './store-writer.js';
