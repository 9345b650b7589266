/**
 * The rating engine's ordering and versioning. An account-month is rated in (start_ms, id)
 * order (SPEC §4: "the order of calls is their start time"): CDRs that arrive late in a batch are
 * collected per account-month, merged with the held rows in start order and the account-month is
 * re-rated once from fresh state. Each held row records the rating last emitted for it, and a
 * rating is emitted, with the next version, only when it differs. Alerts are emitted once per
 * key and account-month.
 *
 * Where rows are held and found is engine-index.ts's.
 */
import { type Cdr, cdrType } from '@ratel/schemas';
import { resetAccountMonth } from './allowance.js';
import type { EngineOutput, PriorRating } from './engine.js';
import { type Bucket, type EngineIndex, idKey } from './engine-index.js';
import type { Rating } from './rate.js';
import { type Alert, maskOf, reasonsOf } from './reasons.js';

/** Whether CDR `a` comes before `b` in an account-month: start time, ties broken by id. */
export const startsBefore = (a: Cdr, b: Cdr): boolean => a.start_ms < b.start_ms || (a.start_ms === b.start_ms && a.id < b.id);

/** Start-time order within an account-month, ties broken by id. */
export const byStart = (x: Cdr, y: Cdr): number => (startsBefore(x, y) ? -1 : startsBefore(y, x) ? 1 : 0);

/** The indexes of `cdrs` in start-time order. */
export const startOrder = (cdrs: readonly Cdr[]): number[] => cdrs.map((_, k) => k).sort((x, y) => byStart(cdrs[x] as Cdr, cdrs[y] as Cdr));

/** Whether two CDRs are the same record: their Avro bodies, as received or encoded, are equal. */
export function sameRecord(a: Cdr, aBody: Uint8Array | undefined, b: Cdr, bBody: Uint8Array | undefined): boolean {
  const x = aBody ?? cdrType.toBuffer(a);
  const y = bBody ?? cdrType.toBuffer(b);
  return Buffer.compare(x, y) === 0;
}

/** The late CDRs of one account-month in the batch being added. */
interface Late {
  month: number;
  cdrs: Cdr[];
  bodies: (Uint8Array | undefined)[];
  /** Index of each in the batch given to addAll. */
  indexes: number[];
}

/** A late CDR of the batch being added, by id: its account-month and place in that Late. */
interface LateAt {
  bucket: Bucket;
  k: number;
}

/**
 * Rates a CDR against `state` with the engine's context; null when it cannot be rated (with a
 * dead letter on `out` when given one, for the CDR at `index` of the batch).
 */
export type RateInto = (cdr: Cdr, month: number, state: Bucket, out: EngineOutput | null, index: number) => Rating | null;

/** One alert per key and account-month: the account's credit, each user's, each premium CDR, each fair-use cap. */
export function alertKey(a: Alert): string {
  switch (a.kind) {
    case 'CREDIT_LIMIT':
      return a.kind;
    case 'USER_CREDIT_LIMIT':
      return `${a.kind}|${a.user_id}`;
    case 'PREMIUM_ATTEMPT':
      return `${a.kind}|${a.cdr_id}`;
    case 'FAIR_USE':
    case 'ROAMING_ABUSE':
      return `${a.kind}|${a.user_id}|${a.detail}`;
  }
}

export class EngineOrder {
  /** The late CDRs of the batch being added, per account-month and by id (null until the first). */
  private late: Map<Bucket, Late> | null = null;
  private lateIds: Map<string, LateAt> | null = null;

  /**
   * @param index where rows are held and linked
   * @param alerts the array rating pushes alerts onto (emitted by flushAlerts)
   * @param rateInto rates one CDR (the engine's)
   */
  constructor(
    private readonly index: EngineIndex,
    private readonly alerts: Alert[],
    private readonly rateInto: RateInto,
  ) {}

  /** Starts a batch: no late CDRs yet. */
  startBatch(): void {
    this.late = null;
    this.lateIds = null;
  }

  /** Whether the batch has late CDRs of this account-month already (a CDR after them is late too). */
  hasLate(b: Bucket): boolean {
    return this.late?.has(b) === true;
  }

  /** The late CDR of the batch with this id, or undefined. */
  lateWith(id: string): LateAt | undefined {
    return this.lateIds === null ? undefined : this.lateIds.get(id);
  }

  /** The CDR a lateWith() result points at. */
  lateCdr(at: LateAt): Cdr {
    return ((this.late as Map<Bucket, Late>).get(at.bucket) as Late).cdrs[at.k] as Cdr;
  }

  /** Whether `cdr` (with its body) is a replay of the late CDR `at`: the same record, in the same account-month. */
  isLateReplay(at: LateAt, b: Bucket, cdr: Cdr, body: Uint8Array | undefined): boolean {
    if (at.bucket !== b) return false;
    const p = (this.late as Map<Bucket, Late>).get(at.bucket) as Late;
    return sameRecord(p.cdrs[at.k] as Cdr, p.bodies[at.k], cdr, body);
  }

  /** Keeps a CDR that comes before some of its account-month's for the re-rating at the end of the batch. */
  defer(b: Bucket, month: number, cdr: Cdr, body: Uint8Array | undefined, i: number): void {
    if (this.lateIds === null) this.lateIds = new Map();
    const pending = this.late === null ? undefined : this.late.get(b);
    if (pending) {
      this.lateIds.set(cdr.id, { bucket: b, k: pending.cdrs.length });
      pending.cdrs.push(cdr);
      pending.bodies.push(body);
      pending.indexes.push(i);
    } else {
      if (this.late === null) this.late = new Map();
      this.lateIds.set(cdr.id, { bucket: b, k: 0 });
      this.late.set(b, { month, cdrs: [cdr], bodies: [body], indexes: [i] });
    }
  }

  /** Ends a batch: each account-month with late CDRs is re-rated once. */
  endBatch(out: EngineOutput, now: number): void {
    const late = this.late;
    this.late = null;
    this.lateIds = null;
    if (late) for (const [b, p] of late) this.rerate(b, p, out, now);
  }

  /** Inserts late CDRs and re-rates the bucket once, emitting only what changed. */
  private rerate(b: Bucket, late: Late, out: EngineOutput, now: number): void {
    const { month, cdrs, bodies } = late;
    const order = startOrder(cdrs);
    const ix = this.index;
    const h = ix.held;
    const rows = h.chain(b.tail);
    let at = 0;
    let row = rows.length > 0 ? (rows[0] as number) : -1;
    b.tail = -1;
    b.lastStart = -1;
    resetAccountMonth(b);
    let old: Cdr | null = row === -1 ? null : h.cdr(row);
    let j = 0;
    // Merge the held rows with the sorted late CDRs, re-rating every CDR against fresh state.
    while (old !== null || j < order.length) {
      const k = order[j] as number;
      if (old !== null && (j >= order.length || startsBefore(old, cdrs[k] as Cdr))) {
        const next = ++at < rows.length ? (rows[at] as number) : -1;
        const r = this.rateInto(old, month, b, null, -1);
        if (r) {
          ix.link(b, row, old);
          this.record(row, r, out, now);
        } else h.bucket[row] = -1; // no longer held: its id is not a replay any more
        row = next;
        old = row === -1 ? null : h.cdr(row);
      } else {
        const c = cdrs[k] as Cdr;
        const r = this.rateInto(c, month, b, out, late.indexes[k] as number);
        if (r) {
          out.accepted.push({ cdr: c, month, body: bodies[k], index: late.indexes[k] as number });
          const added = ix.hold(b, c, idKey(c.id), bodies[k]);
          ix.link(b, added, c);
          this.record(added, r, out, now);
        }
        j++;
      }
    }
    this.flushAlerts(b, out);
  }

  /**
   * Fills a new bucket from archived CDRs in start order, adopting each stored rating (`prior`)
   * as the row's last emitted one, so only ratings that changed are emitted again.
   */
  restore(
    b: Bucket,
    month: number,
    cdrs: readonly Cdr[],
    prior: ReadonlyMap<string, PriorRating>,
    out: EngineOutput,
    now: number,
    bodies?: readonly (Uint8Array | undefined)[],
  ): void {
    const ix = this.index;
    const h = ix.held;
    for (const k of startOrder(cdrs)) {
      const c = cdrs[k] as Cdr;
      const r = this.rateInto(c, month, b, null, -1);
      if (!r) continue;
      // The bytes as archived (as first received), so a replay of the same frame matches them.
      const row = ix.hold(b, c, idKey(c.id), bodies?.[k]);
      ix.link(b, row, c);
      const p = prior.get(c.id);
      if (p) {
        h.version[row] = p.version;
        h.included[row] = p.included_qty;
        h.billed[row] = p.billed_qty;
        h.cost[row] = p.cost_micros;
        h.prefix[row] = p.prefix;
        h.reasons[row] = reasonsOf(maskOf(p.reasons));
      }
      this.record(row, r, out, now);
    }
    this.flushAlerts(b, out);
  }

  /**
   * Settles a held row's rating: emitted (with the next version) unless the row's last emitted
   * rating is the same. A row never emitted has version 0.
   */
  record(row: number, r: Rating, out: EngineOutput, now: number): void {
    const h = this.index.held;
    const version = h.version[row] as number;
    if (
      version > 0 &&
      h.included[row] === r.included_qty &&
      h.billed[row] === r.billed_qty &&
      h.cost[row] === r.cost_micros &&
      h.prefix[row] === r.prefix &&
      h.reasons[row] === r.reasons
    )
      return;
    r.version = version + 1;
    r.rated_at_ms = now;
    out.events.push(r);
    h.version[row] = r.version;
    h.included[row] = r.included_qty;
    h.billed[row] = r.billed_qty;
    h.cost[row] = r.cost_micros;
    h.prefix[row] = r.prefix;
    h.reasons[row] = r.reasons;
  }

  /** Emits the alerts rating pushed, those not yet emitted for the account-month. */
  flushAlerts(b: Bucket, out: EngineOutput): void {
    const s = this.alerts;
    for (let i = 0; i < s.length; i++) {
      const a = s[i] as Alert;
      const k = alertKey(a);
      if (b.alertKeys === null) b.alertKeys = new Set();
      else if (b.alertKeys.has(k)) continue;
      b.alertKeys.add(k);
      out.alerts.push(a);
    }
    s.length = 0;
  }

  /** Whether rating left alerts to flush. */
  get hasAlerts(): boolean {
    return this.alerts.length > 0;
  }
}
