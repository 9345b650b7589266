/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of a Kafka record batch
 * (magic 2): slicing by 8, eight bytes a step through eight tables built once.
 */
const POLY = 0x82f63b78;
const T = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n] as number;
  for (let t = 1; t < 8; t++) {
    c = (T[c & 0xff] as number) ^ (c >>> 8);
    T[t * 256 + n] = c;
  }
}

/** The CRC-32C of buf[start, end), as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = crc ^ ((buf[i] as number) | ((buf[i + 1] as number) << 8) | ((buf[i + 2] as number) << 16) | ((buf[i + 3] as number) << 24));
    crc =
      (T[7 * 256 + (a & 0xff)] as number) ^
      (T[6 * 256 + ((a >>> 8) & 0xff)] as number) ^
      (T[5 * 256 + ((a >>> 16) & 0xff)] as number) ^
      (T[4 * 256 + (a >>> 24)] as number) ^
      (T[3 * 256 + (buf[i + 4] as number)] as number) ^
      (T[2 * 256 + (buf[i + 5] as number)] as number) ^
      (T[256 + (buf[i + 6] as number)] as number) ^
      (T[buf[i + 7] as number] as number);
  }
  for (; i < end; i++) crc = (T[(crc ^ (buf[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
