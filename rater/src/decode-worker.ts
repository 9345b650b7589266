/**
 * Piscina worker: checks a batch of wire-format CDR frames off the main thread (framing, schema
 * id, Avro body, CDR rules) and returns only the frames that fail, with their reason. The batch
 * arrives as one transferred ArrayBuffer with frame offsets (no copy).
 *
 * It does not send the decoded CDRs back: a structured clone of a CDR object costs about 2 µs to
 * serialise here and 2 µs to read on the main thread, while decoding its Avro body again there
 * costs under 1 µs (measured on the development machine).
 */
import {
  type Cdr,
  type CdrLimits,
  cdrType,
  checkCdr,
  checkLimits,
  checkWindow,
  type DateWindow,
  DEFAULT_LIMITS,
  HEADER_BYTES,
  MAGIC_BYTE,
} from '@ratel/schemas';

export interface CheckTask {
  buffer: ArrayBuffer;
  /** offsets[i]..offsets[i+1] is frame i */
  offsets: Int32Array;
  schemaId: number;
  /** Bounds of every field (DEFAULT_LIMITS when absent). */
  limits?: CdrLimits | undefined;
  /** Start dates accepted, around `nowMs`; none when absent. */
  window?: DateWindow | undefined;
  nowMs?: number | undefined;
}

export interface CheckResult {
  /** Frames that cannot be rated, by index in the batch, with the reason code and reason. */
  bad: { index: number; code: 'CDR_MALFORMED' | 'CDR_OUT_OF_RANGE'; reason: string }[];
}

/** An exception's message, cut: a decoder's message may quote the bad bytes. */
const said = (e: unknown): string => String(e instanceof Error ? e.message : e).slice(0, 200);

export function checkFrames(task: CheckTask): CheckResult {
  const all = Buffer.from(task.buffer);
  const n = task.offsets.length - 1;
  const bad: CheckResult['bad'] = [];
  const limits = task.limits ?? DEFAULT_LIMITS;
  const window = task.window;
  const now = task.nowMs ?? Date.now();
  for (let i = 0; i < n; i++) {
    const frame = all.subarray(task.offsets[i] as number, task.offsets[i + 1] as number);
    if (frame.length < HEADER_BYTES || frame[0] !== MAGIC_BYTE) {
      bad.push({ index: i, code: 'CDR_MALFORMED', reason: 'not a Confluent wire-format frame' });
      continue;
    }
    const id = frame.readUInt32BE(1);
    if (id !== task.schemaId) {
      bad.push({ index: i, code: 'CDR_MALFORMED', reason: `unknown schema id ${id}` });
      continue;
    }
    let cdr: Cdr;
    try {
      cdr = cdrType.fromBuffer(frame.subarray(HEADER_BYTES)) as Cdr;
    } catch (e) {
      bad.push({ index: i, code: 'CDR_MALFORMED', reason: `Avro body does not match the CDR schema: ${said(e)}` });
      continue;
    }
    const shape = checkCdr(cdr);
    if (shape !== null) {
      bad.push({ index: i, code: 'CDR_MALFORMED', reason: shape });
      continue;
    }
    const bound = checkLimits(cdr, limits) ?? (window ? checkWindow(cdr, window, now) : null);
    if (bound !== null) bad.push({ index: i, code: 'CDR_OUT_OF_RANGE', reason: bound });
  }
  return { bad };
}

/** The Piscina entry point. */
export default checkFrames;
