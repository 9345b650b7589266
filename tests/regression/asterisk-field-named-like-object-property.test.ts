/**
 * Finding: the Asterisk formats looked dispositions and CDR field names up in plain objects, so
 * a disposition "constructor" (or "toString") read as a known one (Object.prototype's function)
 * and a cdr_custom column `${CDR(constructor)}` was never registered. Lookups now go through
 * Maps: the disposition is rejected with its reason, the column is a field like any other.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sources } from '@ratel/ingest';
import { afterAll, describe, expect, it } from 'vitest';
import { accounts, directory } from '../ingest/sources/switch-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ratel-ast-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE =
  '"","1042","0612345678","from-internal","","PJSIP/1042-00000001","","Dial","x","2026-11-03 08:15:02","2026-11-03 08:15:09","2026-11-03 08:17:14",132,125';

describe('Asterisk fields named like Object properties', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('disposition "%s" is rejected, not read as a disposition', (d) => {
    const source = sources.createSource({ format: 'asterisk-csv', accounts, directory });
    const res = sources.newLineResult();
    source.read(`${BASE},"${d}","DOCUMENTATION","1.1",""`, 1, res);
    expect([res.status, res.reason]).toEqual([
      sources.LineStatus.REJECTED,
      `disposition "${d}" is not one of ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION, CANCEL`,
    ]);
  });

  it('a cdr_custom column ${CDR(constructor)} is a field the profile can name', () => {
    const file = join(dir, 'p.json');
    writeFileSync(
      file,
      JSON.stringify({
        template: '${CDR(start)},${CDR(src)},${CDR(dst)},${CDR(billsec)},${CDR(constructor)}',
        time_zone: 'UTC',
        fields: { forwarded_from: 'constructor' },
      }),
    );
    const source = sources.createSource({ format: 'asterisk-custom', mapping: file, accounts, directory });
    const res = sources.newLineResult();
    source.read('2026-11-04 08:00:00,0699887766,00442071234567,120,0140000042', 1, res);
    expect(res.cdr).toMatchObject({ user_id: 'sales', voice: { direction: 'FORWARDED', forwarded_from: '+33140000042' } });
  });
});
