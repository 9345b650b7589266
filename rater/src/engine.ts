/**
 * The rating engine: account-month buckets that make results independent of arrival order.
 *
 * Calls of an account-month are rated in (start_ms, id) order. A CDR that arrives after later
 * calls of its account-month re-rates the bucket from the start and emits a new version of every
 * call whose rating changed (SPEC §4: "the order of calls is their start time"). A CDR whose id
 * the bucket already holds is a replay and changes nothing (found through an index from numeric
 * id hashes to held rows, not a map of strings). Unrateable CDRs become dead letters with their reason; they
 * never enter a bucket. Held CDRs live in a HeldCdrs store (Avro bodies and typed columns), not
 * as objects.
 *
 * This file is the engine's face: admission, dead letters and conflicts, and the batch loop.
 * Where account-months and held CDRs are found is engine-index.ts (the performance index); the
 * start-order merge, late re-rating and version recording are engine-order.ts.
 */
import {
  type Cdr,
  cdrType,
  checkCdr,
  checkLimits,
  checkWindow,
  DEFAULT_LIMITS,
  type ErrorCode,
  errors,
  isRatelError,
  type RatedEvent,
} from '@ratel/schemas';
import { type AccountMonth, newAccountMonth } from './allowance.js';
import { type Bucket, EngineIndex, idKey, LOCATED, UNKNOWN_ACCOUNT } from './engine-index.js';
import { byStart, EngineOrder } from './engine-order.js';
import { type Draft, newDraft, type RateContext, type Rating, type Resolved, rateCdr, rateChecked } from './rate.js';
import type { Alert } from './reasons.js';

export interface DeadLetter {
  /** The CDR's id, cut to 256 characters (an absurd id must not make an absurd row or key). */
  cdr_id: string;
  code: ErrorCode;
  reason: string;
  cdr: Cdr | null;
  /** Index of the CDR in the batch given to addAll (-1 when it came from elsewhere). */
  index: number;
  /** CDR_CONFLICT: the version already rated under the same id (kept, billed once). */
  held?: Cdr | undefined;
}

export interface EngineOutput {
  events: RatedEvent[];
  alerts: Alert[];
  dead: DeadLetter[];
  /**
   * CDRs that entered an account-month bucket (new, not replays), with their billing month and,
   * when addAll was given it, their Avro body as received.
   */
  accepted: Accepted[];
  replays: number;
}

export interface Accepted {
  cdr: Cdr;
  month: number;
  body?: Uint8Array | undefined;
  /** Index of the CDR in the batch given to addAll. */
  index?: number;
}

export const newOutput = (): EngineOutput => ({ events: [], alerts: [], dead: [], accepted: [], replays: 0 });

/** A rating as stored: enough to tell whether a re-rating changed it. */
export interface PriorRating {
  version: number;
  included_qty: number;
  billed_qty: number;
  cost_micros: number;
  prefix: string;
  reasons: readonly string[];
}

const MAX_ID_CHARS = 256;
const cutId = (id: string): string => (id.length > MAX_ID_CHARS ? id.slice(0, MAX_ID_CHARS) : id);

export class RatingEngine {
  /** Account runs, buckets and held CDRs, and where the last CDR was located. */
  private readonly index: EngineIndex;
  /** Late CDRs of the batch, re-rating, versions and alert de-duplication. */
  private readonly order: EngineOrder;
  /** The alerts rating pushes, flushed per account-month by the order. */
  private readonly scratch: Alert[] = [];
  /** The draft every CDR is rated in (rate.ts). */
  private readonly draft: Draft = newDraft();
  /** Months rated with another catalog (month -> that catalog's version): their CDRs are refused. */
  private refused: Map<number, string> | null = null;

  constructor(
    private readonly ctx: RateContext,
    private readonly now: () => number = Date.now,
  ) {
    this.index = new EngineIndex(ctx);
    this.order = new EngineOrder(this.index, this.scratch, (cdr, month, state, out, index) => this.rateInto(cdr, month, state, out, index));
  }

  /**
   * Refuses the CDRs of `month` (CATALOG_CHANGED dead letters): the month is rated with catalog
   * `ratedWith`, not this engine's (see the aggregator's rating-catalogs.ts). Call it before any
   * CDR of the month is added: account-months of it already held are not dropped.
   */
  refuseMonth(month: number, ratedWith: string): void {
    if (this.refused === null) this.refused = new Map();
    this.refused.set(month, ratedWith);
  }

  /** Takes the CDRs of a refused month again (after `ratel rerate` recorded this engine's catalog). */
  acceptMonth(month: number): void {
    this.refused?.delete(month);
  }

  /** The latest billing month any CDR has fallen in (YYYYMM), 0 before the first. */
  get latestMonth(): number {
    return this.index.latest;
  }

  /**
   * Forgets the account-months before `month` (YYYYMM) and returns how many: a long-running rater
   * keeps the current and previous months in memory, and a CDR later than that is rated after
   * its account-month is restored from the store (see RatingEngine.restore). Call it between
   * batches, never during one.
   */
  evictBefore(month: number): number {
    return this.index.evictBefore(month);
  }

  /** Bytes taken by the held CDRs (bodies and columns). */
  get heldBytes(): number {
    return this.index.held.byteLength;
  }

  /**
   * Whether a CDR may enter rating: well formed (checkCdr), within every bound (checkLimits) and,
   * when the context sets a window, dated within it. Otherwise a dead letter with the reason.
   */
  private admit(cdr: Cdr, index: number, out: EngineOutput, now: number): boolean {
    const shape = checkCdr(cdr);
    if (shape !== null) {
      this.dead(out, errors.cdrMalformed(cdr.id, shape).message, 'CDR_MALFORMED', cdr, index);
      return false;
    }
    const window = this.ctx.window;
    const bound = checkLimits(cdr, this.ctx.limits ?? DEFAULT_LIMITS) ?? (window ? checkWindow(cdr, window, now) : null);
    if (bound !== null) {
      this.dead(out, errors.cdrOutOfRange(cdr.id, bound).message, 'CDR_OUT_OF_RANGE', cdr, index);
      return false;
    }
    return true;
  }

  private dead(out: EngineOutput, reason: string, code: ErrorCode, cdr: Cdr, index: number, held?: Cdr): void {
    out.dead.push({ cdr_id: cutId(cdr.id), code, reason, cdr, index, held });
  }

  /** The same id with other content, or in another account-month: dead-lettered, both versions kept. */
  private conflict(out: EngineOutput, cdr: Cdr, index: number, held: Cdr): void {
    const where = held.account_id === cdr.account_id ? '' : ` of account ${cutId(held.account_id)}`;
    const reason = `id already rated${where} with other content (held start ${new Date(held.start_ms).toISOString()}, this one ${new Date(cdr.start_ms).toISOString()}); the held version stays billed`;
    this.dead(out, errors.cdrConflict(cdr.id, reason).message, 'CDR_CONFLICT', cdr, index, held);
  }

  /**
   * Adds a batch. CDRs that arrive in order are rated at once; the late ones of each
   * account-month are collected and the account-month is re-rated once for all of them, so a
   * shuffled batch costs one re-rating per account-month, not one per CDR. `bodies[i]`, when
   * given, is cdrs[i]'s Avro body as received (cdr.v1, no wire header): it is kept as it is
   * instead of encoding the CDR again.
   */
  addAll(cdrs: readonly Cdr[], out: EngineOutput, bodies?: readonly (Uint8Array | undefined)[]): void {
    const now = this.now();
    const ix = this.index;
    const order = this.order;
    order.startBatch();
    for (let i = 0; i < cdrs.length; i++) {
      const cdr = cdrs[i] as Cdr;
      if (!this.admit(cdr, i, out, now) || !this.locate(cdr, i, out)) continue;
      const b = ix.atBucket as Bucket;
      const month = ix.atMonth;
      const body = bodies?.[i];
      const pending = order.hasLate(b);
      // One id, one call: the same record again is a replay; the same id with other content,
      // or in another account-month, is a conflict.
      const lateHit = order.lateWith(cdr.id);
      if (lateHit !== undefined) {
        if (order.isLateReplay(lateHit, b, cdr, body)) out.replays++;
        else this.conflict(out, cdr, i, order.lateCdr(lateHit));
        continue;
      }
      const key = idKey(cdr.id);
      const heldRow = ix.heldRowOf(b, cdr.id, key);
      if (heldRow !== -1) {
        const h = ix.held;
        if (h.bucket[heldRow] === b.id && h.sameBody(heldRow, body ?? cdrType.toBuffer(cdr))) out.replays++;
        else this.conflict(out, cdr, i, h.cdr(heldRow));
        continue;
      }
      if (!pending && ix.inOrder(b, cdr)) {
        // In order: after everything the bucket holds, so rated once, now.
        const r = this.rateInto(cdr, month, b, out, i, ix.atResolved, true);
        if (r === null) continue;
        if (order.hasAlerts) order.flushAlerts(b, out);
        out.accepted.push({ cdr, month, body, index: i });
        const row = ix.hold(b, cdr, key, body);
        ix.link(b, row, cdr);
        order.record(row, r, out, now);
        continue;
      }
      order.defer(b, month, cdr, body, i);
    }
    order.endBatch(out, now);
  }

  /**
   * Locates a CDR's bucket, month and resolved plan (EngineIndex.locate: atBucket, atMonth,
   * atResolved); false, with a dead letter, when it has none.
   */
  private locate(cdr: Cdr, index: number, out: EngineOutput): boolean {
    const found = this.index.locate(cdr, this.refused);
    if (found === LOCATED) return true;
    if (found === UNKNOWN_ACCOUNT) {
      this.rateInto(cdr, 0, newAccountMonth(), out, index); // produces the dead letter with its reason
      return false;
    }
    const month = this.index.atMonth;
    const e = errors.catalogChanged(cdr.id, month, this.refused?.get(month) as string, this.ctx.catalog.version, cdr);
    this.dead(out, e.message, e.code, cdr, index);
    return false;
  }

  /**
   * The billing month of a CDR whose account-month is not in memory (to restore before rating),
   * or null when it is held or cannot be rated. One account lookup: this runs once per CDR.
   */
  missingMonth(cdr: Cdr): number | null {
    return this.index.missingMonth(cdr);
  }

  /** Whether the engine holds the account-month in memory. */
  holds(accountId: string, month: number): boolean {
    return this.index.holds(accountId, month);
  }

  /** Forgets every account-month (e.g. after a rebalance: the store is the reference again). */
  clear(): void {
    this.index.clear();
  }

  /**
   * Rebuilds an account-month from its archived CDRs and their latest stored ratings: the CDRs
   * are re-rated in order, stored ratings that still hold are adopted as they are, and any that
   * differ (a write lost mid-way) get a new version. Alerts are emitted again; they are idempotent
   * in the store.
   */
  restore(
    accountId: string,
    month: number,
    cdrs: readonly Cdr[],
    prior: ReadonlyMap<string, PriorRating>,
    out: EngineOutput,
    bodies?: readonly (Uint8Array | undefined)[],
  ): void {
    const account = this.ctx.accounts.get(accountId);
    if (!account) return;
    const ix = this.index;
    const run = ix.runOf(accountId) ?? ix.addRun(accountId, account);
    // An account-month already held is never restored over: its rows are newer than the store's.
    if (run.buckets.has(month)) return;
    const b = ix.openBucket(run, month);
    this.order.restore(b, month, cdrs, prior, out, this.now(), bodies);
  }

  /** Rates one CDR, or records its dead letter; `admitted`: admit() has just checked its shape. */
  private rateInto(
    cdr: Cdr,
    month: number,
    state: AccountMonth,
    out: EngineOutput | null,
    index = -1,
    resolved?: Resolved,
    admitted = false,
  ): Rating | null {
    try {
      return admitted
        ? rateChecked(cdr, this.ctx, month, state, this.scratch, resolved, this.draft)
        : rateCdr(cdr, this.ctx, month, state, this.scratch, resolved, this.draft);
    } catch (e) {
      if (!isRatelError(e)) throw e;
      if (out) this.dead(out, e.message, e.code, cdr, index);
      return null;
    }
  }
}

/** Rates a whole set of CDRs in one go (sorted first, so nothing is re-rated). */
export function rateAll(ctx: RateContext, cdrs: readonly Cdr[], now: () => number = Date.now): EngineOutput {
  const sorted = [...cdrs].sort(byStart);
  const engine = new RatingEngine(ctx, now);
  const out = newOutput();
  engine.addAll(sorted, out);
  return out;
}

/** Keeps the highest version of each CDR's rating. */
export function latestVersions(events: readonly RatedEvent[]): Map<string, RatedEvent> {
  const m = new Map<string, RatedEvent>();
  for (const e of events) {
    const p = m.get(e.cdr_id);
    if (!p || p.version < e.version) m.set(e.cdr_id, e);
  }
  return m;
}
