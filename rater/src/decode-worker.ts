/**
 * Piscina worker: checks a batch of wire-format CDR frames off the main thread (framing, schema
 * id, Avro body, CDR rules) and returns only the frames that fail, with their reason. The batch
 * arrives as one transferred ArrayBuffer with frame offsets (no copy).
 *
 * It does not send the decoded CDRs back: a structured clone of a CDR object costs about 2 µs to
 * serialise here and 2 µs to read on the main thread, while decoding its Avro body again there
 * costs under 1 µs (measured on the development machine).
 */
import { cdrType, checkCdr, HEADER_BYTES, MAGIC_BYTE } from '@ratel/schemas';

export interface CheckTask {
  buffer: ArrayBuffer;
  /** offsets[i]..offsets[i+1] is frame i */
  offsets: Int32Array;
  schemaId: number;
}

export interface CheckResult {
  /** Frames that cannot be rated, by index in the batch, with the reason. */
  bad: { index: number; reason: string }[];
}

export function checkFrames(task: CheckTask): CheckResult {
  const all = Buffer.from(task.buffer);
  const n = task.offsets.length - 1;
  const bad: CheckResult['bad'] = [];
  for (let i = 0; i < n; i++) {
    const frame = all.subarray(task.offsets[i] as number, task.offsets[i + 1] as number);
    if (frame.length < HEADER_BYTES || frame[0] !== MAGIC_BYTE) {
      bad.push({ index: i, reason: 'not a Confluent wire-format frame' });
      continue;
    }
    const id = frame.readUInt32BE(1);
    if (id !== task.schemaId) {
      bad.push({ index: i, reason: `unknown schema id ${id}` });
      continue;
    }
    try {
      const why = checkCdr(cdrType.fromBuffer(frame.subarray(HEADER_BYTES)));
      if (why) bad.push({ index: i, reason: why });
    } catch (e) {
      bad.push({ index: i, reason: `Avro body does not match the CDR schema: ${(e as Error).message}` });
    }
  }
  return { bad };
}

/** The Piscina entry point. */
export default checkFrames;
