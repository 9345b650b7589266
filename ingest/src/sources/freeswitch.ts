/**
 * What FreeSWITCH's two CDR modules share (mod_cdr_csv: freeswitch-csv.ts, mod_json_cdr:
 * freeswitch-json.ts): the channel variables a call's fields come from, and the hangup causes of
 * calls with no billable time.
 *
 * FreeSWITCH sets, at hang-up, `billsec` (seconds from answer to hang-up, each instant cut to its
 * second), `billmsec` and `billusec` (the same in ms and µs), `duration` / `mduration` /
 * `uduration` (from the channel's creation), `start_stamp` (local wall clock, "YYYY-MM-DD
 * HH:MM:SS"), `start_epoch` and `start_uepoch`, and likewise `answer_*` and `end_*` (0 or empty
 * when the call was never answered). The finest of them is read: billusec before billmsec before
 * billsec.
 */
import type { Unanswered } from './switch-calls.js';

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
 * What a call with no billable time was, from its hangup cause: answered (for less than the
 * unit billsec counts), busy, not answered, cancelled by the caller, or failed (any other cause:
 * UNALLOCATED_NUMBER, NORMAL_TEMPORARY_FAILURE, RECOVERY_ON_TIMER_EXPIRE, NORMAL_CLEARING before
 * an answer...).
 */
export function unansweredKind(cause: string, answered: boolean): Unanswered {
  if (answered) return 'NO_BILLABLE_TIME';
  if (BUSY.has(cause)) return 'BUSY';
  if (NO_ANSWER.has(cause)) return 'NO_ANSWER';
  if (CANCELLED.has(cause)) return 'CANCELLED';
  return 'FAILED';
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

/** The reason word of a call with no billable time: its cause, or "billsec 0" without one. */
export const causeWord = (cause: string): string => cause || 'billsec 0';
