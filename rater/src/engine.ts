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
import type { Account } from './accounts.js';
import { type AccountMonth, newAccountMonth, resetAccountMonth } from './allowance.js';
import { HeldCdrs } from './held-cdrs.js';
import { KeyIndex } from './key-index.js';
import { MonthClock } from './month-clock.js';
import { type Draft, newDraft, type RateContext, type Rating, type Resolved, rateCdr, resolve } from './rate.js';
import { type Alert, maskOf, reasonsOf } from './reasons.js';
import { StringIndex } from './string-index.js';

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

/**
 * An account-month in memory: its allowance state (the AccountMonth it extends) and its accepted
 * CDRs, rows of the engine's HeldCdrs linked back in (start_ms, id) order from `tail`
 * (HeldCdrs.prev); each row keeps what was last emitted for it. An in-order CDR costs one
 * appended row and writes nothing to older rows.
 */
interface Bucket extends AccountMonth {
  /** The engine's number of this account-month (HeldCdrs.bucket). */
  id: number;
  tail: number;
  alertKeys: Set<string> | null;
  /**
   * start_ms of the last CDR (-1 when empty): the in-order test reads the last CDR's id (from
   * its held row, `tail`) only on a tie.
   */
  lastStart: number;
}

/** Per-account cursor: the bucket of the month last seen, so most CDRs skip every string key. */
interface AccountRun {
  tz: string;
  from: number;
  to: number;
  bucket: Bucket | null;
  buckets: Map<number, Bucket>;
  month: number;
  /** The user last seen and its account, plan and tariff: accounts mostly have one user. */
  lastUser: string;
  lastResolved: Resolved | undefined;
  /** user id -> account, plan and tariff */
  users: Map<string, Resolved>;
  /** Whether a user of the account changed plans: its resolutions then hold for one month only. */
  planChanges: boolean;
}

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

const MAX_ID_CHARS = 256;
const cutId = (id: string): string => (id.length > MAX_ID_CHARS ? id.slice(0, MAX_ID_CHARS) : id);

/** Whether two CDRs are the same record: their Avro bodies, as received or encoded, are equal. */
function sameRecord(a: Cdr, aBody: Uint8Array | undefined, b: Cdr, bBody: Uint8Array | undefined): boolean {
  const x = aBody ?? cdrType.toBuffer(a);
  const y = bBody ?? cdrType.toBuffer(b);
  return Buffer.compare(x, y) === 0;
}

const before = (a: Cdr, b: Cdr): boolean => a.start_ms < b.start_ms || (a.start_ms === b.start_ms && a.id < b.id);

/** Start-time order within an account-month, ties broken by id. */
const byStart = (x: Cdr, y: Cdr): number => (before(x, y) ? -1 : before(y, x) ? 1 : 0);

/**
 * A CDR id as a number in [1, 2^52): two 26-bit multiplicative hashes of its characters. Equal
 * ids give equal keys; a shared key is confirmed on the ids themselves (holdsId).
 */
export function idKey(id: string): number {
  let a = 0x811c9dc5;
  let b = 0x2545f491;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 6) * 67_108_864 + (b >>> 6) + 1;
}

/**
 * The AccountMonth fields are written out rather than spread from newAccountMonth(): the spread
 * gave buckets another hidden class, and bench:rater ran about 30% slower with it.
 */
const newBucket = (id: number): Bucket => ({
  costMicros: 0,
  creditAlerted: false,
  user0: null,
  others: null,
  id,
  tail: -1,
  alertKeys: null,
  lastStart: -1,
});

const newRun = (account: Account): AccountRun => ({
  tz: account.timeZone,
  planChanges: account.planHistory.size > 0,
  from: 0,
  to: 0,
  bucket: null,
  buckets: new Map(),
  month: 0,
  lastUser: '',
  lastResolved: undefined,
  users: new Map(),
});

/** One alert per key and account-month: the account's credit, each user's, each premium CDR, each fair-use cap. */
function alertKey(a: Alert): string {
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

export class RatingEngine {
  /**
   * Account id -> number (StringIndex) -> its AccountRun in `runs`: one probe of packed typed
   * arrays per CDR instead of a Map of strings.
   */
  private runIds = new StringIndex();
  private runs: AccountRun[] = [];
  private buckets = 0;
  private readonly clock = new MonthClock();
  private readonly scratch: Alert[] = [];
  /** The draft every CDR is rated in (rate.ts). */
  private readonly draft: Draft = newDraft();
  /** Where the last locate() put its CDR (fields rather than a result object: no allocation). */
  private atBucket: Bucket | null = null;
  private atMonth = 0;
  private atResolved: Resolved | undefined = undefined;
  private latest = 0;
  /**
   * The id key (idKey) of every CDR held, all account-months together, to the first held row
   * with that key: the replay test costs one probe and, on a hit, one id read. A hit is always
   * confirmed on the row's account-month and id.
   */
  private idRows = new KeyIndex();
  private bucketIds = 0;
  /** Every CDR held, as rows linked per account-month. */
  private held = new HeldCdrs();
  /** Months rated with another catalog (month -> that catalog's version): their CDRs are refused. */
  private refused: Map<number, string> | null = null;

  constructor(
    private readonly ctx: RateContext,
    private readonly now: () => number = Date.now,
  ) {}

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

  /** Number of account-month buckets held in memory. */
  get bucketCount(): number {
    return this.buckets;
  }

  /** The latest billing month any CDR has fallen in (YYYYMM), 0 before the first. */
  get latestMonth(): number {
    return this.latest;
  }

  /**
   * Forgets the account-months before `month` (YYYYMM) and returns how many: a long-running rater
   * keeps the current and previous months in memory, and a CDR later than that is rated after
   * its account-month is restored from the store (see RatingEngine.restore). Call it between
   * batches, never during one.
   */
  evictBefore(month: number): number {
    let n = 0;
    for (const run of this.runs) {
      for (const [m, b] of run.buckets) {
        if (m >= month) continue;
        run.buckets.delete(m);
        if (run.bucket === b) run.bucket = null;
        n++;
      }
    }
    this.buckets -= n;
    if (n > 0) this.compact();
    return n;
  }

  /** Bytes taken by the held CDRs (bodies and columns). */
  get heldBytes(): number {
    return this.held.byteLength;
  }

  /** Copies the rows of the buckets still held into a fresh store, and rebuilds the id keys. */
  private compact(): void {
    const from = this.held;
    const to = new HeldCdrs();
    const keys = new KeyIndex();
    for (const run of this.runs) {
      for (const b of run.buckets.values()) {
        let last = -1;
        for (const r of from.chain(b.tail)) {
          const row = to.copyRow(from, r);
          keys.add(to.key[row] as number, row);
          to.prev[row] = last;
          last = row;
        }
        b.tail = last;
      }
    }
    this.held = to;
    this.idRows = keys;
  }

  /**
   * The held row of a CDR with this id, in any account-month, or -1. The key's first row settles
   * it when it has this id; else (two ids sharing a key, or rows dropped by a re-rating) the
   * bucket's own rows are walked.
   */
  private heldRowOf(b: Bucket, id: string, key: number): number {
    const first = this.idRows.get(key);
    if (first === -1) return -1;
    const h = this.held;
    if (h.bucket[first] !== -1 && h.id(first) === id) return first;
    for (let r = b.tail; r !== -1; r = h.prev[r] as number) if (h.key[r] === key && h.id(r) === id) return r;
    return -1;
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

  /** The account's run, if a CDR of it was seen. */
  private runOf(accountId: string): AccountRun | undefined {
    const n = this.runIds.get(accountId);
    return n === -1 ? undefined : this.runs[n];
  }

  private newRun(accountId: string, account: Account): AccountRun {
    const run = newRun(account);
    this.runs[this.runIds.add(accountId)] = run;
    return run;
  }

  /** Appends a new held row for a CDR of bucket `b` (linked by the caller, in order). */
  private hold(b: Bucket, cdr: Cdr, key: number, body?: Uint8Array): number {
    const row = this.held.append(cdr, key, body);
    this.held.bucket[row] = b.id;
    this.idRows.add(key, row);
    return row;
  }

  /** Links a row after the bucket's last one. */
  private link(b: Bucket, row: number, cdr: Cdr): void {
    this.held.prev[row] = b.tail;
    b.tail = row;
    b.lastStart = cdr.start_ms;
  }

  /** Whether a CDR comes after every CDR the bucket holds, in (start_ms, id) order. */
  private inOrder(b: Bucket, cdr: Cdr): boolean {
    const start = cdr.start_ms;
    return start > b.lastStart || (start === b.lastStart && this.held.id(b.tail) < cdr.id);
  }

  add(cdr: Cdr, out: EngineOutput): void {
    this.addAll([cdr], out);
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
    let late: Map<Bucket, Late> | null = null;
    let lateIds: Map<string, LateAt> | null = null;
    for (let i = 0; i < cdrs.length; i++) {
      const cdr = cdrs[i] as Cdr;
      if (!this.admit(cdr, i, out, now) || !this.locate(cdr, i, out)) continue;
      const b = this.atBucket as Bucket;
      const month = this.atMonth;
      const body = bodies?.[i];
      const pending = late === null ? undefined : late.get(b);
      // One id, one call: the same record again is a replay; the same id with other content,
      // or in another account-month, is a conflict.
      const lateHit = lateIds === null ? undefined : lateIds.get(cdr.id);
      if (lateHit !== undefined) {
        const p = (late as Map<Bucket, Late>).get(lateHit.bucket) as Late;
        const other = p.cdrs[lateHit.k] as Cdr;
        if (lateHit.bucket === b && sameRecord(other, p.bodies[lateHit.k], cdr, body)) out.replays++;
        else this.conflict(out, cdr, i, other);
        continue;
      }
      const key = idKey(cdr.id);
      const heldRow = this.heldRowOf(b, cdr.id, key);
      if (heldRow !== -1) {
        if (this.held.bucket[heldRow] === b.id && this.held.sameBody(heldRow, body ?? cdrType.toBuffer(cdr))) out.replays++;
        else this.conflict(out, cdr, i, this.held.cdr(heldRow));
        continue;
      }
      if (pending === undefined && this.inOrder(b, cdr)) {
        // In order: after everything the bucket holds, so rated once, now.
        const r = this.rateInto(cdr, month, b, out, i, this.atResolved);
        if (r === null) continue;
        if (this.scratch.length) this.flushAlerts(b, out);
        out.accepted.push({ cdr, month, body, index: i });
        const row = this.hold(b, cdr, key, body);
        this.link(b, row, cdr);
        this.record(row, r, out, now);
        continue;
      }
      if (lateIds === null) lateIds = new Map();
      if (pending) {
        lateIds.set(cdr.id, { bucket: b, k: pending.cdrs.length });
        pending.cdrs.push(cdr);
        pending.bodies.push(body);
        pending.indexes.push(i);
      } else {
        if (late === null) late = new Map();
        lateIds.set(cdr.id, { bucket: b, k: 0 });
        late.set(b, { month, cdrs: [cdr], bodies: [body], indexes: [i] });
      }
    }
    if (late) for (const [b, p] of late) this.rerate(b, p, out, now);
  }

  /**
   * Finds the bucket, month and resolved plan of a CDR into atBucket / atMonth / atResolved;
   * false (with a dead letter) when it has none.
   */
  private locate(cdr: Cdr, index: number, out: EngineOutput): boolean {
    let run = this.runOf(cdr.account_id);
    if (run === undefined) {
      const account = this.ctx.accounts.get(cdr.account_id);
      if (!account) {
        this.rateInto(cdr, 0, newAccountMonth(), out, index); // produces the dead letter with its reason
        return false;
      }
      run = this.newRun(cdr.account_id, account);
    }
    const start = cdr.start_ms;
    let b = run.bucket;
    if (b === null || start < run.from || start >= run.to) {
      const span = this.clock.spanOf(start, run.tz);
      const other = this.refused?.get(span.month);
      if (other !== undefined) {
        const e = errors.catalogChanged(cdr.id, span.month, other, this.ctx.catalog.version, cdr);
        this.dead(out, e.message, e.code, cdr, index);
        return false;
      }
      b = run.buckets.get(span.month) ?? null;
      if (b === null) {
        b = newBucket(this.bucketIds++);
        run.buckets.set(span.month, b);
        this.buckets++;
      }
      run.bucket = b;
      run.month = span.month;
      if (span.month > this.latest) this.latest = span.month;
      run.from = span.from;
      run.to = span.to;
      if (run.planChanges) {
        // The users' plans may differ from month to month: resolve them again.
        run.lastResolved = undefined;
        run.users.clear();
      }
    }
    let res = run.lastResolved;
    if (res === undefined || cdr.user_id !== run.lastUser) {
      res = run.users.get(cdr.user_id);
      if (res === undefined) {
        try {
          res = resolve(cdr, this.ctx, run.month);
          run.users.set(cdr.user_id, res);
        } catch {
          // unknown user: rateCdr raises the dead letter
        }
      }
      if (res !== undefined) {
        run.lastUser = cdr.user_id;
        run.lastResolved = res;
      }
    }
    this.atBucket = b;
    this.atMonth = run.month;
    this.atResolved = res;
    return true;
  }

  /** Billing month of a CDR (null when its account is unknown or its start is invalid). */
  monthOf(cdr: Cdr): number | null {
    // Most CDRs fall in the month the account's cursor is already on: no clock lookup.
    const run = this.runOf(cdr.account_id);
    if (run?.bucket && cdr.start_ms >= run.from && cdr.start_ms < run.to) return run.month;
    const account = this.ctx.accounts.get(cdr.account_id);
    if (!account || !(cdr.start_ms > 0)) return null;
    return this.clock.monthOf(cdr.start_ms, account.timeZone);
  }

  /**
   * The billing month of a CDR whose account-month is not in memory (to restore before rating),
   * or null when it is held or cannot be rated. One account lookup: this runs once per CDR.
   */
  missingMonth(cdr: Cdr): number | null {
    const run = this.runOf(cdr.account_id);
    if (run !== undefined && run.bucket !== null && cdr.start_ms >= run.from && cdr.start_ms < run.to) return null;
    const month = this.monthOf(cdr);
    return month === null || run?.buckets.has(month) ? null : month;
  }

  /** Whether the engine holds the account-month in memory. */
  holds(accountId: string, month: number): boolean {
    return this.runOf(accountId)?.buckets.has(month) ?? false;
  }

  /** Forgets every account-month (e.g. after a rebalance: the store is the reference again). */
  clear(): void {
    this.runIds = new StringIndex();
    this.runs = [];
    this.idRows = new KeyIndex();
    this.held = new HeldCdrs();
    this.buckets = 0;
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
    const run = this.runOf(accountId) ?? this.newRun(accountId, account);
    // An account-month already held is never restored over: its rows are newer than the store's.
    if (run.buckets.has(month)) return;
    const b = newBucket(this.bucketIds++);
    this.buckets++;
    run.buckets.set(month, b);
    run.bucket = null;
    const now = this.now();
    const order = cdrs.map((_, k) => k).sort((x, y) => byStart(cdrs[x] as Cdr, cdrs[y] as Cdr));
    const h = this.held;
    for (const k of order) {
      const c = cdrs[k] as Cdr;
      const r = this.rateInto(c, month, b, null);
      if (!r) continue;
      // The bytes as archived (as first received), so a replay of the same frame matches them.
      const row = this.hold(b, c, idKey(c.id), bodies?.[k]);
      this.link(b, row, c);
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

  /** Inserts late CDRs and re-rates the bucket once, emitting only what changed. */
  private rerate(b: Bucket, late: Late, out: EngineOutput, now: number): void {
    const { month, cdrs, bodies } = late;
    const order = cdrs.map((_, k) => k).sort((x, y) => byStart(cdrs[x] as Cdr, cdrs[y] as Cdr));
    const h = this.held;
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
      if (old !== null && (j >= order.length || before(old, cdrs[k] as Cdr))) {
        const next = ++at < rows.length ? (rows[at] as number) : -1;
        const r = this.rateInto(old, month, b, null);
        if (r) {
          this.link(b, row, old);
          this.record(row, r, out, now);
        } else h.bucket[row] = -1; // no longer held: its id is not a replay any more
        row = next;
        old = row === -1 ? null : h.cdr(row);
      } else {
        const c = cdrs[k] as Cdr;
        const r = this.rateInto(c, month, b, out, late.indexes[k] as number);
        if (r) {
          out.accepted.push({ cdr: c, month, body: bodies[k], index: late.indexes[k] as number });
          const added = this.hold(b, c, idKey(c.id), bodies[k]);
          this.link(b, added, c);
          this.record(added, r, out, now);
        }
        j++;
      }
    }
    this.flushAlerts(b, out);
  }

  private rateInto(cdr: Cdr, month: number, state: AccountMonth, out: EngineOutput | null, index = -1, resolved?: Resolved): Rating | null {
    try {
      return rateCdr(cdr, this.ctx, month, state, this.scratch, resolved, this.draft);
    } catch (e) {
      if (!isRatelError(e)) throw e;
      if (out) this.dead(out, e.message, e.code, cdr, index);
      return null;
    }
  }

  /**
   * Settles a held row's rating: emitted (with the next version) unless the row's last emitted
   * rating is the same. A row never emitted has version 0.
   */
  private record(row: number, r: Rating, out: EngineOutput, now: number): void {
    const h = this.held;
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

  private flushAlerts(b: Bucket, out: EngineOutput): void {
    const s = this.scratch;
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
