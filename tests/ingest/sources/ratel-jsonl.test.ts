// ratel JSON Lines (ingest/src/sources/ratel-jsonl.ts): a line read as avsc's clone would (the
// defaults filled, every type checked), and the Avro body it encoded kept beside the CDR.
import { generateAccounts, generateCdrs, sources } from '@ratel/ingest';
import { type Cdr, cdrType } from '@ratel/schemas';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const accounts = generateAccounts({ accounts: 6, month: 202610, seed: 9 });
const pool = generateCdrs(accounts, { accounts: 6, month: 202610, seed: 9, malformedShare: 0 });

describe('RatelJsonLinesSource', () => {
  it('reads each line into the CDR of cdrType.clone, with that CDR Avro body beside it', () => {
    const src = new sources.RatelJsonLinesSource();
    const out = sources.newLineResult();
    fc.assert(
      fc.property(fc.nat({ max: pool.length - 1 }), fc.string({ maxLength: 9000, unit: 'binary' }), (at, id) => {
        const line = sources.ratelJsonLine({ ...(pool[at] as Cdr), id });
        src.read(line, 1, out);
        expect(out.status).toBe(sources.LineStatus.CDR);
        const want = cdrType.clone(JSON.parse(line)) as Cdr;
        expect(out.cdr).toEqual(want);
        expect(out.avro?.equals(cdrType.toBuffer(want))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('fills the defaults of fields left out, and keeps no body for a line that is no CDR', () => {
    const src = new sources.RatelJsonLinesSource();
    const out = sources.newLineResult();
    const { roaming_country: _r, message: _m, data: _d, event: _e, ...bare } = pool.find((c) => c.kind === 'VOICE') as Cdr;
    src.read(JSON.stringify(bare), 1, out);
    expect(out.cdr).toEqual(cdrType.clone(bare));
    expect(out.avro?.equals(cdrType.toBuffer(out.cdr))).toBe(true);
    for (const bad of ['', 'not json', '[1]', JSON.stringify({ ...bare, kind: 'FAX' })]) {
      src.read(bad, 2, out);
      expect(out.status).not.toBe(sources.LineStatus.CDR);
      expect(out.avro).toBeNull();
    }
    src.read(JSON.stringify({ ...bare, start_ms: 'x' }), 3, out);
    expect([out.status, out.reason.startsWith('not a cdr.v1 record: ')]).toEqual([sources.LineStatus.REJECTED, true]);
  });
});
