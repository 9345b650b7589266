/** Semantic checks on a decoded CDR, beyond what the Avro schema enforces. */
import type { Cdr } from './generated/avro-types.js';

/** The section each kind carries; every other section must be null. */
const SECTION = { VOICE: 0, SMS: 1, MMS: 1, DATA: 2, EVENT: 3 } as const;
const SECTION_NAMES = ['voice', 'message', 'data', 'event'] as const;

/** Returns why the CDR cannot be rated, or null when it is well formed. */
export function checkCdr(c: Cdr): string | null {
  if (!c.id) return 'empty id';
  if (!c.account_id) return 'empty account_id';
  if (!c.user_id) return 'empty user_id';
  if (!Number.isSafeInteger(c.start_ms) || c.start_ms <= 0) return `bad start_ms ${c.start_ms}`;
  const want = SECTION[c.kind];
  if (want === undefined) return `unknown kind ${String(c.kind)}`;
  // Direct field reads (no loop over keys): this runs once per CDR on the hot path.
  const present = [c.voice !== null, c.message !== null, c.data !== null, c.event !== null] as const;
  if (!present[want]) return `kind ${c.kind} without its ${SECTION_NAMES[want]} section`;
  for (let k = 0; k < 4; k++) if (k !== want && present[k]) return `kind ${c.kind} carries a ${SECTION_NAMES[k]} section`;
  const v = c.voice;
  if (v) {
    if (v.duration_s < 0 || v.billable_s < 0) return 'negative duration';
    if (v.billable_s > v.duration_s) return `billable_s ${v.billable_s} exceeds duration_s ${v.duration_s}`;
    if (v.end_ms < c.start_ms) return 'end_ms before start_ms';
    if (v.direction !== 'INBOUND' && !v.callee) return 'empty callee';
  }
  const m = c.message;
  if (m && (m.parts < 1 || !m.recipient)) return 'message without recipient or parts';
  const d = c.data;
  if (d && (d.bytes_up < 0 || d.bytes_down < 0)) return 'negative byte count';
  const e = c.event;
  if (e && (!e.service || e.quantity < 1)) return 'event without service or quantity';
  return null;
}
