#!/usr/bin/env -S node --max-semi-space-size=64
/**
 * ratel command line.
 *   ratel month     generate, rate, store and invoice a month on the embedded engine (npm start)
 *   ratel produce   produce generated CDRs into Kafka at a given rate
 *   ratel run       run the streaming pipeline: Kafka -> rater pool -> ClickHouse
 *   ratel invoice   month close on the store: issue invoices, flag roaming abuse, print the summary
 *   ratel dashboard  read-only finance dashboard in the browser (http://127.0.0.1:8470/ by default)
 *   ratel dlq-replay  produce the dead letters again to the CDR topic once their cause is fixed
 *   ratel alerts-webhook  post the alerts topic's alerts to alerts.webhook.url, signed (also inside `ratel run`)
 *   ratel ingest-http  serve POST /v1/cdrs: CDR bodies checked whole, produced to the CDR topic before the answer
 *   ratel config    print the configuration in effect, secrets redacted
 * Errors print one line "ratel: <CODE> <message>" and exit 2: a bad command line is USAGE_INVALID,
 * a bad setting CONFIG_INVALID, an input that cannot be read INPUT_UNREADABLE, an output folder
 * that cannot be written OUTPUT_UNWRITABLE. Only a bug exits 1 with its stack.
 */
import { statSync } from 'node:fs';
import {
  closeMonth,
  createSchema,
  ensureWritableDir,
  financeSummary,
  invoiceText,
  missingSellerFields,
  openStore,
  summaryText,
} from '@ratel/aggregator';
import { accountBook, type Catalog, loadAccounts, loadCatalog } from '@ratel/rater';
import { errors, formatMoney, isRatelError, localCodecs, redact, registryCodecs } from '@ratel/schemas';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { type AlertsProducer, alertsProducer, produceAlerts, startWebhookForwarder, type WebhookForwarder } from './alerts-out/index.js';
import { type Config, invoiceTermsOf, loadConfig, storeConfigOf } from './config.js';
import { startDashboard } from './dashboard/index.js';
import { replayDeadLetters } from './dlq-replay.js';
import { encodeFrames } from './frames.js';
import { generateAccounts, generateCdrs } from './generator.js';
import { runIngestHttp } from './http-ingest/index.js';
import { importFiles } from './import.js';
import { startImportWatch, untilStopped, type WatchOptions } from './import-watch.js';
import { brokerError, createKafka } from './kafka.js';
import { createLogger } from './logger.js';
import { createMetrics, serveMetrics } from './metrics.js';
import { runMonthJob } from './month-job.js';
import { startPipeline } from './pipeline.js';
import { produceFrames } from './produce.js';
import { rerateMonth } from './rerate.js';
import { redactedConfig } from './secure-config.js';
import { FORMATS, type FormatName } from './sources/index.js';

// Digits only: Number() would read '' as 0 and '1e3' as 1000.
const intArg = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return Number(v);
};
const monthArg = (v: string) => {
  const m = /^(\d{4})-(\d{2})$/.exec(v);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new InvalidArgumentError('month must be YYYY-MM');
  return Number(m[1]) * 100 + Number(m[2]);
};
const lastMonth = (): number => {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
};

/** The options every command that reads the accounts takes: a file, or generated ones (as `produce` makes them). */
const withAccounts = (c: Command): Command =>
  c
    .option('--accounts-file <file>', 'accounts JSON (also RATEL_ACCOUNTS_FILE)')
    .option('--accounts <n>', 'generate the same accounts as `produce --accounts n --seed s`', intArg('accounts'), 100)
    .option('--seed <n>', 'generator seed', intArg('seed'), 42);

function config(cmd: Command, extra: Record<string, unknown> = {}): Config {
  const o = cmd.optsWithGlobals() as { config?: string; engine?: string; logLevel?: string };
  return loadConfig({ file: o.config, overrides: { 'store.engine': o.engine, logLevel: o.logLevel, ...extra } });
}

/** 'dir', 'file', or what keeps the path from being read (ENOENT, EACCES...). */
function pathKind(p: string): 'dir' | 'file' | string {
  try {
    const st = statSync(p);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'not a regular file or folder';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'unreadable';
  }
}

/**
 * The inputs a command reads, checked before any work starts so a wrong path is one clear line:
 * the catalog must be a folder, the accounts file (when set) a file.
 */
function checkInputs(cfg: Config): void {
  const catalog = pathKind(cfg.catalogDir);
  if (catalog !== 'dir')
    throw errors.inputUnreadable(
      cfg.catalogDir,
      `catalog (catalogDir, RATEL_CATALOG_DIR) must be a folder: ${catalog === 'file' ? 'a file' : catalog}`,
    );
  if (cfg.accountsFile === null) return;
  const accounts = pathKind(cfg.accountsFile);
  if (accounts !== 'file')
    throw errors.inputUnreadable(
      cfg.accountsFile,
      `accounts file (--accounts-file, RATEL_ACCOUNTS_FILE) must be a file: ${accounts === 'dir' ? 'a folder' : accounts}`,
    );
}

/**
 * The folders a command writes, created and checked up front: the invoice folder, and the
 * embedded engine's data folder (chDB would otherwise fail deep inside, or never return).
 */
function checkOutputs(cfg: Config, opts: { outDir: boolean }): void {
  if (opts.outDir) ensureWritableDir(cfg.outDir);
  if (cfg.store.engine === 'chdb') ensureWritableDir(cfg.store.dataDir);
}

/** The wire codecs: schema ids from the Schema Registry when one is configured, local ids otherwise. */
const codecsOf = (cfg: Config) =>
  cfg.schemaRegistry.url
    ? registryCodecs({
        url: cfg.schemaRegistry.url,
        auth: { username: cfg.schemaRegistry.username, password: cfg.schemaRegistry.password, ...cfg.schemaRegistry.tls },
        cdrTopic: cfg.kafka.cdrTopic,
        ratedTopic: `${cfg.kafka.cdrTopic}.rated`,
        alertsTopic: cfg.kafka.alertsTopic,
      })
    : Promise.resolve(localCodecs());

/** The accounts file when one is configured, else the accounts `produce` generates with these options. */
const accountsOf = (cfg: Config, catalog: Catalog, generated: { accounts: number; month: number; seed: number }) =>
  cfg.accountsFile ? loadAccounts(cfg.accountsFile, catalog) : accountBook(generateAccounts(generated), catalog);

const program = new Command('ratel')
  .description('ratel: streaming rating of telecom CDRs (Kafka -> rater -> ClickHouse -> invoices)')
  .option('-c, --config <file>', 'JSON config file (also RATEL_CONFIG)')
  .option('--engine <chdb|server>', 'store engine (also RATEL_STORE_ENGINE)')
  .option('--log-level <level>', 'pino log level (also RATEL_LOG_LEVEL)')
  // Parse errors become one USAGE_INVALID line (see the end); help and version print as usual.
  .exitOverride()
  .configureOutput({ writeErr: () => undefined, outputError: () => undefined });

program
  .command('month')
  .description('generate a month of CDRs, rate them, store them and print invoices (embedded engine by default)')
  .option('--accounts <n>', 'number of accounts', intArg('accounts'), 1000)
  .option('--month <YYYY-MM>', 'billing month (default: last month)', monthArg)
  .option('--seed <n>', 'generator seed', intArg('seed'), 42)
  .option('--out <dir>', 'invoice output folder (also RATEL_OUT_DIR)')
  .option('--show <n>', 'invoices to print', intArg('show'), 3)
  .option('--keep', 'keep the existing embedded data instead of starting fresh', false)
  .option('--no-progress', 'no progress bar')
  .action(async (o, cmd: Command) => {
    const cfg = config(cmd, {
      outDir: o.out,
      logLevel: (cmd.optsWithGlobals() as { logLevel?: string }).logLevel ?? process.env.RATEL_LOG_LEVEL ?? 'error',
    });
    checkInputs(cfg);
    checkOutputs(cfg, { outDir: true });
    const log = createLogger(cfg.logLevel);
    await runMonthJob(
      cfg,
      { accounts: o.accounts, month: o.month ?? lastMonth(), seed: o.seed, keep: o.keep, show: o.show, progress: o.progress },
      log,
    );
  });

program
  .command('summary')
  .description("print a month's finance summary from the store (revenue by plan, top destinations, fair use, alerts, late usage, invoiced)")
  .option('--month <YYYY-MM>', 'billing month (default: last month)', monthArg)
  .option('--top <n>', 'destinations to list', intArg('top'), 10)
  .action(async (o, cmd: Command) => {
    const cfg = config(cmd);
    checkOutputs(cfg, { outDir: false });
    const store = await openStore(storeConfigOf(cfg));
    try {
      await createSchema(store);
      console.log(summaryText(await financeSummary(store, o.month ?? lastMonth(), o.top)));
    } finally {
      await store.close();
    }
  });

program
  .command('dashboard')
  .description(
    'serve the read-only finance dashboard (month overview, destinations, fair use, late usage, invoices and their calls) on 127.0.0.1; a token (dashboard.token, RATEL_DASHBOARD_TOKEN) is required to bind elsewhere',
  )
  .option('--host <address>', 'bind address (also RATEL_DASHBOARD_HOST; default 127.0.0.1)')
  .option('--port <port>', 'port, 0 = any free port (also RATEL_DASHBOARD_PORT; default 8470)', intArg('port'))
  .action(async (o, cmd: Command) => {
    const cfg = config(cmd, { 'dashboard.host': o.host, 'dashboard.port': o.port });
    checkOutputs(cfg, { outDir: false });
    const catalog = loadCatalog(cfg.catalogDir);
    const store = await openStore(storeConfigOf(cfg));
    await createSchema(store);
    const d = await startDashboard({ store, catalog, ...cfg.dashboard });
    console.log(`ratel dashboard: ${d.url} (${store.engine} ${store.where}${cfg.dashboard.token ? ', token required' : ''}; Ctrl-C stops)`);
    const stop = () => {
      void d
        .close()
        .then(() => store.close())
        .finally(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('produce')
  .description('produce generated CDRs into the Kafka topic')
  .option('--accounts <n>', 'number of accounts', intArg('accounts'), 100)
  .option('--month <YYYY-MM>', 'month of the generated CDRs (default: last month)', monthArg)
  .option('--seed <n>', 'generator seed', intArg('seed'), 42)
  .option('--rate <n>', 'records per second, 0 = unthrottled', intArg('rate'), 0)
  .option('--limit <n>', 'produce at most n records', intArg('limit'))
  .action(async (o, cmd: Command) => {
    const cfg = config(cmd);
    const log = createLogger(cfg.logLevel);
    const month = o.month ?? lastMonth();
    const accounts = generateAccounts({ accounts: o.accounts, month, seed: o.seed });
    let cdrs = generateCdrs(accounts, { accounts: o.accounts, month, seed: o.seed });
    if (o.limit !== undefined) cdrs = cdrs.slice(0, o.limit);
    const codecs = await codecsOf(cfg);
    const frames = encodeFrames(codecs.cdr, cdrs, 2000);
    cdrs = []; // sending holds the bytes only (see encodeFrames)
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const sent = await produceFrames(createKafka(cfg, log), cfg, frames, { rate: o.rate });
    const cpu = process.cpuUsage(cpu0);
    // cpu_seconds: this process's CPU time while sending (generating the CDRs before is not in it).
    console.log(
      `produced=${sent} seconds=${((Date.now() - t0) / 1000).toFixed(1)} cpu_seconds=${((cpu.user + cpu.system) / 1e6).toFixed(1)} topic=${cfg.kafka.cdrTopic}`,
    );
  });

withAccounts(
  program
    .command('run')
    .description('run the streaming pipeline until SIGINT/SIGTERM (accounts from --accounts-file or generated with --accounts/--seed)'),
)
  .option('--month <YYYY-MM>', 'month the generated accounts are for (default: last month)', monthArg)
  .option('--metrics-port <port>', 'port of /metrics, /healthz, /readyz; 0 = off (also RATEL_METRICS_PORT)', intArg('metrics-port'))
  .option('--metrics-host <address>', 'bind address of the endpoints (default 127.0.0.1; off loopback RATEL_METRICS_TOKEN is required)')
  .action(async (o, cmd: Command) => {
    const cfg = config(cmd, { accountsFile: o.accountsFile, metricsPort: o.metricsPort, metricsHost: o.metricsHost });
    checkInputs(cfg);
    const log = createLogger(cfg.logLevel);
    // The whole config at debug level: its secrets are censored by the logger's redact paths.
    log.debug({ config: cfg }, 'config in effect');
    // Signals are handled from the first moment: a stop during start-up waits for the start to
    // finish, then stops cleanly; a stop that hangs is cut short after 30 s.
    let stopping: Promise<void> | null = null;
    let started: Promise<{ stop(): Promise<void>; stats: object } | null> = Promise.resolve(null);
    const shutdown = (sig: string) => {
      if (stopping) return;
      log.info({ sig }, 'stopping: finishing the in-flight batch and committing');
      setTimeout(() => {
        console.error('ratel: SHUTDOWN_TIMEOUT pipeline did not stop within 30 s');
        process.exit(1);
      }, 30_000).unref();
      stopping = started
        .then(async (p) => {
          if (p) {
            await p.stop();
            log.info(p.stats, 'stopped');
          }
          process.exit(0);
        })
        .catch((e: unknown) => {
          console.error(redact(`ratel: stop failed: ${(e as Error).message}`));
          process.exit(1);
        });
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    started = (async () => {
      const catalog = loadCatalog(cfg.catalogDir);
      const accounts = accountsOf(cfg, catalog, { accounts: o.accounts, month: o.month ?? lastMonth(), seed: o.seed });
      const codecs = await codecsOf(cfg);
      const metrics = createMetrics();
      const kafka = createKafka(cfg, log);
      const p = await startPipeline(kafka, cfg, { catalog, accounts, codecs, log, metrics });
      // The webhook forwarder reads the alerts topic beside the pipeline, never in its way.
      let webhook: WebhookForwarder | null = null;
      try {
        webhook = cfg.alerts.webhook.url ? await startWebhookForwarder(kafka, cfg, { codec: codecs.alert, log, metrics }) : null;
      } catch (e) {
        await p.stop();
        throw e;
      }
      webhook?.failed.catch((e: unknown) => {
        console.error(redact(`ratel: alerts webhook consumer crashed: ${(e as Error).message}`));
        process.exit(2);
      });
      const server = cfg.metricsPort
        ? await serveMetrics(metrics, cfg.metricsPort, p.isReady, { host: cfg.metricsHost, token: cfg.metricsToken })
        : null;
      p.failed.catch((e: unknown) => {
        // Uncommitted batches are replayed by the next start: exit so a supervisor restarts us.
        console.error(redact(`ratel: ${isRatelError(e) ? `${e.code} ${e.message}` : `store write failed: ${(e as Error).message}`}`));
        process.exit(2);
      });
      log.info(
        {
          brokers: cfg.kafka.brokers,
          topic: cfg.kafka.cdrTopic,
          store: cfg.store.engine,
          metrics: cfg.metricsPort ? `${cfg.metricsHost}:${cfg.metricsPort}` : null,
          alertsTopic: cfg.kafka.alertsTopic,
        },
        'pipeline running',
      );
      const timer = setInterval(() => log.info(p.stats, 'progress'), 10_000);
      return {
        stats: p.stats,
        async stop() {
          clearInterval(timer);
          server?.close();
          await Promise.all([p.stop(), webhook?.stop()]);
        },
      };
    })();
    await started;
  });

withAccounts(
  program
    .command('invoice')
    .description(
      "month close on the store the pipeline fed: issue the month's invoices (once per account), flag roaming abuse, write the invoice files, print the summary",
    ),
)
  .option('--month <YYYY-MM>', 'billing month (default: last month)', monthArg)
  .option('--out <dir>', 'invoice output folder (also RATEL_OUT_DIR)')
  .option('--show <n>', 'invoices to print', intArg('show'), 0)
  .action(async (o, cmd: Command) => {
    const cfg = config(cmd, { accountsFile: o.accountsFile, outDir: o.out });
    checkInputs(cfg);
    checkOutputs(cfg, { outDir: true });
    const month: number = o.month ?? lastMonth();
    const catalog = loadCatalog(cfg.catalogDir);
    const accounts = accountsOf(cfg, catalog, { accounts: o.accounts, month, seed: o.seed });
    const store = await openStore(storeConfigOf(cfg));
    try {
      await createSchema(store);
      const terms = invoiceTermsOf(cfg);
      const missing = missingSellerFields(terms.seller);
      if (missing.length)
        console.error(`ratel: warning: seller identity incomplete (${missing.join(', ')} not set): the invoices are drafts`);
      const { run, folder, repaired, roamingAbuse, finance } = await closeMonth(store, catalog, accounts, month, cfg.outDir, {
        top: 10,
        terms,
      });
      for (const inv of run.issued.slice(0, o.show)) console.log(`\n${invoiceText(inv)}\n`);
      console.log(summaryText(finance));
      const total = run.issued.reduce((s, inv) => s + inv.total_excl_micros, 0);
      console.log(
        `invoices: ${run.issued.length} issued (${run.alreadyIssued} already issued), total ${formatMoney(total)} excl. VAT, written to ${folder}${repaired ? ` (and the missing files of ${repaired} invoices issued before)` : ''}`,
      );
      console.log(
        `roaming abuse flagged: ${roamingAbuse.length}${roamingAbuse.map((a) => `\n  ${a.account_id} ${a.user_id}: ${a.detail}`).join('')}`,
      );
      if (cfg.alerts.monthCloseToTopic && roamingAbuse.length > 0) {
        // Raised again, with the same ids, each time the month is closed: a failed send is mended by running invoice again.
        const codecs = await codecsOf(cfg);
        const n = await produceAlerts(createKafka(cfg, createLogger(cfg.logLevel)), cfg, codecs.alert, roamingAbuse);
        console.log(`roaming-abuse alerts produced to ${cfg.kafka.alertsTopic}: ${n}`);
      }
    } finally {
      await store.close();
    }
  });

withAccounts(
  program
    .command('rerate')
    .description(
      "re-rate a whole month with this catalog, every account alike, and record it as the month's catalog (run it after a catalog change, with the raters of the old catalog stopped; changes to an invoiced month become adjustments on the next invoice)",
    ),
)
  .requiredOption('--month <YYYY-MM>', 'billing month to re-rate', monthArg)
  .action(async (o, cmd: Command) => {
    const cfg = config(cmd, { accountsFile: o.accountsFile });
    checkInputs(cfg);
    const log = createLogger(cfg.logLevel);
    const catalog = loadCatalog(cfg.catalogDir);
    const accounts = accountsOf(cfg, catalog, { accounts: o.accounts, month: o.month, seed: o.seed });
    const store = await openStore(storeConfigOf(cfg));
    try {
      await createSchema(store);
      const r = await rerateMonth(store, catalog, accounts, o.month, log);
      console.log(
        `rerate ${r.month} with catalog ${r.catalog}: ${r.accounts} accounts (${r.unknownAccounts} not in the accounts file, left as they were), ${r.cdrs} CDRs, ${r.changed} ratings changed, ${formatMoney(r.deltaMicros)} EUR difference`,
      );
    } finally {
      await store.close();
    }
  });

program
  .command('import')
  .description(
    'rate CDR files: ratel CSV or JSON Lines, CSV / TSV / pipe-separated / JSON Lines exports through a mapping file, or FreeSWITCH, Asterisk and Kamailio CDR files; into the store (then `ratel invoice`), or to the CDR topic for `ratel run` with --to kafka',
  )
  .argument('[paths...]', 'CDR files, and folders of them')
  .option(
    '--watch <dir>',
    'spool folder: import its files as they become complete, then move each to done/ or failed/ with its summary, until SIGTERM (README "Spool folder")',
  )
  .requiredOption('--format <name>', `file format: ${FORMATS.join(', ')}`)
  .option(
    '--mapping <file>',
    'mapping file (JSON) of the generic formats (README "Mapping files"); the profile of the switch formats (README "Switch CDR formats") or of the kamailio formats (README "Kamailio")',
  )
  .option('--accounts-file <file>', 'accounts JSON, with the subscriber directory (also RATEL_ACCOUNTS_FILE)')
  .option('--to <store|kafka>', 'rate into the store (default) or produce cdr.v1 frames to the CDR topic', 'store')
  .option('--dead-letters <file>', 'rejected lines, one JSON line each (default <outDir>/import-dead-letters.jsonl)')
  .option(
    '--as-of <YYYY-MM-DD>',
    'rate as at 00:00 UTC that day: the window of accepted start dates (limits.maxAgeDays) is taken around it',
  )
  .option('--no-progress', 'no progress bar')
  .option(
    '--metrics-port <port>',
    '--watch: port of /metrics, /healthz, /readyz; 0 = off (also RATEL_METRICS_PORT)',
    intArg('metrics-port'),
  )
  .option('--metrics-host <address>', '--watch: bind address of the endpoints (default 127.0.0.1)')
  .action(async (paths: string[], o, cmd: Command) => {
    const cfg = config(cmd, { accountsFile: o.accountsFile, metricsPort: o.metricsPort, metricsHost: o.metricsHost });
    if (o.watch === undefined && paths.length === 0) throw errors.usageInvalid('ratel import needs files or folders (or --watch DIR)');
    if (o.watch !== undefined && paths.length > 0) throw errors.usageInvalid('ratel import --watch DIR takes no other files or folders');
    if (o.watch !== undefined && o.deadLetters !== undefined)
      throw errors.usageInvalid(
        'ratel import --watch writes the dead letters of each file beside it in done/ or failed/: no --dead-letters',
      );
    const spool = o.watch === undefined ? 'dir' : pathKind(o.watch);
    if (spool !== 'dir')
      throw errors.inputUnreadable(o.watch, `spool folder (--watch) must be a folder: ${spool === 'file' ? 'a file' : spool}`);
    if (!(FORMATS as readonly string[]).includes(o.format))
      throw errors.usageInvalid(`--format ${o.format}: not one of ${FORMATS.join(', ')}`);
    if (o.to !== 'store' && o.to !== 'kafka') throw errors.usageInvalid(`--to ${o.to}: store or kafka`);
    const asOf = o.asOf === undefined ? undefined : /^\d{4}-\d{2}-\d{2}$/.test(o.asOf) ? Date.parse(`${o.asOf}T00:00:00Z`) : Number.NaN;
    if (asOf !== undefined && Number.isNaN(asOf)) throw errors.usageInvalid(`--as-of ${o.asOf}: a date YYYY-MM-DD`);
    checkInputs(cfg);
    if (cfg.accountsFile === null) throw errors.usageInvalid('ratel import needs --accounts-file (or RATEL_ACCOUNTS_FILE)');
    const accountsFile = cfg.accountsFile;
    const catalog = loadCatalog(cfg.catalogDir);
    const accounts = loadAccounts(accountsFile, catalog);
    const opts = {
      paths,
      format: o.format as FormatName,
      mapping: o.mapping as string | undefined,
      to: o.to as 'store' | 'kafka',
      deadLetterFile: o.deadLetters ?? `${cfg.outDir}/import-dead-letters.jsonl`,
      progress: o.progress as boolean,
      now: asOf === undefined ? undefined : () => asOf,
    };
    if (o.watch !== undefined) {
      await watchSpool(cfg, { ...opts, dir: o.watch as string }, { catalog, accounts, accountsFile });
      return;
    }
    if (opts.to === 'kafka') {
      const codecs = await codecsOf(cfg);
      await importFiles(cfg, opts, {
        catalog,
        accounts,
        accountsFile,
        kafka: createKafka(cfg, createLogger(cfg.logLevel)),
        codec: codecs.cdr,
      });
      return;
    }
    checkOutputs(cfg, { outDir: false });
    const store = await openStore(storeConfigOf(cfg));
    const alerts = await importAlerts(cfg);
    try {
      await createSchema(store);
      await importFiles(cfg, opts, { catalog, accounts, accountsFile, store, alerts: alerts ?? undefined });
      if (alerts !== null) console.log(`alerts produced to ${cfg.kafka.alertsTopic}: ${alerts.produced}`);
    } finally {
      await alerts?.close();
      await store.close();
    }
  });

/** alerts.importToTopic: the producer of an import's alerts (connected at the first alert), else null. */
async function importAlerts(cfg: Config): Promise<AlertsProducer | null> {
  if (!cfg.alerts.importToTopic) return null;
  const codecs = await codecsOf(cfg);
  return alertsProducer(createKafka(cfg, createLogger(cfg.logLevel)), cfg, codecs.alert);
}

/** Test only: RATEL_TEST_BATCH_PAUSE_MS, a pause before each batch of `import --watch` (so a test can kill it mid-file). */
function testBatchPause(): number | undefined {
  const v = process.env.RATEL_TEST_BATCH_PAUSE_MS;
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw errors.configInvalid('RATEL_TEST_BATCH_PAUSE_MS', 'a whole number of milliseconds (test only)');
  return Number(v);
}

/** `ratel import --watch`: the spool folder until SIGTERM/SIGINT (exit 0), or a store or broker failure (exit 2). */
async function watchSpool(
  cfg: Config,
  opts: Omit<WatchOptions, 'batchPauseMs'>,
  deps: { catalog: Catalog; accounts: ReturnType<typeof loadAccounts>; accountsFile: string },
): Promise<void> {
  const log = createLogger(cfg.logLevel);
  const watchOpts = { ...opts, batchPauseMs: testBatchPause() };
  if (opts.to === 'kafka') {
    const codecs = await codecsOf(cfg);
    const w = await startImportWatch(cfg, watchOpts, { ...deps, kafka: createKafka(cfg, log), codec: codecs.cdr, log });
    // A send the brokers failed: typed as BROKER_UNREACHABLE (or what brokerError finds), exit 2.
    await untilStopped(w, log).catch(async (e: unknown) => {
      throw isRatelError(e) ? e : await brokerError(cfg, e);
    });
    process.exit(0);
  }
  checkOutputs(cfg, { outDir: false });
  const store = await openStore(storeConfigOf(cfg));
  const alerts = await importAlerts(cfg);
  try {
    await createSchema(store);
    const w = await startImportWatch(cfg, watchOpts, { ...deps, store, alerts: alerts ?? undefined, log });
    await untilStopped(w, log);
  } finally {
    await alerts?.close();
    await store.close();
  }
  process.exit(0);
}

program
  .command('ingest-http')
  .description(
    'serve POST /v1/cdrs?format=NAME (JSON Lines or CSV) with a bearer token (httpIngest.token): each body is checked whole, then produced to the CDR topic and acknowledged by all in-sync replicas before the 202 (README "HTTP ingest")',
  )
  .option('--host <address>', 'bind address (also RATEL_HTTP_INGEST_HOST; default 127.0.0.1)')
  .option('--port <port>', 'port, 0 = any free port (also RATEL_HTTP_INGEST_PORT; default 8471)', intArg('port'))
  .option('--accounts-file <file>', 'accounts JSON with the subscriber directory, for the generic formats (also RATEL_ACCOUNTS_FILE)')
  .option(
    '--workers <n>',
    'processes serving the port, each with its own producer (also RATEL_HTTP_INGEST_WORKERS; default 1)',
    intArg('workers'),
  )
  .action(async (o, cmd: Command) => {
    const cfg = config(cmd, {
      'httpIngest.host': o.host,
      'httpIngest.port': o.port,
      'httpIngest.workers': o.workers,
      accountsFile: o.accountsFile,
    });
    checkInputs(cfg);
    const log = createLogger(cfg.logLevel);
    await runIngestHttp(cfg, { kafka: () => createKafka(cfg, log), codec: async () => (await codecsOf(cfg)).cdr, log });
  });

program
  .command('dlq-replay')
  .description(
    'produce the dead letters again to the CDR topic once their cause is fixed (an account added, a deck completed); replays are safe: a CDR already rated changes nothing',
  )
  .option('--code <codes...>', 'reason codes to replay (default: all but CDR_MALFORMED)')
  .action(async (o, cmd: Command) => {
    const cfg = config(cmd);
    const log = createLogger(cfg.logLevel);
    const codecs = await codecsOf(cfg);
    const r = await replayDeadLetters(createKafka(cfg, log), cfg, codecs.cdr, log, { codes: o.code });
    console.log(`dead letters read ${r.read}, replayed ${r.replayed} to ${cfg.kafka.cdrTopic}, skipped ${r.skipped}`);
  });

program
  .command('alerts-webhook')
  .description(
    'post every alert of the alerts topic to alerts.webhook.url, signed (X-Ratel-Signature), retried with backoff until taken; `ratel run` does it too when the URL is set',
  )
  .action(async (_o, cmd: Command) => {
    const cfg = config(cmd);
    if (cfg.alerts.webhook.url === null)
      throw errors.configInvalid('alerts.webhook.url (RATEL_ALERTS_WEBHOOK_URL)', 'not set: no webhook to post the alerts to');
    const log = createLogger(cfg.logLevel);
    const codecs = await codecsOf(cfg);
    const metrics = createMetrics();
    const webhook = await startWebhookForwarder(createKafka(cfg, log), cfg, { codec: codecs.alert, log, metrics });
    const server = cfg.metricsPort
      ? await serveMetrics(metrics, cfg.metricsPort, () => true, { host: cfg.metricsHost, token: cfg.metricsToken })
      : null;
    const shutdown = () => {
      server?.close();
      webhook.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
    await webhook.failed.catch((e: unknown) => {
      throw errors.brokerUnreachable(cfg.kafka.brokers.join(','), e);
    });
  });

program
  .command('config')
  .description('print the configuration in effect (defaults, file, environment), secrets shown as [redacted]')
  .action((_o, cmd: Command) => {
    console.log(JSON.stringify(redactedConfig(config(cmd)), null, 2));
  });

/**
 * A command-line mistake as one line. Commander's own text ("error: unknown option '--x'") is
 * kept without its prefix; help and version requests (exit code 0) are not errors.
 */
function usageError(e: CommanderError): Error | null {
  if (e.exitCode === 0) return null;
  if (e.code === 'commander.help') return errors.usageInvalid('no command given (ratel --help lists them)');
  return errors.usageInvalid(`${e.message.replace(/^error: /, '').split('\n')[0]} (ratel --help)`);
}

program.parseAsync().catch((caught: unknown) => {
  const e = caught instanceof CommanderError ? usageError(caught) : caught;
  if (e === null) process.exit(0);
  if (isRatelError(e)) {
    console.error(redact(`ratel: ${e.code} ${e.message}`));
    process.exit(2);
  }
  console.error(redact(`ratel: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
  process.exit(1);
});
