export { type Config, configSchema, ENV, loadConfig } from './config.js';
export { type GenerateOptions, generateAccounts, generateCdrs } from './generator.js';
export { createKafka, ensureTopics } from './kafka.js';
export { createLogger, type Logger } from './logger.js';
export { type MonthJobOptions, type MonthJobResult, runMonthJob } from './month-job.js';
export { type Pipeline, type PipelineStats, startPipeline } from './pipeline.js';
export { type ProduceOptions, produceCdrs } from './produce.js';
export { Rng } from './random.js';
