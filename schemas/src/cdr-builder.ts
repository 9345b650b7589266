/**
 * Building CDRs by hand (the library API, tests, importers): give what rating reads, and the
 * builder fills the rest of a complete cdr.v1 record (end and answer times from the duration,
 * disposition and SIP status from whether the call was answered, an empty trunk). Times are
 * epoch milliseconds or ISO 8601 strings (UTC when no offset is given).
 */
import type { Cdr, Direction } from './generated/avro-types.js';

type When = number | string;

const ms = (t: When): number => (typeof t === 'number' ? t : Date.parse(/Z|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`));

interface Common {
  id: string;
  account: string;
  user: string;
  start: When;
  /** ISO 3166-1 alpha-2 of the visited country, when roaming. */
  roaming?: string | null;
}

const base = (c: Common, kind: Cdr['kind']): Cdr => ({
  id: c.id,
  kind,
  account_id: c.account,
  user_id: c.user,
  start_ms: ms(c.start),
  roaming_country: c.roaming ?? null,
  voice: null,
  message: null,
  data: null,
  event: null,
});

/** A call: `seconds` answered seconds (0: unanswered), `ringSeconds` before the answer. */
export function voiceCdr(
  c: Common & { callee: string; seconds: number; caller?: string; direction?: Direction; ringSeconds?: number; forwardedFrom?: string },
): Cdr {
  const out = base(c, 'VOICE');
  const ring = c.ringSeconds ?? 0;
  const answered = c.seconds > 0;
  out.voice = {
    sip_call_id: c.id,
    trunk_id: '',
    caller: c.caller ?? '',
    callee: c.callee,
    forwarded_from: c.forwardedFrom ?? null,
    direction: c.direction ?? 'OUTBOUND',
    answer_ms: answered ? out.start_ms + ring * 1000 : null,
    end_ms: out.start_ms + (ring + c.seconds) * 1000,
    duration_s: ring + c.seconds,
    billable_s: c.seconds,
    disposition: answered ? 'ANSWERED' : 'NO_ANSWER',
    sip_status: answered ? 200 : 480,
  };
  return out;
}

/** An SMS (or an MMS with `mms`) to `recipient`, `parts` parts. */
export function messageCdr(c: Common & { recipient: string; sender?: string; parts?: number; direction?: Direction; mms?: boolean }): Cdr {
  const out = base(c, c.mms ? 'MMS' : 'SMS');
  out.message = { sender: c.sender ?? '', recipient: c.recipient, direction: c.direction ?? 'OUTBOUND', parts: c.parts ?? 1 };
  return out;
}

/** A data session of `bytesDown` (+ `bytesUp`) bytes lasting `seconds`. */
export function dataCdr(c: Common & { bytesDown: number; bytesUp?: number; seconds?: number; apn?: string }): Cdr {
  const out = base(c, 'DATA');
  out.data = {
    end_ms: out.start_ms + (c.seconds ?? 0) * 1000,
    bytes_up: c.bytesUp ?? 0,
    bytes_down: c.bytesDown,
    apn: c.apn ?? 'internet',
  };
  return out;
}

/** A per-event service use (e.g. `answering.handled_call`). */
export function eventCdr(c: Common & { service: string; quantity?: number; reference?: string }): Cdr {
  const out = base(c, 'EVENT');
  out.event = { service: c.service, quantity: c.quantity ?? 1, reference: c.reference ?? null };
  return out;
}
