/**
 * `ratel import --watch DIR --format NAME [--mapping F] --accounts-file F [--to kafka]`: a spool
 * folder, run as a service. Files are imported as they become complete (rename, close or age:
 * spool/settle.ts), one at a time through one rating session (or one producer) kept open, and
 * moved to `done/` or `failed/` with their summary once their ratings are stored (or produced and
 * acknowledged): spool/README.md. Metrics, /healthz and /readyz on the endpoint of `ratel run`
 * (metricsPort, metricsHost, metricsToken), one pino line per file.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Config, regexOf } from './config.js';
import { createFileImporter, type ImportDeps, type ImportOptions } from './import.js';
import type { Logger } from './logger.js';
import { serveMetrics } from './metrics.js';
import { createSpoolMetrics, type SpoolMetrics } from './spool/metrics.js';
import { SpoolWatcher } from './spool/watcher.js';
import { procWriterScan } from './spool/writers.js';

export interface WatchOptions extends Pick<ImportOptions, 'format' | 'mapping' | 'to' | 'now' | 'batchSize'> {
  /** The spool folder. */
  dir: string;
  /** Test only (RATEL_TEST_BATCH_PAUSE_MS): a pause before each batch, to kill the process in the middle of a file. */
  batchPauseMs?: number;
}

export interface WatchDeps extends ImportDeps {
  log: Logger;
}

export interface ImportWatch {
  watcher: SpoolWatcher;
  metrics: SpoolMetrics;
  /** The metrics endpoint (null when metricsPort is 0). */
  server: Server | null;
  /** Rejects when the store or the brokers fail (the watcher has stopped; the file it was importing stays). */
  failed: Promise<never>;
  /** Stops: the file being imported is left at its next batch; the batches before it are stored first. */
  stop(): Promise<void>;
}

export async function startImportWatch(cfg: Config, opts: WatchOptions, deps: WatchDeps): Promise<ImportWatch> {
  const { log } = deps;
  const w = cfg.import.watch;
  const importer = createFileImporter(cfg, opts, deps);
  const metrics = createSpoolMetrics();
  const writers = w.checkWriters ? procWriterScan() : null;
  if (w.checkWriters && writers === null)
    log.warn('no /proc/<pid>/fd here: writers are not looked for, files are complete by rename or age only');
  const watcher = SpoolWatcher.start({
    dir: opts.dir,
    settleMs: w.settleMs,
    rescanMs: w.rescanMs,
    ignore: regexOf(w.ignore) as RegExp,
    writers,
    importer,
    log,
    metrics,
    format: opts.format,
    to: opts.to,
    batchPauseMs: opts.batchPauseMs,
  });
  let server: Server | null = null;
  try {
    server = cfg.metricsPort
      ? await serveMetrics(metrics, cfg.metricsPort, () => watcher.isReady(), { host: cfg.metricsHost, token: cfg.metricsToken })
      : null;
  } catch (e) {
    await watcher.stop();
    throw e;
  }
  const address = server ? (server.address() as AddressInfo) : null;
  log.info(
    {
      dir: opts.dir,
      format: opts.format,
      to: opts.to === 'store' ? `store (${cfg.store.engine})` : `kafka ${cfg.kafka.cdrTopic}`,
      settleMs: w.settleMs,
      rescanMs: w.rescanMs,
      ignore: w.ignore,
      writers: writers !== null,
      metrics: address ? `${address.address}:${address.port}` : null,
    },
    'watching the spool folder',
  );
  return {
    watcher,
    metrics,
    server,
    failed: watcher.failed,
    async stop() {
      await watcher.stop();
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    },
  };
}

/**
 * Runs until SIGTERM or SIGINT, then stops cleanly and resolves; rejects with the error when the
 * delivery fails (a supervisor restarts the service: the file is imported again from its start).
 * A stop that takes over 30 s rejects.
 */
export function untilStopped(w: ImportWatch, log: Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ sig }, 'stopping: the file being imported, if any, is left at its next batch');
      setTimeout(() => reject(new Error('the spool watcher did not stop within 30 s')), 30_000).unref();
      w.stop().then(() => {
        log.info('stopped');
        resolve();
      }, reject);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    w.failed.catch((e: unknown) => {
      stopping = true;
      w.stop().then(
        () => reject(e),
        () => reject(e),
      );
    });
  });
}
