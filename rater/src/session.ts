/**
 * The rating session: ratel's one batch path. The Kafka pipeline, the month job, `ratel import`
 * and the tests all hand it batches of CDRs; it owns the account-month lifecycle around the
 * engine and talks to the outside through two small ports:
 *
 *   HistoryPort    what the store holds: the account-months archived, their CDRs and latest
 *                  ratings (to restore an account-month not in memory), and the catalog each
 *                  month is rated with.
 *   RatedRowsSink  where a batch's rows go (archived CDRs, rated events, alerts); it takes them
 *                  at once and says when they are stored.
 *
 * For each batch, in this order:
 *   1. account-months of the batch not in memory are restored (each with its account's previous
 *      month, so ids are checked against the same months after a restart as before it), after
 *      the rows already written have landed if the engine was cleared; months rated with another
 *      catalog are refused (CATALOG_CHANGED dead letters);
 *   2. the batch is rated (RatingEngine.addAll: replays, conflicts, late CDRs re-rated once);
 *   3. a new month evicts the account-months older than the previous one;
 *   4. the rows go to the sink.
 * From the first restore to the rows taken by the sink, a failure makes the session forget
 * every account-month (they are rebuilt from the store): nothing of a batch is held unless its
 * rows reached the sink. Should the session forget while a batch waits on the store, that batch
 * works its restore out again. Results keep their input indexes (`dead[i].index`,
 * `accepted[i].index`), so a caller finds the frame or line of each.
 */
import type { Cdr, RatedEvent } from '@ratel/schemas';
import { previousMonth } from '@ratel/schemas';
import { type Accepted, type EngineOutput, newOutput, type PriorRating, RatingEngine } from './engine.js';
import type { RateContext } from './rate.js';
import type { Alert } from './reasons.js';

/** An account-month as the store holds it. */
export interface StoredAccountMonth {
  key: { account_id: string; month: number };
  cdrs: Cdr[];
  /** bodies[i]: cdrs[i]'s Avro body as archived (the bytes first received). */
  bodies?: readonly Uint8Array[];
  /** Latest stored rating per CDR id. */
  ratings: ReadonlyMap<string, PriorRating>;
}

/** The store, as the session reads it. */
export interface HistoryPort {
  /** Keys (`account|month`, see accountMonthKey) of the account-months archived from `fromMonth` on. */
  archived(fromMonth: number): Promise<Set<string>>;
  load(keys: readonly { account_id: string; month: number }[]): Promise<StoredAccountMonth[]>;
  /** The catalog version each month is rated with. */
  ratingCatalogs(): Promise<Map<number, string>>;
  /** Records `month` as rated with `version` (the first record stands). */
  recordRatingCatalog(month: number, version: string): Promise<void>;
}

export interface RatedRows {
  accepted: readonly Accepted[];
  events: readonly RatedEvent[];
  alerts: readonly Alert[];
}

/** Where rated rows go. */
export interface RatedRowsSink {
  /**
   * Takes a batch's rows now (encoding them may throw: then nothing was taken); the promise
   * resolves once they are stored.
   */
  write(rows: RatedRows): Promise<void>;
  /** Resolves once every row written so far is stored. */
  drain(): Promise<void>;
}

export interface SessionLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SessionOptions {
  /** The engine's clock (rating times, the date window). */
  now?: () => number;
  log?: SessionLog;
  /** Wraps each store read (e.g. retries while the store is down). */
  retry?: <T>(what: string, op: () => Promise<T>) => Promise<T>;
  /** How often a month refused for its catalog is looked at again (ms). */
  regateMs?: number;
  /**
   * The sink may hold rows written before this session existed (a rating worker started in place
   * of one that stopped): they must land before the first restore, as after a forget.
   */
  drainFirst?: boolean;
}

export interface BatchResult {
  out: EngineOutput;
  /** Resolves once the batch's rows are stored. */
  stored: Promise<void>;
  /** Account-months restored for this batch. */
  restored: number;
}

export const accountMonthKey = (account: string, month: number): string => `${account}|${month}`;

const quiet: SessionLog = { info() {}, error() {} };

export class RatingSession {
  readonly engine: RatingEngine;
  private readonly history: HistoryPort | null;
  private readonly sink: RatedRowsSink;
  private readonly log: SessionLog;
  private readonly retry: <T>(what: string, op: () => Promise<T>) => Promise<T>;
  private readonly regateMs: number;
  /** Bumped each time the session forgets: a batch restoring meanwhile works its restore out again. */
  private epoch = 0;
  /** The engine was cleared: the rows already written must land before restoring from the store. */
  private mustDrain = false;
  /**
   * The account-months the store held when memory was last cleared, from month `from` on. One
   * that is neither in memory nor in it, from that month on, has no history: an account's CDRs
   * reach one session at a time, and an evicted month is always loaded (below `evictedBefore`).
   */
  private archived: Promise<{ from: number; keys: Set<string> }> | null = null;
  private evictedFor = 0;
  private evictedBefore = 0;
  /** rate() calls running now. */
  private active = 0;
  /** When each month was last checked against the rating catalogs, and the months refused. */
  private readonly gated = new Map<number, number>();
  private readonly refused = new Set<number>();

  constructor(
    private readonly ctx: RateContext,
    ports: { history?: HistoryPort | null; sink: RatedRowsSink },
    opts: SessionOptions = {},
  ) {
    this.engine = new RatingEngine(ctx, opts.now);
    this.history = ports.history ?? null;
    this.sink = ports.sink;
    this.log = opts.log ?? quiet;
    this.retry = opts.retry ?? ((_what, op) => op());
    this.regateMs = opts.regateMs ?? 30_000;
    this.mustDrain = opts.drainFirst ?? false;
  }

  /**
   * Rates a batch (bodies[i]: cdrs[i]'s Avro body as received, kept instead of encoding it
   * again). `heartbeat` is called after each wait on the store (a Kafka consumer's).
   */
  async rate(cdrs: readonly Cdr[], bodies?: readonly Uint8Array[], opts: { heartbeat?: () => Promise<void> } = {}): Promise<BatchResult> {
    this.active++;
    try {
      const out = newOutput();
      let restored = 0;
      let stored: Promise<void>;
      try {
        for (;;) {
          const at = this.epoch;
          restored = await this.restoreMissing(cdrs, out, opts.heartbeat);
          if (this.epoch === at) break;
          out.events.length = 0;
          out.alerts.length = 0;
          out.dead.length = 0;
        }
        this.engine.addAll(cdrs, out, bodies);
        this.evictOldMonths();
        stored = this.sink.write({ accepted: out.accepted, events: out.events, alerts: out.alerts });
      } catch (e) {
        this.forget('a batch failed between restoring or rating and writing its rows');
        throw e;
      }
      return { out, stored, restored };
    } finally {
      this.active--;
    }
  }

  /** Forgets every account-month: each is rebuilt from the store on demand, once the rows written so far have landed. */
  forget(why: string): void {
    this.engine.clear();
    this.mustDrain = true;
    this.archived = null;
    this.epoch++;
    this.log.info({ why }, 'account-months forgotten: rebuilt from the store on demand');
  }

  /** Resolves once every row written so far is stored. */
  drain(): Promise<void> {
    return this.sink.drain();
  }

  private async restoreMissing(cdrs: readonly Cdr[], out: EngineOutput, heartbeat?: () => Promise<void>): Promise<number> {
    const history = this.history;
    if (history === null) return 0; // nothing to restore from: every account-month starts empty
    const engine = this.engine;
    const missing = new Map<string, { account_id: string; month: number }>();
    let latestMissing = 0;
    const want = (account_id: string, month: number) => {
      if (!engine.holds(account_id, month)) missing.set(accountMonthKey(account_id, month), { account_id, month });
    };
    for (const c of cdrs) {
      const month = engine.missingMonth(c);
      if (month === null) continue;
      want(c.account_id, month);
      want(c.account_id, previousMonth(month));
      if (month > latestMissing) latestMissing = month;
    }
    if (missing.size === 0) return 0;
    await this.gateMonths(history, missing.values());
    if (this.mustDrain) {
      // A forget while draining asks for another drain: rows written before it must land first.
      const at = this.epoch;
      await this.sink.drain();
      if (this.epoch === at) this.mustDrain = false;
    }
    if (this.archived === null) {
      const from = previousMonth(previousMonth(latestMissing));
      const taken = this.retry('list archived account-months', () => history.archived(from)).then((keys) => ({ from, keys }));
      this.archived = taken;
      taken.catch(() => {
        if (this.archived === taken) this.archived = null;
      });
    }
    const at = this.epoch;
    const known = await this.archived;
    if (this.epoch !== at) return 0;
    const toLoad = [...missing].filter(
      ([key, k]) => !this.refused.has(k.month) && (k.month < known.from || k.month < this.evictedBefore || known.keys.has(key)),
    );
    const loaded = toLoad.length ? await this.retry('load history', () => history.load(toLoad.map(([, k]) => k))) : [];
    if (this.epoch !== at) return 0;
    let n = 0;
    for (const h of loaded) {
      // Another batch may have restored it meanwhile (an account on two partitions): never over it.
      if (engine.holds(h.key.account_id, h.key.month)) continue;
      engine.restore(h.key.account_id, h.key.month, h.cdrs, h.ratings, out, h.bodies);
      n++;
    }
    if (heartbeat) await heartbeat();
    return n;
  }

  /**
   * The first time the session meets a month: the catalog it is rated with. A month no one has
   * rated yet is recorded with this catalog; one rated with another catalog is refused (its CDRs
   * become CATALOG_CHANGED dead letters) until `ratel rerate` re-rates it, looked at again every
   * `regateMs`.
   */
  private async gateMonths(history: HistoryPort, keys: Iterable<{ month: number }>): Promise<void> {
    const version = this.ctx.catalog.version;
    for (const { month } of keys) {
      const last = this.gated.get(month);
      if (last !== undefined && (!this.refused.has(month) || Date.now() - last < this.regateMs)) continue;
      let rated = (await this.retry('rating catalogs', () => history.ratingCatalogs())).get(month);
      if (rated === undefined) {
        // First record stands: after recording, read back which one does (another rater may
        // have recorded another catalog at the same time).
        await this.retry('record rating catalog', () => history.recordRatingCatalog(month, version));
        rated = (await this.retry('rating catalogs', () => history.ratingCatalogs())).get(month) ?? version;
      }
      if (rated === version) {
        if (this.refused.delete(month)) {
          this.engine.acceptMonth(month);
          this.log.info({ month, catalog: version }, 'month re-rated with this catalog: its CDRs are taken again');
        }
      } else if (!this.refused.has(month)) {
        this.engine.refuseMonth(month, rated);
        this.refused.add(month);
        this.log.error(
          { month, ratedWith: rated, catalog: version },
          'month rated with another catalog: its CDRs are refused until `ratel rerate`',
        );
      }
      this.gated.set(month, Date.now());
    }
  }

  /**
   * A new month has begun: keep it and the previous one in memory, restore older ones on demand
   * (after the rows written for them have landed). Only while no other batch runs: one may have
   * restored an older month it has not rated yet.
   */
  private evictOldMonths(): void {
    const engine = this.engine;
    if (engine.latestMonth <= this.evictedFor || this.active !== 1) return;
    this.evictedFor = engine.latestMonth;
    this.evictedBefore = previousMonth(this.evictedFor);
    const gone = engine.evictBefore(this.evictedBefore);
    if (gone > 0) {
      this.mustDrain = true;
      this.onEvicted(gone);
      this.log.info({ month: this.evictedFor, evicted: gone }, 'account-months before the previous month left memory');
    }
  }

  /** Account-months evicted so far (for metrics). */
  evicted = 0;
  private onEvicted(n: number): void {
    this.evicted += n;
  }
}
