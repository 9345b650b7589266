/**
 * Dead letters as they leave ratel: a Kafka message for the dead-letter topic (reason code and
 * reason in headers, the frame as received as value) and a row of the `dead_letters` table.
 *
 * Nothing in a dead letter may make it unsendable. The reason is cut to REASON_CHARS, and a
 * message that would not fit the broker's limit (`kafka.maxMessageBytes`) carries a reference
 * instead of the frame: its first REFERENCE_BYTES bytes, its length and its SHA-256, with the
 * headers `truncated`, `length` and `sha256`. The whole frame is always in the table's `body`.
 * Messages are sent in chunks of at most half that limit, since one produce request carries
 * one record batch per partition and the broker refuses a batch over its limit.
 */
import { createHash } from 'node:crypto';
import type { DeadLetterRow } from '@ratel/aggregator';
import type { Cdr } from '@ratel/schemas';

export const REASON_CHARS = 1000;
export const REFERENCE_BYTES = 1024;
/** Room kept for the record batch's own framing and the key. */
const OVERHEAD_BYTES = 1024;

export interface OutgoingDeadLetter {
  /** The message key: the CDR id (cut) or, for a frame that never decoded, topic/partition/offset. */
  key: string;
  code: string;
  reason: string;
  /** The frame as received, when there is one. */
  frame: Buffer | null;
  cdr: Cdr | null;
  held?: Cdr | undefined;
}

export interface DeadLetterMessage {
  key: string;
  value: Buffer | null;
  headers: Record<string, string>;
}

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n)}…` : s);

/** The dead-letter topic's message for one dead letter, a reference when the frame would not fit. */
export function deadLetterMessage(d: OutgoingDeadLetter, maxMessageBytes: number): DeadLetterMessage {
  const headers: Record<string, string> = { reason_code: d.code, reason: cut(d.reason, REASON_CHARS) };
  const frame = d.frame;
  if (frame === null) return { key: d.key, value: null, headers };
  let size = Buffer.byteLength(d.key) + OVERHEAD_BYTES;
  for (const [k, v] of Object.entries(headers)) size += k.length + Buffer.byteLength(v);
  if (size + frame.length <= maxMessageBytes) return { key: d.key, value: frame, headers };
  headers.truncated = 'true';
  headers.length = String(frame.length);
  headers.sha256 = createHash('sha256').update(frame).digest('hex');
  return { key: d.key, value: frame.subarray(0, REFERENCE_BYTES), headers };
}

/** Splits messages into sends of at most `maxMessageBytes / 2` bytes each (at least one message a send). */
export function sendChunks(messages: readonly DeadLetterMessage[], maxMessageBytes: number): DeadLetterMessage[][] {
  const budget = Math.floor(maxMessageBytes / 2);
  const chunks: DeadLetterMessage[][] = [];
  let chunk: DeadLetterMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    let size = Buffer.byteLength(m.key) + (m.value?.length ?? 0) + 64;
    for (const [k, v] of Object.entries(m.headers)) size += k.length + Buffer.byteLength(v);
    if (chunk.length > 0 && bytes + size > budget) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** The dead_letters row of a dead letter: everything, the whole frame included. */
export function deadLetterRow(d: OutgoingDeadLetter, atMs: number): DeadLetterRow {
  const record = d.cdr ? JSON.stringify(d.cdr) : '';
  return {
    cdr_id: d.key,
    code: d.code,
    reason: cut(d.reason, REASON_CHARS),
    record,
    at_ms: atMs,
    body: d.frame ? d.frame.toString('base64') : '',
    held: d.held ? JSON.stringify(d.held) : '',
    digest: createHash('sha256')
      .update(d.frame ?? record)
      .digest('hex'),
  };
}
