/**
 * `ratel ingest-http`, put together: the token is required, the mappings of the generic formats
 * are loaded and checked, the accounts (and their subscriber directory) are read when an accounts
 * file is set, the CDR topics are created if missing, the producer connects, and the server
 * listens. Everything that can be wrong stops the start with a typed error.
 */
import { type AccountBook, type Directory, loadAccounts, loadCatalog } from '@ratel/rater';
import { type Cdr, errors, type WireCodec } from '@ratel/schemas';
import type { Kafka } from 'kafkajs';
import type { Config } from '../config.js';
import { directoryOf } from '../import.js';
import { ensureTopics } from '../kafka.js';
import type { Logger } from '../logger.js';
import { createSource, loadMapping } from '../sources/index.js';
import type { HttpIngestMetrics } from './metrics.js';
import { CdrSender } from './sender.js';
import { type HttpIngest, type HttpIngestDeps, type MappedFormat, startHttpIngest } from './server.js';

export interface HttpIngestService {
  ingest: HttpIngest;
  /** Stops accepting, answers the requests in flight, disconnects from Kafka. */
  stop(): Promise<void>;
}

/** The mapping files set, by format. */
const mappingFiles = (cfg: Config): [MappedFormat, string][] =>
  (Object.entries(cfg.httpIngest.mappings) as [MappedFormat, string | null][]).filter((e): e is [MappedFormat, string] => e[1] !== null);

/** What is checked before anything starts (also by the primary of several workers): the token, the mapping files. */
export function checkStartable(cfg: Config): void {
  if (cfg.httpIngest.token === null)
    throw errors.configInvalid(
      'httpIngest.token (RATEL_HTTP_INGEST_TOKEN)',
      'ratel ingest-http needs a bearer token (at least 16 characters): every POST /v1/cdrs must present it',
    );
  const configured = mappingFiles(cfg);
  if (configured.length > 0 && cfg.accountsFile === null)
    throw errors.usageInvalid(
      `httpIngest.mappings.${configured[0]?.[0]} is set: the generic formats need the accounts (--accounts-file or RATEL_ACCOUNTS_FILE)`,
    );
  for (const [, file] of configured) loadMapping(file);
}

export async function startHttpIngestService(
  cfg: Config,
  deps: { kafka: Kafka; codec: WireCodec<Cdr>; log: Logger; metrics?: HttpIngestMetrics; metricsText?: () => Promise<string> },
): Promise<HttpIngestService> {
  checkStartable(cfg);
  const configured = mappingFiles(cfg);
  let accounts: AccountBook = new Map();
  let directory: Directory | null = null;
  if (cfg.accountsFile !== null) {
    accounts = loadAccounts(cfg.accountsFile, loadCatalog(cfg.catalogDir));
    directory = directoryOf(accounts, cfg.accountsFile);
  }
  const mappings: HttpIngestDeps['mappings'] = {};
  for (const [format, file] of configured) {
    const mapping = loadMapping(file);
    // A source made once here, so a mapping that cannot serve its format stops the start.
    createSource({ format, mapping, mappingName: file, accounts, directory });
    mappings[format] = { mapping, name: file };
  }
  await ensureTopics(deps.kafka, cfg);
  const sender = new CdrSender(deps.kafka, cfg);
  await sender.connect();
  let ingest: HttpIngest;
  let stopped: Promise<void> | null = null;
  try {
    ingest = await startHttpIngest({
      cfg,
      sender,
      codec: deps.codec,
      accounts,
      directory,
      mappings,
      log: deps.log,
      metrics: deps.metrics,
      metricsText: deps.metricsText,
    });
  } catch (e) {
    await sender.close();
    throw errors.usageInvalid(
      `cannot listen on ${cfg.httpIngest.host}:${cfg.httpIngest.port} (httpIngest.host, httpIngest.port): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return {
    ingest,
    stop() {
      stopped ??= ingest.close().then(() => sender.close());
      return stopped;
    },
  };
}
