/**
 * SMS and MMS: inbound messages, premium blocking, national messages in the pack (not from
 * outside the EU) up to the SMS cap and the distinct-destination cap, the rest at the plan's price.
 */
import { type Cdr, errors } from '@ratel/schemas';
import { type AccountMonth, userMonth } from '../allowance.js';
import { keyNumber, normalise } from '../normalise.js';
import { unitsPrice } from '../price.js';
import type { Draft, Resolved } from '../rate.js';
import { EU_ZONE, Reason } from '../reasons.js';
import { CLASS_IDS } from '../trie.js';
import { bit, blockPremium, fairUse } from './common.js';

const PREMIUM = CLASS_IDS.premium;

/** Rates an SMS or MMS CDR into the draft, updating its user's month. */
export function rateMessage(cdr: Cdr, r: Resolved, state: AccountMonth, d: Draft): void {
  const out = d.rating;
  const m = cdr.message as NonNullable<Cdr['message']>;
  const plan = r.plan;
  out.direction = m.direction;
  out.quantity = m.parts;
  const key = normalise(m.direction === 'INBOUND' ? m.sender : m.recipient, r.dialling);
  if (key === null) throw errors.cdrMalformed(cdr.id, 'message counterpart is not a phone number', cdr);
  out.counterpart = key;
  if (m.direction === 'INBOUND') {
    d.why |= bit(Reason.INBOUND);
    out.included_qty = m.parts;
    return;
  }
  const row = r.tariff.trie.lookup(key, cdr.start_ms);
  if (row < 0) throw errors.unknownDestination(cdr.id, m.recipient, cdr);
  out.destination = r.tariff.trie.destination(row);
  out.dest_class = r.tariff.trie.classOf(row);
  if (r.tariff.trie.cls(row) === PREMIUM && plan.premium === 'block') {
    blockPremium(cdr, d, `premium SMS ${key}`);
    return;
  }
  const u = userMonth(state, r.user);
  const dest = keyNumber(key);
  const national = r.tariff.trie.countryOf(row) === r.country;
  const roamOk = !cdr.roaming_country || cdr.roaming_country === r.country || EU_ZONE.has(cdr.roaming_country);
  let included = 0;
  if (!plan.smsIncluded || !national || !roamOk) d.why |= bit(Reason.NOT_IN_PACK);
  else {
    // SMS parts counted against the cap before this one (all parts in scope, or only the
    // included ones: Plan.capsCountAllUsage). Seed 003: « n'envoie pas plus de 1000 SMS ».
    const used = u.sms;
    const left = Math.max(0, plan.caps.sms - used);
    const destCapped = u.smsDestinations.size >= plan.caps.smsDestinations && !u.smsDestinations.has(dest);
    if (destCapped) {
      d.why |= bit(Reason.SMS_DESTINATION_CAP);
      fairUse(u, 'sms_destinations', cdr, d, `more than ${plan.caps.smsDestinations} distinct SMS destinations`);
    } else {
      if (plan.caps.smsDestinations !== Number.POSITIVE_INFINITY) u.smsDestinations.add(dest);
      included = Math.min(m.parts, left);
    }
    if (m.parts > left && (plan.capsCountAllUsage || !destCapped)) {
      d.why |= bit(Reason.SMS_CAP);
      fairUse(u, 'sms', cdr, d, `more than ${plan.caps.sms} SMS`);
    } else if (!destCapped) d.why |= bit(Reason.IN_PACK);
    u.sms = used + (plan.capsCountAllUsage ? m.parts : included);
  }
  out.included_qty = included;
  out.billed_qty = m.parts - included;
  out.cost_micros = unitsPrice(out.billed_qty, plan.smsPriceMicros);
}
