/**
 * What FreeSWITCH's two CDR modules share (mod_cdr_csv: freeswitch-csv.ts, mod_json_cdr:
 * freeswitch-json.ts): the channel variables a call's fields come from, and what a call's hangup
 * cause and SIP status say became of it (ratel's disposition and cdr.v1's `sip_status`).
 *
 * FreeSWITCH sets, at hang-up, `billsec` (seconds from answer to hang-up, each instant cut to its
 * second), `billmsec` and `billusec` (the same in ms and µs), `duration` / `mduration` /
 * `uduration` (from the channel's creation), `start_stamp` (local wall clock, "YYYY-MM-DD
 * HH:MM:SS"), `start_epoch` and `start_uepoch`, and likewise `answer_*` and `end_*` (0 or empty
 * when the call was never answered). The finest of them is read: billusec before billmsec before
 * billsec. `hangup_cause` is the Q.850 cause name (USER_BUSY); `sip_term_status` the SIP response
 * that ended a SIP call ("486"), when there was one.
 */
import type { Disposition } from '@ratel/schemas';
import { dispositionOfSip } from './mapping.js';

/** Variables of the start time, finest first, and how each reads. */
export const START_VARS = [
  ['start_uepoch', 'epoch_us'],
  ['start_epoch', 'epoch_s'],
  ['start_stamp', 'local'],
] as const;
export const ANSWER_VARS = [
  ['answer_uepoch', 'epoch_us'],
  ['answer_epoch', 'epoch_s'],
  ['answer_stamp', 'local'],
] as const;
export const END_VARS = [
  ['end_uepoch', 'epoch_us'],
  ['end_epoch', 'epoch_s'],
  ['end_stamp', 'local'],
] as const;
/** Variables of the billable time (answer to hang-up), finest first, and their unit. */
export const BILLABLE_VARS = [
  ['billusec', 'us'],
  ['billmsec', 'ms'],
  ['billsec', 's'],
] as const;
export const DURATION_VARS = [
  ['uduration', 'us'],
  ['mduration', 'ms'],
  ['duration', 's'],
] as const;

const BUSY = new Set(['USER_BUSY']);
const NO_ANSWER = new Set(['NO_ANSWER', 'NO_USER_RESPONSE', 'SUBSCRIBER_ABSENT', 'CALL_REJECTED', 'ALLOTTED_TIMEOUT']);
const CANCELLED = new Set(['ORIGINATOR_CANCEL', 'LOSE_RACE', 'PICKED_OFF']);

/**
 * What became of a call, from its hangup cause: answered (for any time, 0 s included), busy, not
 * answered, cancelled by the caller (or answered elsewhere: LOSE_RACE, PICKED_OFF), or failed
 * (any other cause: UNALLOCATED_NUMBER, NORMAL_TEMPORARY_FAILURE, RECOVERY_ON_TIMER_EXPIRE,
 * NORMAL_CLEARING before an answer...). Without a cause, the SIP status the switch wrote says it
 * (`sip`, 300 to 699: as mapping.ts reads SIP codes; -1 none), else the call was not answered.
 */
export function dispositionOf(cause: string, sip: number, answered: boolean): Disposition {
  if (answered) return 'ANSWERED';
  if (cause === '') return sip >= 300 ? dispositionOfSip(sip) : 'NO_ANSWER';
  if (BUSY.has(cause)) return 'BUSY';
  if (NO_ANSWER.has(cause)) return 'NO_ANSWER';
  if (CANCELLED.has(cause)) return 'CANCELLED';
  return 'FAILED';
}

/**
 * The SIP response FreeSWITCH's SIP module (mod_sofia) gives a hangup cause when it refuses or
 * ends a call (RFC 4497 section 8.4.1, Q.850 to SIP), for a record that has no `sip_term_status`;
 * a cause not listed is answered 480 there too.
 */
const SIP_OF_CAUSE = new Map<string, number>([
  ['UNALLOCATED_NUMBER', 404],
  ['NO_ROUTE_TRANSIT_NET', 404],
  ['NO_ROUTE_DESTINATION', 404],
  ['USER_BUSY', 486],
  ['NO_USER_RESPONSE', 408],
  ['NO_ANSWER', 480],
  ['SUBSCRIBER_ABSENT', 480],
  ['CALL_REJECTED', 603],
  ['NUMBER_CHANGED', 410],
  ['REDIRECTION_TO_NEW_DESTINATION', 410],
  ['DESTINATION_OUT_OF_ORDER', 502],
  ['INVALID_NUMBER_FORMAT', 484],
  ['FACILITY_REJECTED', 501],
  ['NORMAL_UNSPECIFIED', 480],
  ['REQUESTED_CHAN_UNAVAIL', 503],
  ['NORMAL_CIRCUIT_CONGESTION', 503],
  ['NETWORK_OUT_OF_ORDER', 503],
  ['NORMAL_TEMPORARY_FAILURE', 503],
  ['SWITCH_CONGESTION', 503],
  ['OUTGOING_CALL_BARRED', 403],
  ['INCOMING_CALL_BARRED', 403],
  ['BEARERCAPABILITY_NOTAUTH', 403],
  ['BEARERCAPABILITY_NOTAVAIL', 503],
  ['BEARERCAPABILITY_NOTIMPL', 488],
  ['INCOMPATIBLE_DESTINATION', 488],
  ['FACILITY_NOT_IMPLEMENTED', 501],
  ['SERVICE_NOT_IMPLEMENTED', 501],
  ['RECOVERY_ON_TIMER_EXPIRE', 504],
  ['ORIGINATOR_CANCEL', 487],
  ['LOSE_RACE', 487],
  ['PICKED_OFF', 487],
  ['EXCHANGE_ROUTING_ERROR', 483],
]);

/**
 * The SIP status of a call: 200 when answered; else the `sip_term_status` the record gives (`sip`,
 * a final response 300 to 699), else the response its hangup cause stands for (SIP_OF_CAUSE; 480
 * for another cause), else (no cause either) 480, the status of a call not answered.
 */
export function sipStatusOf(cause: string, sip: number, answered: boolean): number {
  if (answered) return 200;
  if (sip >= 300) return sip;
  if (cause === '') return 480;
  return SIP_OF_CAUSE.get(cause) ?? 480;
}

/** Whether s[a, b) reads as a hangup cause name (Q.850 names as FreeSWITCH writes them: USER_BUSY). */
export function isCauseName(s: string, a: number, b: number): boolean {
  if (b - a < 1 || b - a > 64) return false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95)) return false;
  }
  return true;
}
