/**
 * Rates one CDR against its account-month state. The result depends only on the CDR, the
 * context and that state, so an account-month rated in start-time order always gives the same
 * result (see engine.ts). Not pure: it mutates the state, pushes alerts onto the caller's array,
 * and keeps the reasons of the CDR being rated in module state (`why`, reset by each rateCdr:
 * rating is synchronous and one CDR at a time).
 */
import { type Cdr, type CdrLimits, checkCdr, type DateWindow, errors, type RatedEvent, type Voice } from '@ratel/schemas';
import { type AccountBook, planOf } from './accounts.js';
import { type AccountMonth, type UserMonth, userMonth } from './allowance.js';
import type { Catalog, Plan, Tariff } from './catalog.js';
import { bandOf } from './month-clock.js';
import { type Dialling, keyNumber, normalise } from './normalise.js';
import { callPrice, dataPrice, unitsPrice } from './price.js';
import { type Alert, EU_ZONE, REASON_BIT, Reason, reasonsOf } from './reasons.js';

/** Reasons of the CDR being rated, as a bit mask (module state: rating is synchronous). */
let why = 0;
const bit = (r: Reason): number => REASON_BIT[r];

import { CLASS_IDS, type Trie } from './trie.js';

const inclusion = new WeakMap<Plan, WeakMap<Trie, Uint8Array>>();

/**
 * The plan's included voice destinations as a bit mask of classes per country string id of the
 * trie, built once per (plan, trie): the hot path tests one byte instead of building a key.
 */
function includedMask(plan: Plan, trie: Trie): Uint8Array {
  let byTrie = inclusion.get(plan);
  if (!byTrie) {
    byTrie = new WeakMap();
    inclusion.set(plan, byTrie);
  }
  let m = byTrie.get(trie);
  if (!m) {
    const strings = trie.data.strings;
    m = new Uint8Array(strings.length);
    for (const key of plan.includedVoice) {
      const [country, cls] = key.split(':') as [string, keyof typeof CLASS_IDS];
      strings.forEach((s, i) => {
        if (s === country) (m as Uint8Array)[i] = (m as Uint8Array)[i]! | (1 << CLASS_IDS[cls]);
      });
    }
    byTrie.set(trie, m);
  }
  return m;
}

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

const NO_REASONS = reasonsOf(0);
const EMERGENCY = CLASS_IDS.emergency;
const PREMIUM = CLASS_IDS.premium;
const FREEPHONE = CLASS_IDS.freephone;

function base(cdr: Cdr, r: Resolved, month: number): Rating {
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

/** Premium destinations are blocked, never billed, and raise an alert (SPEC §2, §6). */
function blockPremium(cdr: Cdr, out: Rating, alerts: Alert[], detail: string): void {
  why |= bit(Reason.PREMIUM_BLOCKED);
  alerts.push({
    kind: 'PREMIUM_ATTEMPT',
    account_id: cdr.account_id,
    user_id: cdr.user_id,
    cdr_id: cdr.id,
    month: out.month,
    at_ms: cdr.start_ms,
    detail,
  });
}

/** True when E.164 digits `key` lie under one of the operator's own prefixes (allocation-free). */
function onNet(key: string, prefixes: readonly string[]): boolean {
  for (let i = 0; i < prefixes.length; i++) if (key.startsWith(prefixes[i] as string)) return true;
  return false;
}

function fairUse(u: UserMonth, cap: string, cdr: Cdr, month: number, alerts: Alert[], detail: string) {
  if (u.crossed === null) u.crossed = new Set();
  else if (u.crossed.has(cap)) return;
  u.crossed.add(cap);
  alerts.push({ kind: 'FAIR_USE', account_id: cdr.account_id, user_id: cdr.user_id, cdr_id: cdr.id, month, at_ms: cdr.start_ms, detail });
}

function rateVoice(cdr: Cdr, v: Voice, r: Resolved, state: AccountMonth, out: Rating, alerts: Alert[]): void {
  const plan = r.plan;
  const trie = r.tariff.trie;
  out.direction = v.direction;
  out.quantity = v.billable_s;
  const roaming = cdr.roaming_country && cdr.roaming_country !== r.country ? cdr.roaming_country : null;
  const roamingOutsideEu = roaming !== null && !EU_ZONE.has(roaming);
  if (roaming) why |= bit(roamingOutsideEu ? Reason.ROAMING_OUTSIDE_EU : Reason.ROAMING_EU);

  if (v.direction === 'INBOUND') {
    const key = normalise(v.caller, r.dialling);
    out.counterpart = key ?? '';
    why |= bit(Reason.INBOUND);
    if (v.billable_s === 0) why |= bit(Reason.UNANSWERED);
    // Inbound calls are included in every plan that lists them (seed 004); not rated otherwise.
    out.included_qty = plan.inbound ? v.billable_s : 0;
    return;
  }

  const key = normalise(v.callee, r.dialling);
  if (key === null) throw errors.cdrMalformed(cdr.id, `callee "${v.callee}" is not a phone number`, cdr);
  const row = trie.lookup(key, cdr.start_ms, trie.data.hasBands ? bandOf(cdr.start_ms, r.timeZone) : 0);
  if (row < 0) throw errors.unknownDestination(cdr.id, v.callee, cdr);
  out.counterpart = key;
  out.destination = trie.destination(row);
  out.dest_class = trie.classOf(row);
  out.prefix = trie.prefixOf(row);
  const cls = trie.cls(row);
  const billable = v.billable_s;

  if (v.direction === 'FORWARDED') why |= bit(Reason.FORWARDED);
  // A premium attempt is flagged even unanswered: blocked calls usually never connect (SPEC §2, §6).
  if (cls === PREMIUM && plan.premium === 'block') {
    blockPremium(cdr, out, alerts, `premium number ${key}`);
    return;
  }
  if (billable === 0) {
    why |= bit(Reason.UNANSWERED);
    return;
  }
  if (cls === EMERGENCY) {
    why |= bit(Reason.EMERGENCY_FREE);
    out.included_qty = billable;
    return;
  }
  if (cls === FREEPHONE) why |= bit(Reason.FREEPHONE);

  const u = userMonth(state, r.user);
  const callee = keyNumber(key);
  const caps = plan.caps;
  let included = 0;
  let flagged = false;
  // 003 §4.5 « renvoi immédiat permanent vers un numéro non interfone »: the user's n-th forwarded
  // call of the month to a number outside the operator's own ranges, and every later one.
  let offNet = false;
  if (v.direction === 'FORWARDED' && caps.offNetForwardCalls !== Number.POSITIVE_INFINITY && !onNet(key, plan.operatorPrefixes)) {
    u.offNetForwards++;
    if (u.offNetForwards >= caps.offNetForwardCalls) {
      offNet = true;
      why |= bit(Reason.OFF_NET_FORWARD);
      fairUse(u, 'off_net_forward', cdr, out.month, alerts, 'off_net_forward: permanent forward to a non-operator number (003 §4.5)');
    }
  }
  const inPack =
    (v.direction === 'OUTBOUND' || plan.forwarded) && !roamingOutsideEu && ((r.included[trie.countryId(row)] as number) & (1 << cls)) !== 0;
  if (!inPack) {
    why |= bit(Reason.NOT_IN_PACK);
  } else {
    // Seconds counted against the monthly cap before this call (all of the pack's scope, or only
    // what was included: Plan.capsCountAllUsage).
    const used = u.seconds;
    if (u.callees.size >= caps.distinctCallees && !u.callees.has(callee)) {
      why |= bit(Reason.DISTINCT_CALLEE_CAP);
      fairUse(u, 'distinct_callees', cdr, out.month, alerts, `more than ${caps.distinctCallees} distinct callees`);
      flagged = plan.beyond === 'flag';
    } else {
      if (caps.distinctCallees !== Number.POSITIVE_INFINITY) u.callees.add(callee);
      included = billable;
      if (included > caps.perCallSeconds) {
        included = caps.perCallSeconds;
        why |= bit(Reason.OVER_CALL_CAP);
        // One alert per call over the cap: each such call is a fair-use crossing (SPEC §4, §6).
        fairUse(u, `per_call:${cdr.id}`, cdr, out.month, alerts, `call over ${caps.perCallSeconds} s`);
        flagged = plan.beyond === 'flag';
      }
    }
    // 003 §4.5 « appels de plus d'une heure vers le même numéro », repeated: the second and later
    // such calls of the month to one number bill what repeatedLongCallBilling says.
    if (billable > caps.repeatedLongCallSeconds && !u.longCallees.add(callee)) {
      why |= bit(Reason.REPEATED_LONG_CALL);
      fairUse(
        u,
        `long_calls:${key}`,
        cdr,
        out.month,
        alerts,
        `repeated_long_calls: calls over ${caps.repeatedLongCallSeconds} s to ${key} more than once in the month (003 §4.5)`,
      );
      if (plan.repeatedLongCallBilling !== 'none') {
        included = plan.repeatedLongCallBilling === 'call' ? 0 : Math.min(included, caps.repeatedLongCallSeconds);
        flagged = plan.beyond === 'flag';
      }
    }
    if (offNet && plan.offNetForwardBilling === 'call') {
      included = 0;
      flagged = plan.beyond === 'flag';
    }
    const left = caps.monthlySeconds - used;
    // Counting all usage, the cap is crossed by the call that takes the month's seconds beyond
    // it, whatever else bills that call; counting included seconds, by the call it shortens.
    if (plan.capsCountAllUsage ? billable > left : included > left) {
      included = Math.min(included, Math.max(0, left));
      why |= bit(Reason.MONTHLY_CAP);
      fairUse(u, 'monthly_seconds', cdr, out.month, alerts, `more than ${caps.monthlySeconds} s of calls`);
      flagged = plan.beyond === 'flag';
    }
    u.seconds = used + (plan.capsCountAllUsage ? billable : included);
    if (included > 0) why |= bit(Reason.IN_PACK);
  }
  out.included_qty = included;
  const billed = billable - included;
  if (flagged) {
    // Plan says "flag" beyond the cap: the excess is reported, not charged.
    why |= bit(Reason.FLAGGED);
    return;
  }
  out.billed_qty = billed;
  out.cost_micros = callPrice(
    billed,
    trie.rate(row),
    trie.connect(row),
    trie.minCharge(row),
    trie.firstIncr(row),
    trie.nextIncr(row),
    included === 0,
  );
}

function rateMessage(cdr: Cdr, r: Resolved, state: AccountMonth, out: Rating, alerts: Alert[]): void {
  const m = cdr.message as NonNullable<Cdr['message']>;
  const plan = r.plan;
  out.direction = m.direction;
  out.quantity = m.parts;
  const key = normalise(m.direction === 'INBOUND' ? m.sender : m.recipient, r.dialling);
  if (key === null) throw errors.cdrMalformed(cdr.id, 'message counterpart is not a phone number', cdr);
  out.counterpart = key;
  if (m.direction === 'INBOUND') {
    why |= bit(Reason.INBOUND);
    out.included_qty = m.parts;
    return;
  }
  const row = r.tariff.trie.lookup(key, cdr.start_ms);
  if (row < 0) throw errors.unknownDestination(cdr.id, m.recipient, cdr);
  out.destination = r.tariff.trie.destination(row);
  out.dest_class = r.tariff.trie.classOf(row);
  if (r.tariff.trie.cls(row) === PREMIUM && plan.premium === 'block') {
    blockPremium(cdr, out, alerts, `premium SMS ${key}`);
    return;
  }
  const u = userMonth(state, r.user);
  const dest = keyNumber(key);
  const national = r.tariff.trie.countryOf(row) === r.country;
  const roamOk = !cdr.roaming_country || cdr.roaming_country === r.country || EU_ZONE.has(cdr.roaming_country);
  let included = 0;
  if (!plan.smsIncluded || !national || !roamOk) why |= bit(Reason.NOT_IN_PACK);
  else {
    // SMS parts counted against the cap before this one (all parts in scope, or only the
    // included ones: Plan.capsCountAllUsage). Seed 003: « n'envoie pas plus de 1000 SMS ».
    const used = u.sms;
    const left = Math.max(0, plan.caps.sms - used);
    const destCapped = u.smsDestinations.size >= plan.caps.smsDestinations && !u.smsDestinations.has(dest);
    if (destCapped) {
      why |= bit(Reason.SMS_DESTINATION_CAP);
      fairUse(u, 'sms_destinations', cdr, out.month, alerts, `more than ${plan.caps.smsDestinations} distinct SMS destinations`);
    } else {
      if (plan.caps.smsDestinations !== Number.POSITIVE_INFINITY) u.smsDestinations.add(dest);
      included = Math.min(m.parts, left);
    }
    if (m.parts > left && (plan.capsCountAllUsage || !destCapped)) {
      why |= bit(Reason.SMS_CAP);
      fairUse(u, 'sms', cdr, out.month, alerts, `more than ${plan.caps.sms} SMS`);
    } else if (!destCapped) why |= bit(Reason.IN_PACK);
    u.sms = used + (plan.capsCountAllUsage ? m.parts : included);
  }
  out.included_qty = included;
  out.billed_qty = m.parts - included;
  out.cost_micros = unitsPrice(out.billed_qty, plan.smsPriceMicros);
}

function rateData(cdr: Cdr, r: Resolved, state: AccountMonth, out: Rating, alerts: Alert[]): void {
  const d = cdr.data as NonNullable<Cdr['data']>;
  const plan = r.plan;
  const bytes = d.bytes_up + d.bytes_down;
  out.quantity = bytes;
  const roaming = cdr.roaming_country && cdr.roaming_country !== r.country ? cdr.roaming_country : null;
  const roamingOutsideEu = roaming !== null && !EU_ZONE.has(roaming);
  // The roaming zone is said whatever the plan includes, as for calls: the roaming-abuse check
  // (aggregator) counts ROAMING_EU usage against home usage.
  if (roaming) why |= bit(roamingOutsideEu ? Reason.ROAMING_OUTSIDE_EU : Reason.ROAMING_EU);
  const u = userMonth(state, r.user);
  let included = 0;
  if (!plan.dataIncluded || roamingOutsideEu) {
    why |= bit(Reason.NOT_IN_PACK);
  } else {
    // EU usage counts against both the EU quota and the overall (national) quota.
    let left = plan.caps.bytesNational - u.bytesNational;
    if (roaming) left = Math.min(left, plan.caps.bytesEu - u.bytesEu);
    included = Math.min(bytes, Math.max(0, left));
    u.bytesNational += included;
    if (roaming) u.bytesEu += included;
    if (included < bytes) {
      why |= bit(Reason.DATA_QUOTA);
      fairUse(u, roaming ? 'bytes_eu' : 'bytes_national', cdr, out.month, alerts, 'data quota used up');
    } else why |= bit(Reason.IN_PACK);
  }
  out.included_qty = included;
  out.billed_qty = bytes - included;
  out.cost_micros = dataPrice(out.billed_qty, plan.dataPerMbMicros);
}

function rateEvent(cdr: Cdr, r: Resolved, out: Rating): void {
  const e = cdr.event as NonNullable<Cdr['event']>;
  const svc = r.plan.events.get(e.service);
  if (!svc) throw errors.cdrUnrateable(cdr.id, `plan ${r.plan.id} has no per-event service "${e.service}"`, cdr);
  out.destination = svc.name;
  out.dest_class = e.service;
  out.quantity = e.quantity;
  out.billed_qty = e.quantity;
  out.cost_micros = unitsPrice(e.quantity, svc.priceMicros);
  why |= bit(Reason.EVENT);
}

/** Adds a CDR's cost to its user's month; alerts at the CDR that takes it beyond the user's own limit. */
function userCredit(cdr: Cdr, u: UserMonth, limit: number, cost: number, month: number, alerts: Alert[]): void {
  const before = u.costMicros;
  u.costMicros += cost;
  if (u.creditAlerted || before > limit || u.costMicros <= limit) return;
  u.creditAlerted = true;
  alerts.push({
    kind: 'USER_CREDIT_LIMIT',
    account_id: cdr.account_id,
    user_id: cdr.user_id,
    cdr_id: cdr.id,
    month,
    at_ms: cdr.start_ms,
    detail: `user usage ${u.costMicros} micros exceeds user credit limit ${limit}`,
  });
}

/**
 * Rates `cdr` for billing month `month`, updating `state`; alerts are pushed onto `alerts`.
 * Checks the CDR first (checkCdr: a malformed one throws CDR_MALFORMED) and throws a RatelError
 * naming the CDR when it cannot be rated. `resolved` may carry the account, plan and tariff
 * already looked up for this CDR's user.
 */
export function rateCdr(cdr: Cdr, ctx: RateContext, month: number, state: AccountMonth, alerts: Alert[], resolved?: Resolved): Rating {
  const bad = checkCdr(cdr);
  if (bad) throw errors.cdrMalformed(cdr.id, bad, cdr);
  const r = resolved ?? resolve(cdr, ctx, month);
  const out = base(cdr, r, month);
  why = 0;
  switch (cdr.kind) {
    case 'VOICE':
      rateVoice(cdr, cdr.voice as Voice, r, state, out, alerts);
      break;
    case 'SMS':
    case 'MMS':
      rateMessage(cdr, r, state, out, alerts);
      break;
    case 'DATA':
      rateData(cdr, r, state, out, alerts);
      break;
    case 'EVENT':
      rateEvent(cdr, r, out);
      break;
  }
  out.reasons = why === 0 ? NO_REASONS : reasonsOf(why);
  const before = state.costMicros;
  state.costMicros += out.cost_micros;
  if (!state.creditAlerted && before <= r.creditLimitMicros && state.costMicros > r.creditLimitMicros) {
    state.creditAlerted = true;
    alerts.push({
      kind: 'CREDIT_LIMIT',
      account_id: cdr.account_id,
      user_id: cdr.user_id,
      cdr_id: cdr.id,
      month,
      at_ms: cdr.start_ms,
      detail: `usage ${state.costMicros} micros exceeds credit limit ${r.creditLimitMicros}`,
    });
  }
  const userLimit = r.userLimitMicros;
  if (userLimit !== Number.POSITIVE_INFINITY && out.cost_micros > 0)
    userCredit(cdr, userMonth(state, r.user), userLimit, out.cost_micros, month, alerts);
  return out;
}
