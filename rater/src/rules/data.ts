/**
 * Data sessions: the national quota, and the EU quota within it when roaming in the EU; nothing
 * included outside the EU or on a plan without data; the rest priced per MB.
 */
import type { Cdr } from '@ratel/schemas';
import { type AccountMonth, userMonth } from '../allowance.js';
import { dataPrice } from '../price.js';
import type { Draft, Resolved } from '../rate.js';
import { Reason } from '../reasons.js';
import { bit, fairUse, HOME, OUTSIDE_EU, roamingZone } from './common.js';

/** Rates a data CDR into the draft, updating its user's month. */
export function rateData(cdr: Cdr, r: Resolved, state: AccountMonth, d: Draft): void {
  const out = d.rating;
  const data = cdr.data as NonNullable<Cdr['data']>;
  const plan = r.plan;
  const bytes = data.bytes_up + data.bytes_down;
  out.quantity = bytes;
  // The roaming zone is said whatever the plan includes, as for calls: the roaming-abuse check
  // (aggregator) counts ROAMING_EU usage against home usage.
  const zone = roamingZone(cdr, r, d);
  const roaming = zone !== HOME;
  const u = userMonth(state, r.user);
  let included = 0;
  if (!plan.dataIncluded || zone === OUTSIDE_EU) {
    d.why |= bit(Reason.NOT_IN_PACK);
  } else {
    // EU usage counts against both the EU quota and the overall (national) quota.
    let left = plan.caps.bytesNational - u.bytesNational;
    if (roaming) left = Math.min(left, plan.caps.bytesEu - u.bytesEu);
    included = Math.min(bytes, Math.max(0, left));
    u.bytesNational += included;
    if (roaming) u.bytesEu += included;
    if (included < bytes) {
      d.why |= bit(Reason.DATA_QUOTA);
      fairUse(u, roaming ? 'bytes_eu' : 'bytes_national', cdr, d, 'data quota used up');
    } else d.why |= bit(Reason.IN_PACK);
  }
  out.included_qty = included;
  out.billed_qty = bytes - included;
  out.cost_micros = dataPrice(out.billed_qty, plan.dataPerMbMicros);
}
