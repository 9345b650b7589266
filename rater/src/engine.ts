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
import { type RateContext, type Rating, rateCdr } from './rate.js';
import type { Alert } from './reasons.js';

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
  replays: number;
}

export const newOutput = (): EngineOutput => ({ events: [], alerts: [], dead: [], replays: 0 });

interface Bucket {
  cdrs: Cdr[];
  /** cdr id -> [version, signature] of the last emitted rating */
  emitted: Map<string, { version: number; sig: string }>;
  state: AccountMonth;
  alertKeys: Set<string>;
}

const before = (a: Cdr, b: Cdr): boolean => a.start_ms < b.start_ms || (a.start_ms === b.start_ms && a.id < b.id);

const signature = (r: Rating): string =>
  `${r.included_qty}|${r.billed_qty}|${r.cost_micros}|${r.prefix}|${r.reasons.join(',')}`;

const alertKey = (a: Alert): string =>
  a.kind === 'CREDIT_LIMIT' ? a.kind : a.kind === 'PREMIUM_ATTEMPT' ? `${a.kind}|${a.cdr_id}` : `${a.kind}|${a.user_id}|${a.detail}`;

export class RatingEngine {
  private readonly buckets = new Map<string, Bucket>();
  private readonly clock = new MonthClock();
  private readonly scratch: Alert[] = [];

  constructor(
    private readonly ctx: RateContext,
    private readonly now: () => number = Date.now,
  ) {}

  /** Number of account-month buckets held in memory. */
  get bucketCount(): number {
    return this.buckets.size;
  }

  add(cdr: Cdr, out: EngineOutput): void {
    const account = this.ctx.accounts.get(cdr.account_id);
    if (!account || !(cdr.start_ms > 0)) {
      this.rateInto(cdr, 0, newAccountMonth(), out); // produces the dead letter with its reason
      return;
    }
    const month = this.clock.monthOf(cdr.start_ms, account.timeZone);
    const key = `${cdr.account_id}|${month}`;
    let b = this.buckets.get(key);
    if (!b) {
      b = { cdrs: [], emitted: new Map(), state: newAccountMonth(), alertKeys: new Set() };
      this.buckets.set(key, b);
    }
    if (b.emitted.has(cdr.id)) {
      out.replays++;
      return;
    }
    const last = b.cdrs[b.cdrs.length - 1];
    if (!last || before(last, cdr)) {
      const r = this.rateInto(cdr, month, b.state, out);
      if (r) {
        b.cdrs.push(cdr);
        this.emit(b, r, out);
      }
      return;
    }
    this.rerate(b, cdr, month, out);
  }

  /** Inserts a late CDR and re-rates the bucket, emitting only what changed. */
  private rerate(b: Bucket, late: Cdr, month: number, out: EngineOutput): void {
    let i = b.cdrs.length;
    while (i > 0 && before(late, b.cdrs[i - 1] as Cdr)) i--;
    const candidate = [...b.cdrs.slice(0, i), late, ...b.cdrs.slice(i)];
    const state = newAccountMonth();
    const ratings: Rating[] = [];
    const kept: Cdr[] = [];
    for (const c of candidate) {
      const r = this.rateInto(c, month, state, c === late ? out : null);
      if (r) {
        ratings.push(r);
        kept.push(c);
      }
    }
    b.cdrs = kept;
    b.state = state;
    for (const r of ratings) this.emit(b, r, out);
    for (const a of this.scratch.splice(0)) this.alert(b, a, out);
  }

  private rateInto(cdr: Cdr, month: number, state: AccountMonth, out: EngineOutput | null): Rating | null {
    try {
      return rateCdr(cdr, this.ctx, month, state, this.scratch);
    } catch (e) {
      if (!isRatelError(e)) throw e;
      out?.dead.push({ cdr_id: cdr.id, code: e.code, reason: e.message, cdr });
      return null;
    }
  }

  private emit(b: Bucket, r: Rating, out: EngineOutput): void {
    for (const a of this.scratch.splice(0)) this.alert(b, a, out);
    const sig = signature(r);
    const prev = b.emitted.get(r.cdr_id);
    if (prev && prev.sig === sig) return;
    const version = prev ? prev.version + 1 : 1;
    b.emitted.set(r.cdr_id, { version, sig });
    out.events.push({ ...r, version, rated_at_ms: this.now() });
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
  const sorted = [...cdrs].sort((a, b) => (a.start_ms - b.start_ms) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const engine = new RatingEngine(ctx, now);
  const out = newOutput();
  for (const c of sorted) engine.add(c, out);
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
