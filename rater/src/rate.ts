/**
 * Rates one CDR against its account-month state. The result depends only on the CDR, the
 * context and that state, so an account-month rated in start-time order always gives the same
 * result (see engine.ts). Not pure: it mutates the state and pushes alerts onto the caller's array.
 *
 * One rule module per usage kind (rules/voice.ts, message.ts, data.ts, event.ts), then the credit
 * limits (rules/credit.ts). The rules write into a Draft: the rating being built, its reasons as a
 * bit mask and the alerts array. The engine passes one Draft for all its CDRs, so rating allocates
 * nothing beyond the rating itself.
 */
import { type Cdr, type CdrLimits, checkCdr, type DateWindow, errors, type RatedEvent, type Voice } from '@ratel/schemas';
import { type AccountBook, planOf } from './accounts.js';
import type { AccountMonth } from './allowance.js';
import type { Catalog, Plan, Tariff } from './catalog.js';
import type { Dialling } from './normalise.js';
import { type Alert, reasonsOf } from './reasons.js';
import { chargeCredit } from './rules/credit.js';
import { rateData } from './rules/data.js';
import { rateEvent } from './rules/event.js';
import { rateMessage } from './rules/message.js';
import { includedMask, rateVoice } from './rules/voice.js';

export interface RateContext {
  catalog: Catalog;
  accounts: AccountBook;
  /** Bounds every new CDR must keep (DEFAULT_LIMITS when absent). */
  limits?: CdrLimits | undefined;
  /**
   * Start dates accepted for new CDRs, around the engine's clock; none when absent (the
   * pipeline and the month job always set one from the config).
   */
  window?: DateWindow | undefined;
}

/** A rated event before the engine gives it a version (0) and a rating time. */
export type Rating = RatedEvent;

export interface Resolved {
  plan: Plan;
  tariff: Tariff;
  /** Index of the CDR's user within the account. */
  user: number;
  /** The plan's included voice classes per country string id of the tariff's trie (includedMask). */
  included: Uint8Array;
  /**
   * The account fields rating reads, copied here so that rating a CDR touches this object and
   * not the account (fewer cache lines per CDR).
   */
  country: string;
  timeZone: string;
  dialling: Dialling;
  creditLimitMicros: number;
  /** The user's own credit limit (Infinity when none). */
  userLimitMicros: number;
}

/**
 * Finds the account, the user's plan for billing month `month` (plan changes, SPEC §5) and its
 * tariff, or throws CDR_UNRATEABLE.
 */
export function resolve(cdr: Cdr, ctx: RateContext, month: number): Resolved {
  const account = ctx.accounts.get(cdr.account_id);
  if (!account) throw errors.cdrUnrateable(cdr.id, `unknown account ${cdr.account_id}`, cdr);
  const planId = planOf(account, cdr.user_id, month);
  if (!planId) throw errors.cdrUnrateable(cdr.id, `unknown user ${cdr.user_id} of account ${cdr.account_id}`, cdr);
  const plan = ctx.catalog.plans.get(planId) as Plan;
  const tariff = ctx.catalog.tariffs.get(plan.tariff) as Tariff;
  const user = account.userIndex.get(cdr.user_id) as number;
  return {
    plan,
    tariff,
    user,
    included: includedMask(plan, tariff.trie),
    country: account.country,
    timeZone: account.timeZone,
    dialling: account.dialling,
    creditLimitMicros: account.creditLimitMicros,
    userLimitMicros: account.userCreditLimitMicros[user] as number,
  };
}

/**
 * The rating of one CDR while its rules run. The reasons travel here, not in module state: each
 * rule ORs its reasons' bits (REASON_BIT) into `why`, and rateCdr turns them into
 * `rating.reasons` at the end.
 */
export interface Draft {
  /** The rated event being built: a new object per CDR (it is what rateCdr returns). */
  rating: Rating;
  /** The reasons so far, as a mask of REASON_BIT. */
  why: number;
  /** Where the rules push their alerts (rateCdr's `alerts`). */
  alerts: Alert[];
}

const NO_REASONS = reasonsOf(0);

/** The rating a draft holds before its first CDR (same shape as every rating). */
const EMPTY: Rating = {
  cdr_id: '',
  account_id: '',
  user_id: '',
  plan_id: '',
  kind: 'EVENT',
  direction: '',
  start_ms: 0,
  month: 0,
  counterpart: '',
  prefix: '',
  destination: '',
  dest_class: '',
  quantity: 0,
  included_qty: 0,
  billed_qty: 0,
  cost_micros: 0,
  currency: '',
  reasons: NO_REASONS,
  roaming_country: '',
  version: 0,
  rated_at_ms: 0,
};

/** A draft to rate CDRs with, one after the other (an engine keeps one; rateCdr makes one when given none). */
export const newDraft = (): Draft => ({ rating: EMPTY, why: 0, alerts: [] });

/** A CDR's rating before its rules run: nothing quantified, billed or reasoned yet. */
export function newRating(cdr: Cdr, r: Resolved, month: number): Rating {
  return {
    cdr_id: cdr.id,
    account_id: cdr.account_id,
    user_id: cdr.user_id,
    plan_id: r.plan.id,
    kind: cdr.kind,
    direction: '',
    start_ms: cdr.start_ms,
    month,
    counterpart: '',
    prefix: '',
    destination: '',
    dest_class: '',
    quantity: 0,
    included_qty: 0,
    billed_qty: 0,
    cost_micros: 0,
    currency: r.tariff.currency,
    reasons: NO_REASONS,
    roaming_country: cdr.roaming_country ?? '',
    version: 0,
    rated_at_ms: 0,
  };
}

/**
 * Rates `cdr` for billing month `month`, updating `state`; alerts are pushed onto `alerts`.
 * Checks the CDR first (checkCdr: a malformed one throws CDR_MALFORMED) and throws a RatelError
 * naming the CDR when it cannot be rated. `resolved` may carry the account, plan and tariff
 * already looked up for this CDR's user; `draft`, a draft to reuse (newDraft).
 */
export function rateCdr(
  cdr: Cdr,
  ctx: RateContext,
  month: number,
  state: AccountMonth,
  alerts: Alert[],
  resolved?: Resolved,
  draft: Draft = newDraft(),
): Rating {
  const bad = checkCdr(cdr);
  if (bad) throw errors.cdrMalformed(cdr.id, bad, cdr);
  return rateChecked(cdr, ctx, month, state, alerts, resolved, draft);
}

/**
 * rateCdr for a CDR already found well formed (the engine's admission check of a new CDR):
 * the shape check is not run a second time on the hot path.
 */
export function rateChecked(
  cdr: Cdr,
  ctx: RateContext,
  month: number,
  state: AccountMonth,
  alerts: Alert[],
  resolved?: Resolved,
  draft: Draft = newDraft(),
): Rating {
  const r = resolved ?? resolve(cdr, ctx, month);
  const out = newRating(cdr, r, month);
  const d = draft;
  d.rating = out;
  d.why = 0;
  d.alerts = alerts;
  switch (cdr.kind) {
    case 'VOICE':
      rateVoice(cdr, cdr.voice as Voice, r, state, d);
      break;
    case 'SMS':
    case 'MMS':
      rateMessage(cdr, r, state, d);
      break;
    case 'DATA':
      rateData(cdr, r, state, d);
      break;
    case 'EVENT':
      rateEvent(cdr, r, d);
      break;
  }
  out.reasons = d.why === 0 ? NO_REASONS : reasonsOf(d.why);
  chargeCredit(cdr, r, state, d);
  return out;
}
