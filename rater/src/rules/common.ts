/**
 * What the rule modules share: reason bits on the draft, the premium and fair-use alerts, the
 * roaming zone. Every helper writes to the draft it is given, never to module state.
 */
import type { Cdr } from '@ratel/schemas';
import type { UserMonth } from '../allowance.js';
import type { Draft, Resolved } from '../rate.js';
import { EU_ZONE, REASON_BIT, Reason } from '../reasons.js';

/** The bit of a reason in Draft.why. */
export const bit = (r: Reason): number => REASON_BIT[r];

/** Where a CDR was made from, against the account's country (roamingZone). */
export const HOME = 0;
export const EU = 1;
export const OUTSIDE_EU = 2;

/**
 * The roaming zone of a CDR (HOME, EU or OUTSIDE_EU), with its reason (ROAMING_EU or
 * ROAMING_OUTSIDE_EU) set on the draft when the CDR was made abroad.
 */
export function roamingZone(cdr: Cdr, r: Resolved, d: Draft): number {
  const roaming = cdr.roaming_country && cdr.roaming_country !== r.country ? cdr.roaming_country : null;
  if (roaming === null) return HOME;
  if (EU_ZONE.has(roaming)) {
    d.why |= bit(Reason.ROAMING_EU);
    return EU;
  }
  d.why |= bit(Reason.ROAMING_OUTSIDE_EU);
  return OUTSIDE_EU;
}

/** Premium destinations are blocked, never billed, and raise an alert (SPEC §2, §6). */
export function blockPremium(cdr: Cdr, d: Draft, detail: string): void {
  d.why |= bit(Reason.PREMIUM_BLOCKED);
  d.alerts.push({
    kind: 'PREMIUM_ATTEMPT',
    account_id: cdr.account_id,
    user_id: cdr.user_id,
    cdr_id: cdr.id,
    month: d.rating.month,
    at_ms: cdr.start_ms,
    detail,
  });
}

/** A FAIR_USE alert for the user's first crossing of `cap` in the month (later ones are not repeated). */
export function fairUse(u: UserMonth, cap: string, cdr: Cdr, d: Draft, detail: string): void {
  if (u.crossed === null) u.crossed = new Set();
  else if (u.crossed.has(cap)) return;
  u.crossed.add(cap);
  d.alerts.push({
    kind: 'FAIR_USE',
    account_id: cdr.account_id,
    user_id: cdr.user_id,
    cdr_id: cdr.id,
    month: d.rating.month,
    at_ms: cdr.start_ms,
    detail,
  });
}
