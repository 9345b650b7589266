/**
 * Piscina worker: decodes and checks a batch of wire-format CDR frames off the main thread.
 * The batch arrives as one transferred ArrayBuffer with frame offsets (no copy).
 */
import { type Cdr, cdrType, checkCdr, HEADER_BYTES, MAGIC_BYTE } from '@ratel/schemas';

export interface DecodeTask {
  buffer: ArrayBuffer;
  /** offsets[i]..offsets[i+1] is frame i */
  offsets: Int32Array;
  schemaId: number;
}

export interface DecodeResult {
  cdrs: (Cdr | null)[];
  bad: { index: number; reason: string }[];
}

export default function decode(task: DecodeTask): DecodeResult {
  const all = Buffer.from(task.buffer);
  const n = task.offsets.length - 1;
  const cdrs: (Cdr | null)[] = new Array(n).fill(null);
  const bad: DecodeResult['bad'] = [];
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
      const c = cdrType.fromBuffer(frame.subarray(HEADER_BYTES));
      const why = checkCdr(c);
      if (why) bad.push({ index: i, reason: why });
      else cdrs[i] = c;
    } catch (e) {
      bad.push({ index: i, reason: `Avro body does not match the CDR schema: ${(e as Error).message}` });
    }
  }
  return { cdrs, bad };
}
