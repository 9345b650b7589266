// CRC-32C of record batches (ingest/src/crc32c.ts): the check value of the standard, and the
// same checksum as kafkajs's own for any bytes and any range.
import { createRequire } from 'node:module';
import { crc32c } from '@ratel/ingest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const kafkajsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;

describe('crc32c', () => {
  it('gives the check value of CRC-32C for "123456789", and 0 for nothing', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('equals kafkajs crc32C on any bytes, for any range of a buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const buf = Buffer.from(bytes);
        const from = bytes.length ? a % (bytes.length + 1) : 0;
        const to = from + (bytes.length - from ? b % (bytes.length - from + 1) : 0);
        expect(crc32c(buf, from, to)).toBe(kafkajsCrc32C(buf.subarray(from, to)) >>> 0);
      }),
      { numRuns: 500 },
    );
  });
});
