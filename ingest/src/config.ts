/**
 * ratel's configuration: one object, schema-checked at start. Sources, later wins:
 * defaults < JSON file (--config or RATEL_CONFIG) < environment variables < command-line flags.
 * Every key, its default and its variable are listed in the README.
 */
import { readFileSync } from 'node:fs';
import type { StoreConfig } from '@ratel/aggregator';
import { DEFAULT_CATALOG_DIR } from '@ratel/rater';
import { type CdrLimits, type DateWindow, DEFAULT_LIMITS, DEFAULT_WINDOW, errors } from '@ratel/schemas';
import { z } from 'zod';

export const configSchema = z.strictObject({
  catalogDir: z.string().default(DEFAULT_CATALOG_DIR),
  accountsFile: z.string().nullable().default(null),
  store: z
    .strictObject({
      engine: z.enum(['chdb', 'server']).default('chdb'),
      dataDir: z.string().default('.ratel/chdb'),
      url: z.url().default('http://127.0.0.1:18123'),
      database: z.string().regex(/^\w+$/).default('default'),
    })
    .prefault({}),
  kafka: z
    .strictObject({
      brokers: z
        .array(z.string().regex(/^[\w.-]+:\d+$/, 'host:port'))
        .min(1)
        .default(['127.0.0.1:19092']),
      clientId: z.string().default('ratel'),
      cdrTopic: z.string().default('ratel.cdrs'),
      deadLetterTopic: z.string().default('ratel.cdrs.dlq'),
      groupId: z.string().default('ratel-rater'),
      partitions: z.number().int().min(1).default(4),
      /** A crashed rater's partitions move to the others after this long. */
      sessionTimeoutMs: z.number().int().min(6000).default(10_000),
      /** Bytes fetched per partition and batch: ~2 MB is ~13,000 CDRs, one store write each. */
      maxBytesPerPartition: z
        .number()
        .int()
        .min(65_536)
        .default(2 << 20),
      /**
       * The largest message the brokers accept (their message.max.bytes): a dead letter that
       * would not fit goes to the topic as a reference, its whole frame in the dead_letters table.
       */
      maxMessageBytes: z.number().int().min(16_384).default(1_000_000),
    })
    .prefault({}),
  schemaRegistry: z.strictObject({ url: z.url().nullable().default(null) }).prefault({}),
  rater: z
    .strictObject({
      threads: z.number().int().min(1).max(64).default(2),
      batchSize: z.number().int().min(1).default(10_000),
      /** Partitions whose batches are processed at the same time. */
      concurrency: z.number().int().min(1).max(64).default(4),
    })
    .prefault({}),
  /** The pipeline's store writer flushes at this many rows or after this delay, whichever first. */
  writer: z
    .strictObject({
      minRows: z.number().int().min(1).default(10_000),
      maxDelayMs: z.number().int().min(1).max(60_000).default(1000),
      /**
       * Rated rows not yet stored (queued or being written) above which consumption waits:
       * the pipeline rates the next batches while earlier ones are written, up to this bound.
       */
      maxPendingRows: z.number().int().min(1).default(200_000),
    })
    .prefault({}),
  /** Bounds of every CDR field and the window of start dates accepted (schemas/src/cdr-check.ts). */
  limits: z
    .strictObject({
      maxCallSeconds: z.number().int().min(1).default(DEFAULT_LIMITS.maxCallSeconds),
      maxSessionBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(DEFAULT_LIMITS.maxSessionBytes),
      maxMessageParts: z.number().int().min(1).default(DEFAULT_LIMITS.maxMessageParts),
      maxEventQuantity: z.number().int().min(1).default(DEFAULT_LIMITS.maxEventQuantity),
      maxFieldChars: z.number().int().min(16).max(65_536).default(DEFAULT_LIMITS.maxFieldChars),
      /** SPEC §5: roaming records may arrive up to 90 days late; at least that is accepted. */
      maxAgeDays: z.number().int().min(90).max(3660).default(DEFAULT_WINDOW.maxAgeDays),
      maxAheadMinutes: z.number().int().min(0).max(1440).default(DEFAULT_WINDOW.maxAheadMinutes),
    })
    .prefault({}),
  outDir: z.string().default('out'),
  /** Port of the /metrics, /healthz and /readyz endpoint of `ratel run` (0 = off). */
  metricsPort: z.number().int().min(0).max(65535).default(9464),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

/** Environment variables and the config path each one sets. */
export const ENV: Record<string, { path: string[]; parse?: (v: string) => unknown }> = {
  RATEL_CATALOG_DIR: { path: ['catalogDir'] },
  RATEL_ACCOUNTS_FILE: { path: ['accountsFile'] },
  RATEL_STORE_ENGINE: { path: ['store', 'engine'] },
  RATEL_CHDB_DIR: { path: ['store', 'dataDir'] },
  RATEL_CLICKHOUSE_URL: { path: ['store', 'url'] },
  RATEL_CLICKHOUSE_DATABASE: { path: ['store', 'database'] },
  RATEL_KAFKA_BROKERS: { path: ['kafka', 'brokers'], parse: (v) => v.split(',').map((s) => s.trim()) },
  RATEL_KAFKA_TOPIC: { path: ['kafka', 'cdrTopic'] },
  RATEL_KAFKA_DLQ_TOPIC: { path: ['kafka', 'deadLetterTopic'] },
  RATEL_KAFKA_GROUP: { path: ['kafka', 'groupId'] },
  RATEL_KAFKA_SESSION_TIMEOUT_MS: { path: ['kafka', 'sessionTimeoutMs'], parse: Number },
  RATEL_SCHEMA_REGISTRY_URL: { path: ['schemaRegistry', 'url'] },
  RATEL_KAFKA_MAX_BYTES_PER_PARTITION: { path: ['kafka', 'maxBytesPerPartition'], parse: Number },
  RATEL_RATER_THREADS: { path: ['rater', 'threads'], parse: Number },
  RATEL_RATER_CONCURRENCY: { path: ['rater', 'concurrency'], parse: Number },
  RATEL_WRITER_MIN_ROWS: { path: ['writer', 'minRows'], parse: Number },
  RATEL_WRITER_MAX_DELAY_MS: { path: ['writer', 'maxDelayMs'], parse: Number },
  RATEL_WRITER_MAX_PENDING_ROWS: { path: ['writer', 'maxPendingRows'], parse: Number },
  RATEL_KAFKA_MAX_MESSAGE_BYTES: { path: ['kafka', 'maxMessageBytes'], parse: Number },
  RATEL_MAX_CALL_SECONDS: { path: ['limits', 'maxCallSeconds'], parse: Number },
  RATEL_MAX_SESSION_BYTES: { path: ['limits', 'maxSessionBytes'], parse: Number },
  RATEL_MAX_MESSAGE_PARTS: { path: ['limits', 'maxMessageParts'], parse: Number },
  RATEL_MAX_EVENT_QUANTITY: { path: ['limits', 'maxEventQuantity'], parse: Number },
  RATEL_MAX_FIELD_CHARS: { path: ['limits', 'maxFieldChars'], parse: Number },
  RATEL_MAX_AGE_DAYS: { path: ['limits', 'maxAgeDays'], parse: Number },
  RATEL_MAX_AHEAD_MINUTES: { path: ['limits', 'maxAheadMinutes'], parse: Number },
  RATEL_OUT_DIR: { path: ['outDir'] },
  RATEL_METRICS_PORT: { path: ['metricsPort'], parse: Number },
  RATEL_LOG_LEVEL: { path: ['logLevel'] },
};

type Obj = Record<string, unknown>;

function setPath(o: Obj, path: string[], v: unknown): void {
  let cur = o;
  for (const k of path.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {};
    cur = cur[k] as Obj;
  }
  cur[path[path.length - 1] as string] = v;
}

/** Builds the config; throws CONFIG_INVALID naming the key and the rule on a bad value. */
export function loadConfig(opts: { file?: string | undefined; env?: NodeJS.ProcessEnv; overrides?: Obj } = {}): Config {
  const env = opts.env ?? process.env;
  let raw: Obj = {};
  const file = opts.file ?? env.RATEL_CONFIG;
  if (file) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as Obj;
    } catch (e) {
      throw errors.configInvalid(file, `cannot read config file: ${(e as Error).message}`);
    }
  }
  for (const [name, { path, parse }] of Object.entries(ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, path, parse ? parse(v) : v);
  }
  for (const [k, v] of Object.entries(opts.overrides ?? {})) if (v !== undefined) setPath(raw, k.split('.'), v);
  const res = configSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    const key = issue?.path.join('.') ?? '';
    const envName = Object.entries(ENV).find(([, e]) => e.path.join('.') === key)?.[0];
    throw errors.configInvalid(envName ? `${key} (${envName})` : key, issue?.message ?? 'invalid');
  }
  return res.data;
}

/** The store the config points at, in the form openStore takes. */
export function storeConfigOf(cfg: Config): StoreConfig {
  return cfg.store.engine === 'chdb'
    ? { engine: 'chdb', dataDir: cfg.store.dataDir }
    : { engine: 'server', url: cfg.store.url, database: cfg.store.database };
}

/** The CDR bounds and date window of the config, as the engine and the check pool take them. */
export function limitsOf(cfg: Config): { limits: CdrLimits; window: DateWindow } {
  const { maxAgeDays, maxAheadMinutes, ...limits } = cfg.limits;
  return { limits, window: { maxAgeDays, maxAheadMinutes } };
}
