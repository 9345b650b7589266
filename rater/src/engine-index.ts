/**
 * The rating engine's performance index: where a CDR's account-month is and whether its id is
 * held, found without string maps or allocation on the hot path.
 *
 * - Accounts: account id -> number (StringIndex) -> its AccountRun, a cursor on the month last
 *   seen and the user last resolved, so most CDRs skip every string key and clock lookup.
 * - Held CDRs: every CDR held, all account-months together, as rows of one HeldCdrs store linked
 *   back per account-month in (start_ms, id) order; the id key (idKey) of each to its first row
 *   (KeyIndex), so a replay test costs one probe.
 *
 * The order the rows are linked in and the versions they record are engine-order.ts's.
 */
import { type Cdr, isInstant } from '@ratel/schemas';
import type { Account } from './accounts.js';
import type { AccountMonth } from './allowance.js';
import { HeldCdrs } from './held-cdrs.js';
import { KeyIndex } from './key-index.js';
import { MonthClock } from './month-clock.js';
import { type RateContext, type Resolved, resolve } from './rate.js';
import { StringIndex } from './string-index.js';

/**
 * An account-month in memory: its allowance state (the AccountMonth it extends) and its accepted
 * CDRs, rows of the engine's HeldCdrs linked back in (start_ms, id) order from `tail`
 * (HeldCdrs.prev); each row keeps what was last emitted for it. An in-order CDR costs one
 * appended row and writes nothing to older rows.
 */
export interface Bucket extends AccountMonth {
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
export interface AccountRun {
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

/**
 * A CDR id as a number in [1, 2^52): two 26-bit multiplicative hashes of its characters. Equal
 * ids give equal keys; a shared key is confirmed on the ids themselves (EngineIndex.heldRowOf).
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

/** What EngineIndex.locate found. */
export const LOCATED = 0;
/** The CDR's account is not in the account book. */
export const UNKNOWN_ACCOUNT = 1;
/** The CDR's month is refused (its number in EngineIndex.atMonth). */
export const REFUSED_MONTH = 2;

export class EngineIndex {
  /**
   * Account id -> number (StringIndex) -> its AccountRun in `runs`: one probe of packed typed
   * arrays per CDR instead of a Map of strings.
   */
  private runIds = new StringIndex();
  private runs: AccountRun[] = [];
  /** Number of account-month buckets held. */
  buckets = 0;
  private bucketIds = 0;
  private readonly clock = new MonthClock();
  /** The latest billing month any CDR has fallen in (YYYYMM), 0 before the first. */
  latest = 0;
  /**
   * The id key (idKey) of every CDR held, all account-months together, to the first held row
   * with that key: the replay test costs one probe and, on a hit, one id read. A hit is always
   * confirmed on the row's account-month and id.
   */
  private idRows = new KeyIndex();
  /** Every CDR held, as rows linked per account-month. */
  held = new HeldCdrs();
  /** Where the last locate() put its CDR (fields rather than a result object: no allocation). */
  atBucket: Bucket | null = null;
  atMonth = 0;
  atResolved: Resolved | undefined = undefined;

  constructor(private readonly ctx: RateContext) {}

  /** The account's run, if a CDR of it was seen. */
  runOf(accountId: string): AccountRun | undefined {
    const n = this.runIds.get(accountId);
    return n === -1 ? undefined : this.runs[n];
  }

  addRun(accountId: string, account: Account): AccountRun {
    const run = newRun(account);
    this.runs[this.runIds.add(accountId)] = run;
    return run;
  }

  /** A new, empty bucket for `month` of the run (the run's cursor is reset: restore). */
  openBucket(run: AccountRun, month: number): Bucket {
    const b = newBucket(this.bucketIds++);
    this.buckets++;
    run.buckets.set(month, b);
    run.bucket = null;
    return b;
  }

  /**
   * Finds the bucket, month and resolved plan of a CDR into atBucket / atMonth / atResolved and
   * returns LOCATED; UNKNOWN_ACCOUNT or REFUSED_MONTH (the month in atMonth, the account's cursor
   * left as it was) when it has none. A bucket is made for a new account-month.
   */
  locate(cdr: Cdr, refused: ReadonlyMap<number, string> | null): number {
    let run = this.runOf(cdr.account_id);
    if (run === undefined) {
      const account = this.ctx.accounts.get(cdr.account_id);
      if (!account) return UNKNOWN_ACCOUNT;
      run = this.addRun(cdr.account_id, account);
    }
    const start = cdr.start_ms;
    let b = run.bucket;
    if (b === null || start < run.from || start >= run.to) {
      const span = this.clock.spanOf(start, run.tz);
      if (refused?.has(span.month)) {
        this.atMonth = span.month;
        return REFUSED_MONTH;
      }
      b = run.buckets.get(span.month) ?? this.openBucket(run, span.month);
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
    return LOCATED;
  }

  /**
   * The held row of a CDR with this id, in any account-month, or -1. The key's first row settles
   * it when it has this id; else (two ids sharing a key, or rows dropped by a re-rating) the
   * bucket's own rows are walked.
   */
  heldRowOf(b: Bucket, id: string, key: number): number {
    const first = this.idRows.get(key);
    if (first === -1) return -1;
    const h = this.held;
    if (h.bucket[first] !== -1 && h.id(first) === id) return first;
    for (let r = b.tail; r !== -1; r = h.prev[r] as number) if (h.key[r] === key && h.id(r) === id) return r;
    return -1;
  }

  /** Appends a new held row for a CDR of bucket `b` (linked by the caller, in order). */
  hold(b: Bucket, cdr: Cdr, key: number, body?: Uint8Array): number {
    const row = this.held.append(cdr, key, body);
    this.held.bucket[row] = b.id;
    this.idRows.add(key, row);
    return row;
  }

  /** Links a row after the bucket's last one. */
  link(b: Bucket, row: number, cdr: Cdr): void {
    this.held.prev[row] = b.tail;
    b.tail = row;
    b.lastStart = cdr.start_ms;
  }

  /** Whether a CDR comes after every CDR the bucket holds, in (start_ms, id) order. */
  inOrder(b: Bucket, cdr: Cdr): boolean {
    const start = cdr.start_ms;
    return start > b.lastStart || (start === b.lastStart && this.held.id(b.tail) < cdr.id);
  }

  /** Billing month of a CDR (null when its account is unknown or its start is invalid). */
  monthOf(cdr: Cdr): number | null {
    // Most CDRs fall in the month the account's cursor is already on: no clock lookup.
    const run = this.runOf(cdr.account_id);
    if (run?.bucket && cdr.start_ms >= run.from && cdr.start_ms < run.to) return run.month;
    const account = this.ctx.accounts.get(cdr.account_id);
    // An impossible start (9e15 ms is past Date's range) has no month: the engine dead-letters it.
    if (!account || !isInstant(cdr.start_ms)) return null;
    return this.clock.monthOf(cdr.start_ms, account.timeZone);
  }

  /** The billing month of a CDR whose account-month is not held, or null (see RatingEngine.missingMonth). */
  missingMonth(cdr: Cdr): number | null {
    const run = this.runOf(cdr.account_id);
    if (run !== undefined && run.bucket !== null && cdr.start_ms >= run.from && cdr.start_ms < run.to) return null;
    const month = this.monthOf(cdr);
    return month === null || run?.buckets.has(month) ? null : month;
  }

  /** Whether the account-month is held. */
  holds(accountId: string, month: number): boolean {
    return this.runOf(accountId)?.buckets.has(month) ?? false;
  }

  /** Forgets every account-month. */
  clear(): void {
    this.runIds = new StringIndex();
    this.runs = [];
    this.idRows = new KeyIndex();
    this.held = new HeldCdrs();
    this.buckets = 0;
  }

  /** Forgets the account-months before `month` and returns how many (see RatingEngine.evictBefore). */
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
}
