/**
 * Checks on a decoded CDR, beyond what the Avro schema enforces: its shape (checkCdr), the
 * bounds every field must keep (checkLimits) and the window of start dates accepted
 * (checkWindow). Every CDR from outside goes through all three before it is rated, so no
 * absurd value (a 1e9 s call, 1e16 bytes, a 600 KB callee, a CDR dated 2100) reaches the
 * rating maths, the store encoder or a dead-letter header. Reasons never quote a string field
 * longer than the limit, so a reason is always small.
 */
import type { Cdr } from './generated/avro-types.js';

/** Bounds of a CDR's fields (config `limits.*`, README "CDR limits"). */
export interface CdrLimits {
  /** Longest call (duration_s and billable_s), seconds. */
  maxCallSeconds: number;
  /** Largest data session, bytes_up + bytes_down. */
  maxSessionBytes: number;
  /** Most parts of one SMS or MMS (a concatenated SMS has at most 255). */
  maxMessageParts: number;
  /** Largest quantity of one service event. */
  maxEventQuantity: number;
  /** Longest string field (ids, numbers, trunk, SIP Call-ID, APN, service), characters. */
  maxFieldChars: number;
}

export const DEFAULT_LIMITS: Readonly<CdrLimits> = Object.freeze({
  maxCallSeconds: 86_400,
  maxSessionBytes: 1_000_000_000_000,
  maxMessageParts: 255,
  maxEventQuantity: 10_000,
  maxFieldChars: 256,
});

/** Start dates accepted for new CDRs, around a reference time (config `limits.maxAgeDays`, `limits.maxAheadMinutes`). */
export interface DateWindow {
  /** How old a CDR may be: SPEC §5 lets roaming records arrive up to 90 days late. */
  maxAgeDays: number;
  /** How far ahead of the reference time a CDR may start (switch clocks drift). */
  maxAheadMinutes: number;
}

export const DEFAULT_WINDOW: Readonly<DateWindow> = Object.freeze({ maxAgeDays: 100, maxAheadMinutes: 60 });

/**
 * Instants any CDR must fall in, whatever the window: 2000-01-01 to 2100-01-01 UTC. Beyond them
 * the calendar maths has nothing to say (Date's own limit is ±8.64e15 ms).
 */
export const EARLIEST_MS = 946_684_800_000;
export const LATEST_MS = 4_102_444_800_000;

/** The section each kind carries; every other section must be null. */
const SECTION = { VOICE: 0, SMS: 1, MMS: 1, DATA: 2, EVENT: 3 } as const;
const SECTION_NAMES = ['voice', 'message', 'data', 'event'] as const;

/** Whether `ms` is an instant a CDR may start at: an integer from EARLIEST_MS to before LATEST_MS. */
export const isInstant = (ms: number): boolean => Number.isSafeInteger(ms) && ms >= EARLIEST_MS && ms < LATEST_MS;

/** Returns why the CDR cannot be rated, or null when it is well formed. */
export function checkCdr(c: Cdr): string | null {
  if (!c.id) return 'empty id';
  if (!c.account_id) return 'empty account_id';
  if (!c.user_id) return 'empty user_id';
  if (!isInstant(c.start_ms)) return `bad start_ms ${c.start_ms} (not between 2000 and 2100)`;
  const want = SECTION[c.kind];
  if (want === undefined) return `unknown kind ${String(c.kind).slice(0, 32)}`;
  // Direct field reads, no array or loop over keys: this runs once per CDR on the hot path.
  const sections = (c.voice !== null ? 1 : 0) | (c.message !== null ? 2 : 0) | (c.data !== null ? 4 : 0) | (c.event !== null ? 8 : 0);
  if ((sections & (1 << want)) === 0) return `kind ${c.kind} without its ${SECTION_NAMES[want]} section`;
  if (sections !== 1 << want) {
    for (let k = 0; k < 4; k++)
      if (k !== want && (sections & (1 << k)) !== 0) return `kind ${c.kind} carries a ${SECTION_NAMES[k]} section`;
  }
  const v = c.voice;
  if (v) {
    if (v.duration_s < 0 || v.billable_s < 0) return 'negative duration';
    if (v.billable_s > v.duration_s) return `billable_s ${v.billable_s} exceeds duration_s ${v.duration_s}`;
    if (!Number.isSafeInteger(v.end_ms) || v.end_ms < c.start_ms) return 'end_ms before start_ms';
    if (v.answer_ms !== null && !Number.isSafeInteger(v.answer_ms)) return 'bad answer_ms';
    if (v.direction !== 'INBOUND' && !v.callee) return 'empty callee';
  }
  const m = c.message;
  if (m && (m.parts < 1 || !m.recipient)) return 'message without recipient or parts';
  const d = c.data;
  if (d) {
    if (d.bytes_up < 0 || d.bytes_down < 0) return 'negative byte count';
    if (!Number.isSafeInteger(d.bytes_up) || !Number.isSafeInteger(d.bytes_down)) return 'byte count beyond 2^53';
    if (!Number.isSafeInteger(d.end_ms) || d.end_ms < c.start_ms) return 'end_ms before start_ms';
  }
  const e = c.event;
  if (e && (!e.service || e.quantity < 1)) return 'event without service or quantity';
  return null;
}

/** The string fields of a CDR, with their names (for the length check). */
function longField(c: Cdr, max: number): string | null {
  if (c.id.length > max) return 'id';
  if (c.account_id.length > max) return 'account_id';
  if (c.user_id.length > max) return 'user_id';
  if (c.roaming_country !== null && c.roaming_country.length > max) return 'roaming_country';
  const v = c.voice;
  if (v) {
    if (v.callee.length > max) return 'voice.callee';
    if (v.caller.length > max) return 'voice.caller';
    if (v.sip_call_id.length > max) return 'voice.sip_call_id';
    if (v.trunk_id.length > max) return 'voice.trunk_id';
    if (v.forwarded_from !== null && v.forwarded_from.length > max) return 'voice.forwarded_from';
  }
  const m = c.message;
  if (m && (m.sender.length > max || m.recipient.length > max)) return m.sender.length > max ? 'message.sender' : 'message.recipient';
  if (c.data && c.data.apn.length > max) return 'data.apn';
  const e = c.event;
  if (e && (e.service.length > max || (e.reference !== null && e.reference.length > max)))
    return e.service.length > max ? 'event.service' : 'event.reference';
  return null;
}

/**
 * Returns which bound a well-formed CDR (checkCdr) breaks, naming the field and the setting, or
 * null when it keeps them all.
 */
export function checkLimits(c: Cdr, limits: Readonly<CdrLimits> = DEFAULT_LIMITS): string | null {
  const long = longField(c, limits.maxFieldChars);
  if (long !== null) return `${long} longer than ${limits.maxFieldChars} characters (limits.maxFieldChars)`;
  const v = c.voice;
  if (v && v.duration_s > limits.maxCallSeconds)
    return `call of ${v.duration_s} s longer than ${limits.maxCallSeconds} s (limits.maxCallSeconds)`;
  const d = c.data;
  if (d && d.bytes_up + d.bytes_down > limits.maxSessionBytes)
    return `data session of ${d.bytes_up + d.bytes_down} bytes over ${limits.maxSessionBytes} (limits.maxSessionBytes)`;
  const m = c.message;
  if (m && m.parts > limits.maxMessageParts) return `message of ${m.parts} parts over ${limits.maxMessageParts} (limits.maxMessageParts)`;
  const e = c.event;
  if (e && e.quantity > limits.maxEventQuantity)
    return `event quantity ${e.quantity} over ${limits.maxEventQuantity} (limits.maxEventQuantity)`;
  return null;
}

const DAY_MS = 86_400_000;

/** Returns why a CDR's start falls outside the window around `nowMs`, or null. */
export function checkWindow(c: Cdr, window: Readonly<DateWindow>, nowMs: number): string | null {
  if (c.start_ms < nowMs - window.maxAgeDays * DAY_MS)
    return `start ${new Date(c.start_ms).toISOString()} more than ${window.maxAgeDays} days old (limits.maxAgeDays)`;
  if (c.start_ms > nowMs + window.maxAheadMinutes * 60_000)
    return `start ${new Date(c.start_ms).toISOString()} more than ${window.maxAheadMinutes} minutes ahead (limits.maxAheadMinutes)`;
  return null;
}
