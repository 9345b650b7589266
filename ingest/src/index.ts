export { type Config, configSchema, ENV, loadConfig } from './config.js';
export { generateAccounts, generateCdrs, type GenerateOptions } from './generator.js';
export { createKafka, ensureTopics } from './kafka.js';
export { createLogger, type Logger } from './logger.js';
export { type MonthJobOptions, type MonthJobResult, runMonthJob } from './month-job.js';
export { type Pipeline, type PipelineStats, startPipeline } from './pipeline.js';
export { produceCdrs, type ProduceOptions } from './produce.js';
export { Rng } from './random.js';
