/**
 * The main job on the embedded default: generate a realistic month of CDRs for a few thousand
 * users, rate them in-process, store the rated events in chDB, run the month's invoices, print
 * a summary and write the invoices to the output folder. No Kafka, no server, no Java.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  closeMonth,
  createSchema,
  type Invoice,
  invoiceText,
  missingSellerFields,
  openStore,
  rowsEncoderFor,
  SAMPLE_SELLER,
  type Store,
  storeHistory,
  summaryText,
  writeDeadLetters,
} from '@ratel/aggregator';
import { type AccountInput, accountBook, loadCatalog, type PoolBatchResult, RatingPool } from '@ratel/rater';
import { type Cdr, formatMoney, localCodecs, nextMonth, type WireCodec } from '@ratel/schemas';
import { type Config, invoiceTermsOf, limitsOf, storeConfigOf } from './config.js';
import { deadLetterRow } from './dead-letters.js';
import { generateAccounts, generateCdrs } from './generator.js';
import type { Logger } from './logger.js';

import { createProgress } from './progress.js';
import { batchJobWriter, groupedStoreSink } from './store-sink.js';

export interface MonthJobOptions {
  accounts: number;
  month: number;
  seed: number;
  keep: boolean;
  show: number;
  progress: boolean;
}

export interface MonthJobResult {
  cdrs: number;
  /** CDRs rated (taken into their account-month; a late CDR re-rating others adds versions, not CDRs). */
  rated: number;
  deadLetters: number;
  alerts: number;
  invoices: Invoice[];
  elapsedMs: number;
  rateMs: number;
  /** CPU time of the process (every thread: workers, chDB) while rating and storing. */
  rateCpuMs: number;
  cdrsPerSec: number;
  totalExclMicros: number;
}

/**
 * Batches the month job gives the workers before it waits for the oldest: with 2, the workers
 * waited while a batch's results were taken and the store caught up; with 4, 74,500 -> 82,300
 * CDR/s on average over 4 alternating pairs (bench/RESULTS.md, 2026-12-02).
 */
export const MONTH_BATCHES_IN_FLIGHT = 4;

export async function runMonthJob(
  cfg: Config,
  opts: MonthJobOptions,
  log: Logger,
  print: (s: string) => void = console.log,
): Promise<MonthJobResult> {
  const t0 = performance.now();
  const catalog = loadCatalog(cfg.catalogDir);
  log.info({ catalog: catalog.version, plans: catalog.plans.size, tariffs: catalog.tariffs.size }, 'catalog loaded');
  const accountInputs = generateAccounts(opts);
  const accounts = accountBook(accountInputs, catalog, 'generated accounts');
  const codecs = localCodecs();
  const { wire, ends } = frameMonth(accountInputs, opts, codecs.cdr);
  const count = ends.length - 1;
  const users = accountInputs.reduce((s, a) => s + a.users.length, 0);
  print(`ratel: ${accounts.size} accounts, ${users} users, ${count} CDRs for ${opts.month} (catalog ${catalog.version})`);

  if (cfg.store.engine === 'chdb' && !opts.keep) rmSync(cfg.store.dataDir, { recursive: true, force: true });
  const store: Store = await openStore(storeConfigOf(cfg));
  try {
    await createSchema(store);
    // The month is rated as on the first day after it ends (its close): the window of accepted
    // start dates is taken around that day, so any month can be generated and rated again.
    const next = nextMonth(opts.month);
    const closeMs = Date.UTC(Math.floor(next / 100), (next % 100) - 1, 1);
    // The same rating pool as the pipeline, on every core (rater.threads): history from the
    // store (with --keep), the CDRs archived, rated events and alerts written batch by batch,
    // the month's catalog recorded.
    const jobWriter = batchJobWriter(cfg.writer);
    const { sink, writer } = groupedStoreSink(store, jobWriter);
    const maxPending = jobWriter.maxPendingRows;
    const pool = new RatingPool(
      { catalog, accounts, ...limitsOf(cfg) },
      { history: storeHistory(store), sink },
      { threads: cfg.rater.threads, encoder: rowsEncoderFor(store), now: () => Math.min(Date.now(), closeMs), log },
    );
    const progress = createProgress(opts.progress);
    progress.start('rating', count);
    const tRate = performance.now();
    const cpuRate = process.cpuUsage();
    let rated = 0;
    let dead = 0;
    let alerts = 0;
    let replays = 0;
    const deadFile = join(cfg.outDir, 'dead-letters.jsonl');
    mkdirSync(cfg.outDir, { recursive: true });
    writeFileSync(deadFile, '');
    const batch = cfg.rater.batchSize;
    /** Batches being rated (the workers always have the next ones), and the first store write that failed. */
    const rating: { from: number; to: number; out: Promise<PoolBatchResult> }[] = [];
    let failed: unknown = null;
    const settle = async (b: { from: number; to: number; out: Promise<PoolBatchResult> }) => {
      const out = await b.out;
      out.stored.catch((e: unknown) => {
        failed ??= e;
      });
      const dl = [
        ...out.bad.map((x) => ({ key: `frame ${b.from + x.index}`, code: x.code, reason: x.reason, index: x.index, cdr: null })),
        ...out.dead.map((d) => ({ key: d.cdr_id, code: d.code, reason: d.reason, index: d.index, cdr: d.cdr, held: d.held })),
      ];
      if (dl.length) {
        const now = Date.now();
        const rows = dl.map((d) => deadLetterRow({ ...d, frame: d.index >= 0 ? frameOf(wire, ends, b.from + d.index) : null }, now));
        await writeDeadLetters(store, rows);
        writeFileSync(deadFile, rows.map((r) => `${JSON.stringify(r)}\n`).join(''), { flag: 'a' });
        for (const d of dl) log.warn({ cdr_id: d.key, code: d.code }, d.reason);
      }
      // Batches are in flight together, so a shard may rate a batch before an earlier one that waits on
      // the store: late CDRs then re-rate others (new versions, same final ratings). Count CDRs.
      rated += out.accepted;
      dead += dl.length;
      alerts += out.alerts.length;
      replays += out.replays;
      progress.update(b.to);
      // Rated rows not yet stored are bounded (writer.maxPendingRows, at least two inserts' worth).
      if (writer.pending >= maxPending) await writer.below(maxPending);
      if (failed !== null) throw failed;
    };
    try {
      for (let i = 0; i < count; i += batch) {
        const to = Math.min(count, i + batch);
        rating.push({ from: i, to, out: pool.rate({ data: wire, ends, from: i, to, schemaId: codecs.cdr.schemaId }) });
        if (rating.length >= MONTH_BATCHES_IN_FLIGHT) await settle(rating.shift() as (typeof rating)[number]);
      }
      while (rating.length > 0) await settle(rating.shift() as (typeof rating)[number]);
      await pool.drain();
      if (failed !== null) throw failed;
    } finally {
      // A batch still rating when another failed: its result no longer matters.
      for (const b of rating) b.out.catch(() => {});
      await pool.close();
    }
    progress.stop();
    const rateMs = performance.now() - tRate;
    const rateCpu = process.cpuUsage(cpuRate);
    const rateCpuMs = (rateCpu.user + rateCpu.system) / 1000;
    // Generated accounts are invoiced by the sample seller unless the config names a complete one.
    const terms = invoiceTermsOf(cfg);
    if (missingSellerFields(terms.seller).length) terms.seller = SAMPLE_SELLER;
    const { run, folder, roamingAbuse, finance } = await closeMonth(store, catalog, accounts, opts.month, cfg.outDir, { top: 5, terms });
    const summary = finance.usage;
    const elapsedMs = performance.now() - t0;
    const total = run.issued.reduce((s, inv) => s + inv.total_excl_micros, 0);
    const vat = run.issued.reduce((s, inv) => s + inv.vat_micros, 0);
    for (const inv of run.issued.slice(0, opts.show)) print(`\n${invoiceText(inv)}`);
    print('');
    print(summaryText(finance));
    print('');
    print(
      `month ${opts.month}: ${summary.records} rated CDRs for ${summary.users} users, usage ${formatMoney(summary.cost_micros)} EUR excl. VAT`,
    );
    print(
      `invoices: ${run.issued.length} issued (${run.alreadyIssued} already issued), total ${formatMoney(total)} excl. VAT + ${formatMoney(vat)} VAT, written to ${folder} (JSON, CSV, HTML, PDF, itemised calls)`,
    );
    print(
      `dead letters: ${dead} (${deadFile}), alerts: ${alerts}, roaming abuse flagged at close: ${roamingAbuse.length}, replays ignored: ${replays}`,
    );
    const cdrsPerSec = Math.round(count / (rateMs / 1000));
    print(`dashboard: ratel dashboard (node ingest/dist/cli.js dashboard) → http://${cfg.dashboard.host}:${cfg.dashboard.port}/`);
    print(
      `cdrs=${count} elapsed_s=${(elapsedMs / 1000).toFixed(1)} rating_s=${(rateMs / 1000).toFixed(1)} rating_cpu_s=${(rateCpuMs / 1000).toFixed(1)} embedded_cdrs_per_sec=${cdrsPerSec}`,
    );
    return {
      cdrs: count,
      rated,
      deadLetters: dead,
      alerts,
      invoices: run.issued,
      elapsedMs,
      rateMs,
      rateCpuMs,
      cdrsPerSec,
      totalExclMicros: total,
    };
  } finally {
    await store.close();
  }
}

/**
 * The month's CDRs framed as on Kafka, in one buffer (frame k ends at ends[k + 1]): the wire
 * format is exercised end to end, and the CDR objects are gone before rating starts.
 */
function frameMonth(accounts: readonly AccountInput[], opts: MonthJobOptions, codec: WireCodec<Cdr>): { wire: Buffer; ends: Float64Array } {
  const frames = generateCdrs(accounts, opts).map((c) => codec.encode(c));
  const ends = new Float64Array(frames.length + 1);
  for (let k = 0; k < frames.length; k++) ends[k + 1] = (ends[k] as number) + (frames[k] as Buffer).length;
  return { wire: Buffer.concat(frames), ends };
}

/** Frame k of the month's wire buffer (null for an index outside it). */
function frameOf(wire: Buffer, ends: Float64Array, k: number): Buffer | null {
  return k >= 0 && k + 1 < ends.length ? wire.subarray(ends[k], ends[k + 1]) : null;
}
