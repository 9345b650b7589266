/**
 * Checks wire-format CDR frames: framing, schema id, Avro body (readFrame, which the rating
 * workers run on every frame they receive, decoding it once), and the CDR rules (checkFrames, for
 * callers that only want to know which frames of a batch cannot be rated).
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

/** What readFrame found: the CDR and where its Avro body is, or why the frame is no CDR. */
export interface FrameRead {
  cdr: Cdr | null;
  /** The body's view into the frame's buffer (no copy). */
  body: Buffer | null;
  reason: string;
}

/**
 * Reads frame all[from..to): a Confluent frame (magic byte, schema id `schemaId`, Avro body) when
 * `framed`, else a bare cdr.v1 body. Sets `into.cdr` and `into.body`, or `into.reason`.
 */
export function readFrame(all: Buffer, from: number, to: number, framed: boolean, schemaId: number, into: FrameRead): FrameRead {
  into.cdr = null;
  into.body = null;
  let start = from;
  if (framed) {
    if (to - from < HEADER_BYTES || all[from] !== MAGIC_BYTE) {
      into.reason = 'not a Confluent wire-format frame';
      return into;
    }
    const id = all.readUInt32BE(from + 1);
    if (id !== schemaId) {
      into.reason = `unknown schema id ${id}`;
      return into;
    }
    start = from + HEADER_BYTES;
  }
  const body = all.subarray(start, to);
  try {
    into.cdr = cdrType.fromBuffer(body) as Cdr;
    into.body = body;
  } catch (e) {
    into.reason = `Avro body does not match the CDR schema: ${said(e)}`;
  }
  return into;
}

export function checkFrames(task: CheckTask): CheckResult {
  const all = Buffer.from(task.buffer);
  const n = task.offsets.length - 1;
  const bad: CheckResult['bad'] = [];
  const limits = task.limits ?? DEFAULT_LIMITS;
  const window = task.window;
  const now = task.nowMs ?? Date.now();
  const read: FrameRead = { cdr: null, body: null, reason: '' };
  for (let i = 0; i < n; i++) {
    const cdr = readFrame(all, task.offsets[i] as number, task.offsets[i + 1] as number, true, task.schemaId, read).cdr;
    if (cdr === null) {
      bad.push({ index: i, code: 'CDR_MALFORMED', reason: read.reason });
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
