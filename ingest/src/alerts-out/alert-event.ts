/**
 * An alert as it leaves ratel: the rater's Alert (or the month close's roaming-abuse row) as an
 * alert.v1 record (schemas/avro/alert.v1.avsc), with its stable id, whose lines it concerns and
 * what the contract lets the switch restrict.
 */
import { type Alert, alertId } from '@ratel/rater';
import type { AlertEvent, AlertRestriction, AlertScope } from '@ratel/schemas';

/**
 * SPEC §6 and seed 003 §11.2: over its credit limit a customer's outbound calls, forwards
 * included, may be limited (« limiter les appels sortants (incluant les déviations) »); 003 §9.5
 * sets limits per customer and per user, so a user's own limit concerns that user's lines.
 * 003 §11.2 also allows limits towards special numbers, and 003 Art. 4 forbids premium numbers:
 * a premium attempt says so. Fair-use crossings and roaming abuse are reported, the restriction
 * left to the operator. Emergency numbers stay allowed whatever the alert (seed 002).
 */
const SCOPE: Record<Alert['kind'], { scope: AlertScope; may_restrict: AlertRestriction }> = {
  CREDIT_LIMIT: { scope: 'ACCOUNT', may_restrict: 'OUTBOUND_CALLS' },
  USER_CREDIT_LIMIT: { scope: 'USER', may_restrict: 'OUTBOUND_CALLS' },
  PREMIUM_ATTEMPT: { scope: 'USER', may_restrict: 'PREMIUM_NUMBERS' },
  FAIR_USE: { scope: 'USER', may_restrict: 'NONE' },
  ROAMING_ABUSE: { scope: 'USER', may_restrict: 'NONE' },
};

/**
 * The alert.v1 record of an alert. `cdrTimestampMs`: the Kafka timestamp of the CDR message that
 * raised it, when known (null for one raised again from the store, or at month close).
 */
export function alertEvent(a: Alert, cdrTimestampMs: number | null, raisedAtMs: number): AlertEvent {
  const { scope, may_restrict } = SCOPE[a.kind];
  return {
    id: alertId(a),
    kind: a.kind,
    scope,
    may_restrict,
    account_id: a.account_id,
    user_id: a.user_id,
    month: a.month,
    cdr_id: a.cdr_id === '' ? null : a.cdr_id,
    at_ms: a.at_ms,
    cdr_timestamp_ms: cdrTimestampMs,
    raised_at_ms: raisedAtMs,
    detail: a.detail,
  };
}
