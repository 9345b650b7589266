/**
 * The rating engine: account-month buckets that make results independent of arrival order.
 *
 * Calls of an account-month are rated in (start_ms, id) order. A CDR that arrives after later
 * calls of its account-month re-rates the bucket from the start and emits a new version of every
 * call whose rating changed (SPEC §4: "the order of calls is their start time"). A CDR whose id
 * the bucket already holds is a replay and changes nothing. Unrateable CDRs become dead letters
 * with their reason; they never enter a bucket.
 */
import { type Cdr, type ErrorCode, isRatelError, type RatedEvent } from '@ratel/schemas';
import { type AccountMonth, newAccountMonth } from './allowance.js';
import { MonthClock } from './month-clock.js';
import { type RateContext, type Rating, type Resolved, rateCdr, resolve } from './rate.js';
import { type Alert, maskOf, reasonsOf } from './reasons.js';

export interface DeadLetter {
  cdr_id: string;
  code: ErrorCode;
  reason: string;
  cdr: Cdr | null;
}

export interface EngineOutput {
  events: RatedEvent[];
  alerts: Alert[];
  dead: DeadLetter[];
  /** CDRs that entered an account-month bucket (new, not replays), with their billing month. */
  accepted: { cdr: Cdr; month: number }[];
  replays: number;
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

/** What was last emitted for a CDR: a new version is emitted only when one of these changes. */
interface Emitted {
  version: number;
  included: number;
  billed: number;
  cost: number;
  prefix: string;
  /** Shared per reason set (see reasonsOf), so identity is equality. */
  reasons: readonly string[];
}

interface Bucket {
  cdrs: Cdr[];
  emitted: Map<string, Emitted>;
  state: AccountMonth;
  alertKeys: Set<string>;
}

/** Per-account cursor: the bucket of the month last seen, so most CDRs skip every string key. */
interface AccountRun {
  tz: string;
  from: number;
  to: number;
  bucket: Bucket | null;
  buckets: Map<number, Bucket>;
  month: number;
  /** user id -> account, plan and tariff */
  users: Map<string, Resolved>;
}

const before = (a: Cdr, b: Cdr): boolean => a.start_ms < b.start_ms || (a.start_ms === b.start_ms && a.id < b.id);

/** Start-time order within an account-month, ties broken by id. */
const byStart = (x: Cdr, y: Cdr): number => (before(x, y) ? -1 : before(y, x) ? 1 : 0);

const same = (e: Emitted, r: Rating): boolean =>
  e.included === r.included_qty &&
  e.billed === r.billed_qty &&
  e.cost === r.cost_micros &&
  e.prefix === r.prefix &&
  e.reasons === r.reasons;

const alertKey = (a: Alert): string =>
  a.kind === 'CREDIT_LIMIT' ? a.kind : a.kind === 'PREMIUM_ATTEMPT' ? `${a.kind}|${a.cdr_id}` : `${a.kind}|${a.user_id}|${a.detail}`;

export class RatingEngine {
  private readonly runs = new Map<string, AccountRun>();
  private buckets = 0;
  private readonly clock = new MonthClock();
  private readonly scratch: Alert[] = [];

  constructor(
    private readonly ctx: RateContext,
    private readonly now: () => number = Date.now,
  ) {}

  /** Number of account-month buckets held in memory. */
  get bucketCount(): number {
    return this.buckets;
  }

  add(cdr: Cdr, out: EngineOutput): void {
    this.addAll([cdr], out);
  }

  /**
   * Adds a batch. CDRs that arrive in order are rated at once; the late ones of each
   * account-month are collected and the account-month is re-rated once for all of them, so a
   * shuffled batch costs one re-rating per account-month, not one per CDR.
   */
  addAll(cdrs: readonly Cdr[], out: EngineOutput): void {
    let late: Map<Bucket, { month: number; cdrs: Cdr[]; ids: Set<string> }> | null = null;
    for (const cdr of cdrs) {
      const at = this.locate(cdr, out);
      if (at === null) continue;
      const { b, month, res } = at;
      const pending = late?.get(b);
      if (b.emitted.has(cdr.id) || pending?.ids.has(cdr.id)) {
        out.replays++;
        continue;
      }
      const last = b.cdrs[b.cdrs.length - 1];
      if (!pending && (!last || before(last, cdr))) {
        const r = this.rateInto(cdr, month, b.state, out, res);
        if (r) {
          b.cdrs.push(cdr);
          out.accepted.push({ cdr, month });
          this.emit(b, r, out);
        }
        continue;
      }
      if (!late) late = new Map();
      if (pending) {
        pending.cdrs.push(cdr);
        pending.ids.add(cdr.id);
      } else late.set(b, { month, cdrs: [cdr], ids: new Set([cdr.id]) });
    }
    if (late) for (const [b, p] of late) this.rerate(b, p.cdrs, p.month, out);
  }

  /** The bucket, month and resolved plan of a CDR; null (with a dead letter) when it has none. */
  private locate(cdr: Cdr, out: EngineOutput): { b: Bucket; month: number; res: Resolved | undefined } | null {
    let run = this.runs.get(cdr.account_id);
    if (!run) {
      const account = this.ctx.accounts.get(cdr.account_id);
      if (!account) {
        this.rateInto(cdr, 0, newAccountMonth(), out); // produces the dead letter with its reason
        return null;
      }
      run = { tz: account.timeZone, from: 0, to: 0, bucket: null, buckets: new Map(), month: 0, users: new Map() };
      this.runs.set(cdr.account_id, run);
    }
    if (!(cdr.start_ms > 0)) {
      this.rateInto(cdr, 0, newAccountMonth(), out);
      return null;
    }
    let b = run.bucket;
    if (b === null || cdr.start_ms < run.from || cdr.start_ms >= run.to) {
      const span = this.clock.spanOf(cdr.start_ms, run.tz);
      b = run.buckets.get(span.month) ?? null;
      if (b === null) {
        b = { cdrs: [], emitted: new Map(), state: newAccountMonth(), alertKeys: new Set() };
        run.buckets.set(span.month, b);
        this.buckets++;
      }
      run.bucket = b;
      run.month = span.month;
      run.from = span.from;
      run.to = span.to;
    }
    let res = run.users.get(cdr.user_id);
    if (res === undefined) {
      try {
        res = resolve(cdr, this.ctx);
        run.users.set(cdr.user_id, res);
      } catch {
        // unknown user: rateCdr raises the dead letter
      }
    }
    return { b, month: run.month, res };
  }

  /** Billing month of a CDR (null when its account is unknown or its start is invalid). */
  monthOf(cdr: Cdr): number | null {
    // Most CDRs fall in the month the account's cursor is already on: no clock lookup.
    const run = this.runs.get(cdr.account_id);
    if (run?.bucket && cdr.start_ms >= run.from && cdr.start_ms < run.to) return run.month;
    const account = this.ctx.accounts.get(cdr.account_id);
    if (!account || !(cdr.start_ms > 0)) return null;
    return this.clock.monthOf(cdr.start_ms, account.timeZone);
  }

  /** Whether the engine holds the account-month in memory. */
  holds(accountId: string, month: number): boolean {
    return this.runs.get(accountId)?.buckets.has(month) ?? false;
  }

  /** Forgets every account-month (e.g. after a rebalance: the store is the reference again). */
  clear(): void {
    this.runs.clear();
    this.buckets = 0;
  }

  /**
   * Rebuilds an account-month from its archived CDRs and their latest stored ratings: the CDRs
   * are re-rated in order, stored ratings that still hold are adopted as they are, and any that
   * differ (a write lost mid-way) get a new version. Alerts are emitted again; they are idempotent
   * in the store.
   */
  restore(accountId: string, month: number, cdrs: readonly Cdr[], prior: ReadonlyMap<string, PriorRating>, out: EngineOutput): void {
    const account = this.ctx.accounts.get(accountId);
    if (!account) return;
    let run = this.runs.get(accountId);
    if (!run) {
      run = { tz: account.timeZone, from: 0, to: 0, bucket: null, buckets: new Map(), month: 0, users: new Map() };
      this.runs.set(accountId, run);
    }
    const b: Bucket = { cdrs: [], emitted: new Map(), state: newAccountMonth(), alertKeys: new Set() };
    if (!run.buckets.has(month)) this.buckets++;
    run.buckets.set(month, b);
    run.bucket = null;
    const sorted = [...cdrs].sort(byStart);
    for (const c of sorted) {
      const r = this.rateInto(c, month, b.state, null);
      if (!r) continue;
      b.cdrs.push(c);
      const p = prior.get(c.id);
      if (p)
        b.emitted.set(c.id, {
          version: p.version,
          included: p.included_qty,
          billed: p.billed_qty,
          cost: p.cost_micros,
          prefix: p.prefix,
          reasons: reasonsOf(maskOf(p.reasons)),
        });
      this.emit(b, r, out);
    }
  }

  /** Inserts late CDRs and re-rates the bucket once, emitting only what changed. */
  private rerate(b: Bucket, lates: Cdr[], month: number, out: EngineOutput): void {
    const fresh = new Set(lates);
    const candidate = [...b.cdrs, ...lates].sort(byStart);
    const state = newAccountMonth();
    const ratings: Rating[] = [];
    const kept: Cdr[] = [];
    for (const c of candidate) {
      const r = this.rateInto(c, month, state, fresh.has(c) ? out : null);
      if (r) {
        ratings.push(r);
        kept.push(c);
        if (fresh.has(c)) out.accepted.push({ cdr: c, month });
      }
    }
    b.cdrs = kept;
    b.state = state;
    for (const r of ratings) this.emit(b, r, out);
    for (const a of this.scratch.splice(0)) this.alert(b, a, out);
  }

  private rateInto(cdr: Cdr, month: number, state: AccountMonth, out: EngineOutput | null, resolved?: Resolved): Rating | null {
    try {
      return rateCdr(cdr, this.ctx, month, state, this.scratch, resolved);
    } catch (e) {
      if (!isRatelError(e)) throw e;
      out?.dead.push({ cdr_id: cdr.id, code: e.code, reason: e.message, cdr });
      return null;
    }
  }

  private emit(b: Bucket, r: Rating, out: EngineOutput): void {
    if (this.scratch.length) for (const a of this.scratch.splice(0)) this.alert(b, a, out);
    const prev = b.emitted.get(r.cdr_id);
    if (prev && same(prev, r)) return;
    const version = prev ? prev.version + 1 : 1;
    b.emitted.set(r.cdr_id, {
      version,
      included: r.included_qty,
      billed: r.billed_qty,
      cost: r.cost_micros,
      prefix: r.prefix,
      reasons: r.reasons,
    });
    const e = r as RatedEvent;
    e.version = version;
    e.rated_at_ms = this.now();
    out.events.push(e);
  }

  private alert(b: Bucket, a: Alert, out: EngineOutput): void {
    const k = alertKey(a);
    if (b.alertKeys.has(k)) return;
    b.alertKeys.add(k);
    out.alerts.push(a);
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
