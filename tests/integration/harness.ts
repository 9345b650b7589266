/** Shared setup of the pipeline integration tests: a private topic, group and database per run. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createSchema, openServerStore, type ServerAuth, type Store } from '@ratel/aggregator';
import { type Config, createKafka, createLogger, generateAccounts, generateCdrs, loadConfig, produceCdrs } from '@ratel/ingest';
import { type AccountBook, accountBook, type Catalog, latestVersions, loadCatalog, rateAll } from '@ratel/rater';
import { type AlertEvent, type Cdr, localCodecs } from '@ratel/schemas';
import type { Consumer } from 'kafkajs';
import { CLICKHOUSE_URL, HINT, KAFKA_BROKERS } from '../services.js';

export const MONTH = 202610;
export const SEED = 21;
export const CLI = join(import.meta.dirname, '../../ingest/dist/cli.js');
const catalog: Catalog = loadCatalog();

export interface Run {
  name: string;
  cfg: Config;
  env: Record<string, string>;
  store: Store;
  accounts: AccountBook;
  cdrs: Cdr[];
  nAccounts: number;
  drop(): Promise<void>;
}

/** The services a run talks to: the plain pair by default, or the secured pair (secured-services.ts). */
export interface Services {
  /** Variables of the connection (brokers, store URL, TLS, credentials). */
  env: Record<string, string>;
  storeUrl: string;
  storeAuth: ServerAuth;
}

export const plainServices = (): Services => ({
  env: { RATEL_KAFKA_BROKERS: KAFKA_BROKERS.join(','), RATEL_CLICKHOUSE_URL: CLICKHOUSE_URL },
  storeUrl: CLICKHOUSE_URL,
  storeAuth: {},
});

export async function newRun(name: string, nAccounts: number, limit: number, services: Services = plainServices()): Promise<Run> {
  const tag = `${name}_${process.pid}_${Date.now()}`;
  const db = `ratel_${tag}`;
  const env = {
    RATEL_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
    RATEL_KAFKA_TOPIC: `it.${tag}`,
    RATEL_KAFKA_DLQ_TOPIC: `it.${tag}.dlq`,
    RATEL_KAFKA_GROUP: `g.${tag}`,
    RATEL_STORE_ENGINE: 'server',
    RATEL_CLICKHOUSE_URL: CLICKHOUSE_URL,
    RATEL_CLICKHOUSE_DATABASE: db,
    RATEL_METRICS_PORT: '0',
    RATEL_LOG_LEVEL: process.env.RATEL_TEST_RATER_LOG ?? 'warn',
    // The test month is fixed (MONTH): the window of accepted start dates must keep it in, whatever today is.
    RATEL_MAX_AGE_DAYS: '3660',
    // Two rating workers per rater (two account shards), whatever the machine's cores.
    RATEL_RATER_THREADS: '2',
    ...services.env,
  };
  const cfg = loadConfig({ env });
  let store: Store;
  try {
    const admin = await openServerStore(services.storeUrl, 'default', services.storeAuth);
    await admin.exec(`CREATE DATABASE ${db}`);
    await admin.close();
    store = await openServerStore(services.storeUrl, db, services.storeAuth);
    await createSchema(store);
  } catch (e) {
    throw new Error(`ClickHouse server not reachable at ${services.storeUrl}: ${HINT} (${(e as Error).message})`);
  }
  const inputs = generateAccounts({ accounts: nAccounts, month: MONTH, seed: SEED });
  const cdrs = generateCdrs(inputs, { accounts: nAccounts, month: MONTH, seed: SEED, malformedShare: 0 }).slice(0, limit);
  return {
    name,
    cfg,
    env,
    store,
    accounts: accountBook(inputs, catalog),
    cdrs,
    nAccounts,
    async drop() {
      await store.exec(`DROP DATABASE IF EXISTS ${db}`);
      await store.close();
    },
  };
}

export async function produce(run: Run, cdrs: readonly Cdr[]): Promise<void> {
  const kafka = createKafka(run.cfg, createLogger('silent'));
  try {
    await produceCdrs(kafka, run.cfg, localCodecs().cdr, cdrs, { rate: 0, batch: 5000 });
  } catch (e) {
    throw new Error(`Kafka not reachable at ${run.cfg.kafka.brokers.join(',')}: ${HINT} (${(e as Error).message})`);
  }
}

export interface Row {
  cdr_id: string;
  cost_micros: number;
  included_qty: number;
  billed_qty: number;
}

/** What an uninterrupted single in-process rating gives, per CDR. */
export function reference(run: Run): Map<string, Row> {
  const out = rateAll({ catalog, accounts: run.accounts }, run.cdrs);
  const m = new Map<string, Row>();
  for (const e of latestVersions(out.events).values())
    m.set(e.cdr_id, { cdr_id: e.cdr_id, cost_micros: e.cost_micros, included_qty: e.included_qty, billed_qty: e.billed_qty });
  return m;
}

export async function stored(run: Run): Promise<Map<string, Row>> {
  const rows = await run.store.query<Row>(
    `SELECT cdr_id, cost_micros, included_qty, billed_qty FROM rated_events FINAL WHERE month = ${MONTH}`,
  );
  return new Map(rows.map((r) => [r.cdr_id, r]));
}

export async function countStored(run: Run): Promise<number> {
  const [r] = await run.store.query<{ n: number }>(
    `SELECT count() AS n FROM (SELECT cdr_id FROM rated_events FINAL WHERE month = ${MONTH})`,
  );
  return r?.n ?? 0;
}

/** Polls until `done()` or the deadline; returns whether it got there. */
export async function waitFor(done: () => Promise<boolean>, ms: number, every = 500): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await done()) return true;
    await new Promise((r) => setTimeout(r, every));
  }
  return done();
}

/** Starts `ratel run` as a child process on the run's topic, group and database. */
/**
 * Runs `ratel import FILE --format ratel-csv --accounts-file ACCOUNTS --no-progress` with `args`
 * after them, in env; fails with its stderr unless it exits 0, and returns what it printed.
 */
export function ratelImport(file: string, accountsFile: string, args: string[], env: NodeJS.ProcessEnv): string {
  const p = spawnSync(
    process.execPath,
    [CLI, 'import', file, '--format', 'ratel-csv', '--accounts-file', accountsFile, '--no-progress', ...args],
    { env, encoding: 'utf8' },
  );
  if (p.status !== 0) throw new Error(`ratel import exited ${p.status}: ${p.stderr}`);
  return p.stdout;
}

export function spawnRater(run: Run): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'run', '--accounts', String(run.nAccounts), '--seed', String(SEED), '--month', '2026-10'], {
    env: { ...process.env, ...run.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // The last 20 kB of its standard error, for a failing test to show.
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-20_000);
  });
  Object.defineProperty(child, 'stderrTail', { get: () => err });
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r(child.exitCode);
    else child.once('exit', (code) => r(code));
  });
}

/** Runs `body` with a new run (private topic, group and database), then drops its database. */
export async function withRun(
  name: string,
  nAccounts: number,
  limit: number,
  body: (run: Run) => Promise<void>,
  services?: Services,
): Promise<void> {
  const run = await newRun(name, nAccounts, limit, services);
  try {
    await body(run);
  } finally {
    await run.drop();
  }
}

/** An alert read from the alerts topic: its key, the alert.v1 record and the schema id of its frame. */
export interface AlertRead {
  key: string;
  alert: AlertEvent;
  schemaId: number;
}

/** Reads an alerts topic from the start in a group of its own, decoding every message as alert.v1 (`got` fills as they come). */
export async function readAlerts(run: Run, topic: string): Promise<{ consumer: Consumer; got: AlertRead[] }> {
  const codec = localCodecs().alert;
  const kafka = createKafka(run.cfg, createLogger('silent'));
  const consumer = kafka.consumer({ groupId: `${run.env.RATEL_KAFKA_GROUP}.reader`, maxWaitTimeInMs: 100 });
  const got: AlertRead[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const value = message.value as Buffer;
      got.push({ key: message.key?.toString() ?? '', alert: codec.decode(value), schemaId: value.readUInt32BE(1) });
    },
  });
  return { consumer, got };
}
