/**
 * Voice calls: inbound and unanswered calls, premium blocking, emergency and freephone numbers,
 * the plan's included destinations and its fair-use caps (distinct callees, per call, monthly,
 * and the Belgian option's repeated long calls and off-net forwards, 003 §4.5), then the price.
 */
import { type Cdr, errors, type Voice } from '@ratel/schemas';
import { type AccountMonth, userMonth } from '../allowance.js';
import type { Plan } from '../catalog.js';
import { bandOf } from '../month-clock.js';
import { keyNumber, normalise } from '../normalise.js';
import { callPrice } from '../price.js';
import type { Draft, Resolved } from '../rate.js';
import { Reason } from '../reasons.js';
import { CLASS_IDS, type Trie } from '../trie.js';
import { bit, blockPremium, fairUse, OUTSIDE_EU, roamingZone } from './common.js';

const EMERGENCY = CLASS_IDS.emergency;
const PREMIUM = CLASS_IDS.premium;
const FREEPHONE = CLASS_IDS.freephone;

const inclusion = new WeakMap<Plan, WeakMap<Trie, Uint8Array>>();

/**
 * The plan's included voice destinations as a bit mask of classes per country string id of the
 * trie, built once per (plan, trie): the hot path tests one byte instead of building a key.
 */
export function includedMask(plan: Plan, trie: Trie): Uint8Array {
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

/** True when E.164 digits `key` lie under one of the operator's own prefixes (allocation-free). */
export function onNet(key: string, prefixes: readonly string[]): boolean {
  for (let i = 0; i < prefixes.length; i++) if (key.startsWith(prefixes[i] as string)) return true;
  return false;
}

/** Rates a voice CDR into the draft, updating its user's month. */
export function rateVoice(cdr: Cdr, v: Voice, r: Resolved, state: AccountMonth, d: Draft): void {
  const out = d.rating;
  const plan = r.plan;
  const trie = r.tariff.trie;
  out.direction = v.direction;
  out.quantity = v.billable_s;
  const roamingOutsideEu = roamingZone(cdr, r, d) === OUTSIDE_EU;

  if (v.direction === 'INBOUND') {
    const key = normalise(v.caller, r.dialling);
    out.counterpart = key ?? '';
    d.why |= bit(Reason.INBOUND);
    if (v.billable_s === 0) d.why |= bit(Reason.UNANSWERED);
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

  if (v.direction === 'FORWARDED') d.why |= bit(Reason.FORWARDED);
  // A premium attempt is flagged even unanswered: blocked calls usually never connect (SPEC §2, §6).
  if (cls === PREMIUM && plan.premium === 'block') {
    blockPremium(cdr, d, `premium number ${key}`);
    return;
  }
  if (billable === 0) {
    d.why |= bit(Reason.UNANSWERED);
    return;
  }
  if (cls === EMERGENCY) {
    d.why |= bit(Reason.EMERGENCY_FREE);
    out.included_qty = billable;
    return;
  }
  if (cls === FREEPHONE) d.why |= bit(Reason.FREEPHONE);

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
      d.why |= bit(Reason.OFF_NET_FORWARD);
      fairUse(u, 'off_net_forward', cdr, d, 'off_net_forward: permanent forward to a non-operator number (003 §4.5)');
    }
  }
  const inPack =
    (v.direction === 'OUTBOUND' || plan.forwarded) && !roamingOutsideEu && ((r.included[trie.countryId(row)] as number) & (1 << cls)) !== 0;
  if (!inPack) {
    d.why |= bit(Reason.NOT_IN_PACK);
  } else {
    // Seconds counted against the monthly cap before this call (all of the pack's scope, or only
    // what was included: Plan.capsCountAllUsage).
    const used = u.seconds;
    if (u.callees.size >= caps.distinctCallees && !u.callees.has(callee)) {
      d.why |= bit(Reason.DISTINCT_CALLEE_CAP);
      fairUse(u, 'distinct_callees', cdr, d, `more than ${caps.distinctCallees} distinct callees`);
      flagged = plan.beyond === 'flag';
    } else {
      if (caps.distinctCallees !== Number.POSITIVE_INFINITY) u.callees.add(callee);
      included = billable;
      if (included > caps.perCallSeconds) {
        included = caps.perCallSeconds;
        d.why |= bit(Reason.OVER_CALL_CAP);
        // One alert per call over the cap: each such call is a fair-use crossing (SPEC §4, §6).
        fairUse(u, `per_call:${cdr.id}`, cdr, d, `call ${cdr.id} over ${caps.perCallSeconds} s`);
        flagged = plan.beyond === 'flag';
      }
    }
    // 003 §4.5 « appels de plus d'une heure vers le même numéro », repeated: the second and later
    // such calls of the month to one number bill what repeatedLongCallBilling says.
    if (billable > caps.repeatedLongCallSeconds && !u.longCallees.add(callee)) {
      d.why |= bit(Reason.REPEATED_LONG_CALL);
      fairUse(
        u,
        `long_calls:${key}`,
        cdr,
        d,
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
      d.why |= bit(Reason.MONTHLY_CAP);
      fairUse(u, 'monthly_seconds', cdr, d, `more than ${caps.monthlySeconds} s of calls`);
      flagged = plan.beyond === 'flag';
    }
    u.seconds = used + (plan.capsCountAllUsage ? billable : included);
    if (included > 0) d.why |= bit(Reason.IN_PACK);
  }
  out.included_qty = included;
  const billed = billable - included;
  if (flagged) {
    // Plan says "flag" beyond the cap: the excess is reported, not charged.
    d.why |= bit(Reason.FLAGGED);
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
