/**
 * ratel's configuration: one object, schema-checked at start. Sources, later wins:
 * defaults < JSON file (--config or RATEL_CONFIG) < environment variables < command-line flags.
 * Every key, its default and its variable are listed in the README.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  DEFAULT_INVOICE_TIME_ZONE,
  DEFAULT_LEGAL_TEXT,
  DEFAULT_NUMBER_PREFIX,
  DEFAULT_PAYMENT_TERMS_DAYS,
  type InvoiceTerms,
  type StoreConfig,
} from '@ratel/aggregator';
import { DEFAULT_CATALOG_DIR } from '@ratel/rater';
import { type CdrLimits, type DateWindow, DEFAULT_LIMITS, DEFAULT_WINDOW, errors, isTimeZone } from '@ratel/schemas';
import { z } from 'zod';
import { HTTP_INGEST_ENV, httpIngestSchema } from './http-ingest/config.js';
import {
  boolean,
  CONNECTION_ENV,
  checkConnections,
  httpEndpoint,
  kafkaSasl,
  kafkaSsl,
  registerRawSecrets,
  registryAuth,
  storeAuth,
  withSecretFiles,
} from './secure-config.js';

/**
 * Kafka's own rule for topic names: 1 to 249 of [a-zA-Z0-9._-], and not "." or "..". Checked
 * here so a typo stops the start instead of failing at the first produce.
 */
const topicName = z
  .string()
  .regex(/^[a-zA-Z0-9._-]{1,249}$/, 'Kafka topic name: 1 to 249 of [a-zA-Z0-9._-]')
  .refine((t) => t !== '.' && t !== '..', 'Kafka topic name cannot be "." or ".."');

const isPort = (p: string): boolean => /^\d{1,5}$/.test(p) && Number(p) >= 1 && Number(p) <= 65535;

/** host:port with a port of 1-65535 (an IPv6 host in brackets). */
const brokerAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[\w.-]+):\d+$/, 'host:port')
  .refine((b) => isPort(b.slice(b.lastIndexOf(':') + 1)), 'port must be 1-65535');

/**
 * An http(s) URL. The URL parser already refuses ports above 65535; port 0 parses but can never
 * be connected to, so it is refused too.
 */
const httpUrl = z
  .url()
  .refine((u) => /^https?:$/.test(parsedUrl(u)?.protocol ?? 'http:'), 'URL must be http:// or https://')
  .refine((u) => parsedUrl(u)?.port !== '0', 'URL port must be 1-65535');

/** The URL, or null when it does not parse (zod runs every check, even after z.url() failed). */
function parsedUrl(u: string): URL | null {
  try {
    return new URL(u);
  } catch {
    return null;
  }
}

/**
 * A dead letter produced to the topic being consumed comes back as input and is dead-lettered
 * again, forever (3 bad frames made 7,923 dead letters in 30 s); the rated topic (a schema
 * registry subject of its own) must not receive them either.
 */
function deadLetterTopicApart(k: { cdrTopic: string; deadLetterTopic: string }, ctx: z.RefinementCtx): void {
  if (k.deadLetterTopic === k.cdrTopic || k.deadLetterTopic === `${k.cdrTopic}.rated`)
    ctx.addIssue({
      code: 'custom',
      path: ['deadLetterTopic'],
      message: `must differ from the CDR topic "${k.cdrTopic}" and from "${k.cdrTopic}.rated" (dead letters would be consumed again)`,
    });
}

/**
 * The alerts topic is read by switches and by the webhook forwarder as alert.v1: CDRs or dead
 * letters in it would be unreadable to them, and alerts in the CDR topic would be consumed as bad
 * CDRs and dead-lettered.
 */
function alertsTopicApart(k: { cdrTopic: string; deadLetterTopic: string; alertsTopic: string }, ctx: z.RefinementCtx): void {
  if ([k.cdrTopic, `${k.cdrTopic}.rated`, k.deadLetterTopic].includes(k.alertsTopic))
    ctx.addIssue({
      code: 'custom',
      path: ['alertsTopic'],
      message: `must differ from the CDR topic "${k.cdrTopic}", from "${k.cdrTopic}.rated" and from the dead-letter topic "${k.deadLetterTopic}" (alert.v1 messages would be mixed with others)`,
    });
}

/** Spool names never imported: dotfiles (rsync's `.name.XXXXXX`), `.tmp`, `.part`, and `~` backups. */
export const DEFAULT_IGNORE = '^\\.|\\.(tmp|part)$|~$';

/** The compiled pattern, or null when it does not compile. */
export function regexOf(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern);
  } catch {
    return null;
  }
}

/** Most rating workers a process may run (one account shard each). */
const MAX_THREADS = 256;

export const configSchema = z.strictObject({
  catalogDir: z.string().min(1).default(DEFAULT_CATALOG_DIR),
  accountsFile: z.string().min(1).nullable().default(null),
  store: z
    .strictObject({
      engine: z.enum(['chdb', 'server']).default('chdb'),
      dataDir: z.string().min(1).default('.ratel/chdb'),
      url: httpUrl.default('http://127.0.0.1:18123'),
      database: z.string().regex(/^\w+$/).default('default'),
      ...storeAuth,
    })
    .prefault({}),
  kafka: z
    .strictObject({
      brokers: z.array(brokerAddress).min(1, 'at least one broker (host:port)').default(['127.0.0.1:19092']),
      clientId: z.string().min(1).default('ratel'),
      cdrTopic: topicName.default('ratel.cdrs'),
      deadLetterTopic: topicName.default('ratel.cdrs.dlq'),
      /** Where every alert is produced as alert.v1 (Avro, wire format), keyed by account. */
      alertsTopic: topicName.default('ratel.alerts.v1'),
      groupId: z.string().min(1).default('ratel-rater'),
      partitions: z.number().int().min(1).default(4),
      /** A crashed rater's partitions move to the others after this long. */
      sessionTimeoutMs: z.number().int().min(6000).default(10_000),
      /**
       * A consumer crash kafkajs can recover from (a group coordinator still loading, a broker
       * restarting) restarts the consumer while it joined its group or stored a batch within this
       * long; past it, or on any other crash, the pipeline stops.
       */
      restartWindowMs: z.number().int().min(0).max(3_600_000).default(120_000),
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
      ssl: kafkaSsl,
      sasl: kafkaSasl,
    })
    .superRefine(deadLetterTopicApart)
    .superRefine(alertsTopicApart)
    .prefault({}),
  schemaRegistry: z.strictObject({ url: httpUrl.nullable().default(null), ...registryAuth }).prefault({}),
  rater: z
    .strictObject({
      /** Rating workers, each rating its shard of the accounts (default: the machine's cores). */
      threads: z
        .number()
        .int()
        .min(1)
        .max(MAX_THREADS)
        .default(() => Math.min(MAX_THREADS, availableParallelism())),
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
  /**
   * The seller named on every invoice (French and Belgian invoices must carry it): name, postal
   * address (lines separated by line breaks), company number (SIREN/SIRET, or the Belgian
   * enterprise number) and VAT number. Unset, `ratel invoice` marks its invoices as drafts.
   */
  seller: z
    .strictObject({
      name: z.string().min(1).nullable().default(null),
      address: z.string().min(1).nullable().default(null),
      companyNumber: z.string().min(1).nullable().default(null),
      vatNumber: z.string().min(1).nullable().default(null),
    })
    .prefault({}),
  /** Invoice numbering, dates and legal text (aggregator/src/invoice-terms.ts). */
  invoice: z
    .strictObject({
      /** Numbers are <prefix>-<year>-<000001>, one gap-free sequence per seller and year. */
      numberPrefix: z
        .string()
        .regex(/^[A-Z0-9]{1,10}$/, '1-10 of A-Z 0-9')
        .default(DEFAULT_NUMBER_PREFIX),
      /** Due date = issue date + this many days (French law caps agreed terms at 60 days). */
      paymentTermsDays: z.number().int().min(0).max(60).default(DEFAULT_PAYMENT_TERMS_DAYS),
      /** Time zone of the issue and due dates (the seller's). */
      timeZone: z.string().min(1).refine(isTimeZone, 'an IANA time zone (Europe/Paris)').default(DEFAULT_INVOICE_TIME_ZONE),
      /** Late-payment penalties, recovery fee, early-payment discount: printed on every invoice. */
      legalText: z.string().min(1).default(DEFAULT_LEGAL_TEXT),
    })
    .prefault({}),
  /** Alerts out (README "Alerts out"): the month close's alerts to the topic, and the webhook. */
  alerts: z
    .strictObject({
      /** `ratel invoice` produces the roaming-abuse alerts it raises to kafka.alertsTopic too. */
      monthCloseToTopic: z.boolean().default(false),
      /**
       * `ratel import` into the store (and `ratel import --watch`) produces each batch's alerts
       * to kafka.alertsTopic too, acknowledged before the batch counts as imported.
       */
      importToTopic: z.boolean().default(false),
      /**
       * The webhook forwarder (in `ratel run`, or alone as `ratel alerts-webhook`) reads the
       * alerts topic in a consumer group of its own and POSTs each alert, signed, until the
       * receiver takes it; unset url: no webhook.
       */
      webhook: z
        .strictObject({
          /** No credentials in it: the signature is what authenticates ratel to the receiver (and the URL is logged). */
          url: httpUrl
            .refine(
              (u) => !parsedUrl(u)?.username && !parsedUrl(u)?.password,
              'no user:password@ in the webhook URL: the signature authenticates ratel',
            )
            .nullable()
            .default(null),
          /** HMAC-SHA256 key of the X-Ratel-Signature header. */
          secret: z.string().min(16, 'at least 16 characters').nullable().default(null),
          groupId: z.string().min(1).default('ratel-alerts-webhook'),
          timeoutMs: z.number().int().min(100).max(120_000).default(5000),
          minBackoffMs: z.number().int().min(1).default(250),
          maxBackoffMs: z.number().int().min(1).default(30_000),
          /** Attempts per alert before it is given up (logged and counted); 0 = until delivered. */
          maxAttempts: z.number().int().min(0).default(0),
        })
        .refine((w) => w.url === null || w.secret !== null, {
          path: ['secret'],
          message: 'alerts.webhook.url is set: a signing secret is required (at least 16 characters)',
        })
        .refine((w) => w.minBackoffMs <= w.maxBackoffMs, { path: ['maxBackoffMs'], message: 'must be at least minBackoffMs' })
        .prefault({}),
    })
    .prefault({}),
  outDir: z.string().min(1).default('out'),
  /** `ratel import --watch DIR`: when a file of the spool folder is complete (spool/README.md). */
  import: z
    .strictObject({
      watch: z
        .strictObject({
          /** A file unchanged (size, mtime) this long, and held open by no writer, is complete. */
          settleMs: z.number().int().min(0).max(86_400_000).default(5000),
          /** The folder is listed again this often (fs.watch can miss events). */
          rescanMs: z.number().int().min(100).max(86_400_000).default(10_000),
          /** Names never imported: a regular expression (default dotfiles, .tmp, .part, ~). */
          ignore: z
            .string()
            .min(1)
            .refine((r) => regexOf(r) !== null, 'a regular expression (JavaScript syntax)')
            .default(DEFAULT_IGNORE),
          /** Look for processes holding a file open for writing (Linux /proc); off: age and rename only. */
          checkWriters: z.boolean().default(true),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Port of the /metrics, /healthz and /readyz endpoint of `ratel run` (0 = off). */
  metricsPort: z.number().int().min(0).max(65535).default(9464),
  ...httpEndpoint,
  /**
   * `ratel dashboard`: bind address and port (0 = any free port), and the token asked of every
   * request (bearer, or basic auth with the token as password); required off loopback.
   */
  dashboard: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8470),
      token: z.string().min(16, 'at least 16 characters').nullable().default(null),
    })
    .prefault({}),
  /** `ratel ingest-http`: POST /v1/cdrs (http-ingest/config.ts). */
  httpIngest: httpIngestSchema,
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

/**
 * A whole number written in decimal digits. Number() would take '' or ' ' as 0, '0x10' as 16
 * and '1e3' as 1000, so a typo could silently become a valid setting.
 */
function integer(v: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new Error(`not an integer: "${v}"`);
  return Number(v.trim());
}

/** A comma-separated list: blanks between commas are dropped, and at least one item must remain. */
function list(v: string): string[] {
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new Error(`no items in "${v}" (comma-separated list expected)`);
  return items;
}

/**
 * Environment variables and the config path each one sets. `parse` throws an Error whose message
 * is the rule broken; loadConfig turns it into CONFIG_INVALID naming the key and the variable.
 */
export const ENV: Record<string, { path: string[]; parse?: (v: string) => unknown }> = {
  RATEL_CATALOG_DIR: { path: ['catalogDir'] },
  RATEL_ACCOUNTS_FILE: { path: ['accountsFile'] },
  RATEL_STORE_ENGINE: { path: ['store', 'engine'] },
  RATEL_CHDB_DIR: { path: ['store', 'dataDir'] },
  RATEL_CLICKHOUSE_URL: { path: ['store', 'url'] },
  RATEL_CLICKHOUSE_DATABASE: { path: ['store', 'database'] },
  RATEL_KAFKA_BROKERS: { path: ['kafka', 'brokers'], parse: list },
  RATEL_KAFKA_TOPIC: { path: ['kafka', 'cdrTopic'] },
  RATEL_KAFKA_DLQ_TOPIC: { path: ['kafka', 'deadLetterTopic'] },
  RATEL_KAFKA_ALERTS_TOPIC: { path: ['kafka', 'alertsTopic'] },
  RATEL_KAFKA_GROUP: { path: ['kafka', 'groupId'] },
  RATEL_KAFKA_SESSION_TIMEOUT_MS: { path: ['kafka', 'sessionTimeoutMs'], parse: integer },
  RATEL_KAFKA_RESTART_WINDOW_MS: { path: ['kafka', 'restartWindowMs'], parse: integer },
  RATEL_SCHEMA_REGISTRY_URL: { path: ['schemaRegistry', 'url'] },
  RATEL_KAFKA_MAX_BYTES_PER_PARTITION: { path: ['kafka', 'maxBytesPerPartition'], parse: integer },
  RATEL_RATER_THREADS: { path: ['rater', 'threads'], parse: integer },
  RATEL_RATER_CONCURRENCY: { path: ['rater', 'concurrency'], parse: integer },
  RATEL_WRITER_MIN_ROWS: { path: ['writer', 'minRows'], parse: integer },
  RATEL_WRITER_MAX_DELAY_MS: { path: ['writer', 'maxDelayMs'], parse: integer },
  RATEL_WRITER_MAX_PENDING_ROWS: { path: ['writer', 'maxPendingRows'], parse: integer },
  RATEL_KAFKA_MAX_MESSAGE_BYTES: { path: ['kafka', 'maxMessageBytes'], parse: integer },
  RATEL_MAX_CALL_SECONDS: { path: ['limits', 'maxCallSeconds'], parse: integer },
  RATEL_MAX_SESSION_BYTES: { path: ['limits', 'maxSessionBytes'], parse: integer },
  RATEL_MAX_MESSAGE_PARTS: { path: ['limits', 'maxMessageParts'], parse: integer },
  RATEL_MAX_EVENT_QUANTITY: { path: ['limits', 'maxEventQuantity'], parse: integer },
  RATEL_MAX_FIELD_CHARS: { path: ['limits', 'maxFieldChars'], parse: integer },
  RATEL_MAX_AGE_DAYS: { path: ['limits', 'maxAgeDays'], parse: integer },
  RATEL_MAX_AHEAD_MINUTES: { path: ['limits', 'maxAheadMinutes'], parse: integer },
  RATEL_SELLER_NAME: { path: ['seller', 'name'] },
  RATEL_SELLER_ADDRESS: { path: ['seller', 'address'] },
  RATEL_SELLER_COMPANY_NUMBER: { path: ['seller', 'companyNumber'] },
  RATEL_SELLER_VAT_NUMBER: { path: ['seller', 'vatNumber'] },
  RATEL_INVOICE_NUMBER_PREFIX: { path: ['invoice', 'numberPrefix'] },
  RATEL_PAYMENT_TERMS_DAYS: { path: ['invoice', 'paymentTermsDays'], parse: integer },
  RATEL_INVOICE_TIME_ZONE: { path: ['invoice', 'timeZone'] },
  RATEL_INVOICE_LEGAL_TEXT: { path: ['invoice', 'legalText'] },
  RATEL_ALERTS_MONTH_CLOSE_TO_TOPIC: { path: ['alerts', 'monthCloseToTopic'], parse: boolean },
  RATEL_ALERTS_IMPORT_TO_TOPIC: { path: ['alerts', 'importToTopic'], parse: boolean },
  RATEL_ALERTS_WEBHOOK_URL: { path: ['alerts', 'webhook', 'url'] },
  RATEL_ALERTS_WEBHOOK_SECRET: { path: ['alerts', 'webhook', 'secret'] },
  RATEL_ALERTS_WEBHOOK_GROUP: { path: ['alerts', 'webhook', 'groupId'] },
  RATEL_ALERTS_WEBHOOK_TIMEOUT_MS: { path: ['alerts', 'webhook', 'timeoutMs'], parse: integer },
  RATEL_ALERTS_WEBHOOK_MIN_BACKOFF_MS: { path: ['alerts', 'webhook', 'minBackoffMs'], parse: integer },
  RATEL_ALERTS_WEBHOOK_MAX_BACKOFF_MS: { path: ['alerts', 'webhook', 'maxBackoffMs'], parse: integer },
  RATEL_ALERTS_WEBHOOK_MAX_ATTEMPTS: { path: ['alerts', 'webhook', 'maxAttempts'], parse: integer },
  RATEL_OUT_DIR: { path: ['outDir'] },
  RATEL_IMPORT_WATCH_SETTLE_MS: { path: ['import', 'watch', 'settleMs'], parse: integer },
  RATEL_IMPORT_WATCH_RESCAN_MS: { path: ['import', 'watch', 'rescanMs'], parse: integer },
  RATEL_IMPORT_WATCH_IGNORE: { path: ['import', 'watch', 'ignore'] },
  RATEL_IMPORT_WATCH_CHECK_WRITERS: { path: ['import', 'watch', 'checkWriters'], parse: boolean },
  RATEL_METRICS_PORT: { path: ['metricsPort'], parse: integer },
  RATEL_DASHBOARD_HOST: { path: ['dashboard', 'host'] },
  RATEL_DASHBOARD_PORT: { path: ['dashboard', 'port'], parse: integer },
  RATEL_DASHBOARD_TOKEN: { path: ['dashboard', 'token'] },
  RATEL_LOG_LEVEL: { path: ['logLevel'] },
  ...CONNECTION_ENV,
  ...HTTP_INGEST_ENV,
};

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Sets `path` in `o`. A section the file gave as something other than an object is refused
 * rather than replaced, so a variable never hides the file's mistake.
 */
function setPath(o: Obj, path: string[], v: unknown, source: string): void {
  let cur = o;
  for (const [i, k] of path.slice(0, -1).entries()) {
    if (cur[k] === undefined) cur[k] = {};
    const next = cur[k];
    if (!isObject(next))
      throw errors.configInvalid(path.slice(0, i + 1).join('.'), `must be an object, so ${source} cannot set ${path.join('.')}`);
    cur = next;
  }
  cur[path[path.length - 1] as string] = v;
}

/** The config file's object: unreadable, not JSON or not a JSON object is CONFIG_INVALID naming the file. */
function readConfigFile(file: string): Obj {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw errors.configInvalid(file, `cannot read config file: ${oneLine(e)}`);
  }
  if (!isObject(raw))
    throw errors.configInvalid(
      file,
      `config file must hold a JSON object, not ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : `a ${typeof raw}`}`,
    );
  return raw;
}

const oneLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';

/**
 * Applies the environment. A variable that is set is used, even when empty: an empty value is an
 * error, never the default (`RATEL_KAFKA_BROKERS=` from a broken template would otherwise
 * connect to the default broker).
 */
function applyEnv(raw: Obj, env: NodeJS.ProcessEnv): void {
  for (const [name, { path, parse }] of Object.entries(ENV)) {
    const v = env[name];
    if (v === undefined) continue;
    const where = `${path.join('.')} (${name})`;
    if (v.trim() === '') throw errors.configInvalid(where, 'set but empty (unset it to use the default)');
    let value: unknown = v;
    try {
      if (parse) value = parse(v);
    } catch (e) {
      throw errors.configInvalid(where, oneLine(e));
    }
    setPath(raw, path, value, name);
  }
}

/** Builds the config; throws CONFIG_INVALID naming the key and the rule on a bad value. */
export function loadConfig(opts: { file?: string | undefined; env?: NodeJS.ProcessEnv; overrides?: Obj } = {}): Config {
  const env = withSecretFiles(opts.env ?? process.env, ENV);
  const file = opts.file ?? env.RATEL_CONFIG;
  if (file !== undefined && file.trim() === '')
    throw errors.configInvalid(opts.file === undefined ? 'file (RATEL_CONFIG)' : 'file (--config)', 'set but empty');
  const raw: Obj = file === undefined ? {} : readConfigFile(file);
  applyEnv(raw, env);
  for (const [k, v] of Object.entries(opts.overrides ?? {})) if (v !== undefined) setPath(raw, k.split('.'), v, 'a flag');
  registerRawSecrets(raw);
  const res = configSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    const key = issue?.path.join('.') ?? '';
    const envName = Object.entries(ENV).find(([, e]) => e.path.join('.') === key || key.startsWith(`${e.path.join('.')}.`))?.[0];
    throw errors.configInvalid(envName ? `${key} (${envName})` : key || '(top level)', oneLine(issue?.message ?? 'invalid'));
  }
  return checkConnections(res.data);
}

/** The store the config points at, in the form openStore takes. */
export function storeConfigOf(cfg: Config): StoreConfig {
  return cfg.store.engine === 'chdb'
    ? { engine: 'chdb', dataDir: cfg.store.dataDir }
    : {
        engine: 'server',
        url: cfg.store.url,
        database: cfg.store.database,
        username: cfg.store.username,
        password: cfg.store.password,
        tls: cfg.store.tls,
      };
}

/** The CDR bounds and date window of the config, as the engine and the check pool take them. */
export function limitsOf(cfg: Config): { limits: CdrLimits; window: DateWindow } {
  const { maxAgeDays, maxAheadMinutes, ...limits } = cfg.limits;
  return { limits, window: { maxAgeDays, maxAheadMinutes } };
}

/** The seller, numbering, dates and legal text of the invoices, as the invoice run takes them. */
export function invoiceTermsOf(cfg: Config): InvoiceTerms {
  return {
    seller: { ...cfg.seller },
    numberPrefix: cfg.invoice.numberPrefix,
    paymentTermsDays: cfg.invoice.paymentTermsDays,
    timeZone: cfg.invoice.timeZone,
    legalText: cfg.invoice.legalText,
  };
}
