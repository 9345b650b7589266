/** Reason codes attached to rated events, and alert kinds. */
import type { AlertKind } from '@ratel/schemas';

export const Reason = {
  IN_PACK: 'IN_PACK',
  NOT_IN_PACK: 'NOT_IN_PACK',
  DISTINCT_CALLEE_CAP: 'DISTINCT_CALLEE_CAP',
  OVER_CALL_CAP: 'OVER_CALL_CAP',
  MONTHLY_CAP: 'MONTHLY_CAP',
  REPEATED_LONG_CALL: 'REPEATED_LONG_CALL',
  FLAGGED: 'FLAGGED',
  PREMIUM_BLOCKED: 'PREMIUM_BLOCKED',
  EMERGENCY_FREE: 'EMERGENCY_FREE',
  FREEPHONE: 'FREEPHONE',
  INBOUND: 'INBOUND',
  FORWARDED: 'FORWARDED',
  UNANSWERED: 'UNANSWERED',
  ROAMING_EU: 'ROAMING_EU',
  ROAMING_OUTSIDE_EU: 'ROAMING_OUTSIDE_EU',
  SMS_CAP: 'SMS_CAP',
  SMS_DESTINATION_CAP: 'SMS_DESTINATION_CAP',
  DATA_QUOTA: 'DATA_QUOTA',
  EVENT: 'EVENT',
  /** A forwarded call to a non-operator number under the forward rule (003 §4.5). Last: new codes go last, so older masks keep their bits. */
  OFF_NET_FORWARD: 'OFF_NET_FORWARD',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** Bit of each reason in a reason mask; arrays of reason codes come out in this order. */
const ORDER = Object.values(Reason) as Reason[];
export const REASON_BIT = Object.fromEntries(ORDER.map((r, i) => [r, 1 << i])) as Record<Reason, number>;

const arrays = new Map<number, readonly string[]>();
let lastMask = -1;
let lastArray: readonly string[] = [];
/** The reason codes of a mask, as one shared frozen array per distinct mask (no allocation per event). */
export function reasonsOf(mask: number): string[] {
  if (mask === lastMask) return lastArray as string[]; // consecutive CDRs mostly share their reasons
  let a = arrays.get(mask);
  if (!a) {
    a = Object.freeze(ORDER.filter((r) => (mask & REASON_BIT[r]) !== 0));
    arrays.set(mask, a);
  }
  lastMask = mask;
  lastArray = a;
  return a as string[];
}

/**
 * CREDIT_LIMIT: the account's month crossed its credit limit; USER_CREDIT_LIMIT: one user's month
 * crossed that user's own limit (SPEC §6: "per customer and per user"). ROAMING_ABUSE is raised
 * at month close by the aggregator (three months of more EU than home usage), not by the rater.
 * The kinds are alert.v1's (schemas/avro/alert.v1.avsc), the message each alert leaves ratel as.
 */
export type { AlertKind };

export interface Alert {
  kind: AlertKind;
  account_id: string;
  user_id: string;
  cdr_id: string;
  month: number;
  at_ms: number;
  detail: string;
}

/** EU/EEA countries where "roam like at home" applies (SPEC §4 mobile plans). */
export const EU_ZONE = new Set(
  'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO GP MQ GF RE YT'.split(' '),
);

/** The mask of a list of reason codes (unknown codes are ignored). */
export function maskOf(reasons: readonly string[]): number {
  let m = 0;
  for (const r of reasons) m |= REASON_BIT[r as Reason] ?? 0;
  return m;
}
