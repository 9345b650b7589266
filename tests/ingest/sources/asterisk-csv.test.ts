/**
 * Asterisk cdr_csv files (ingest/src/sources/asterisk-csv.ts): the fixtures (the sample
 * cdr.conf's 18 columns in GMT; 21 columns with newcdrcolumns, local times, a forward in
 * userfield), profiles refused naming their key, the column counts of cdr.conf's settings.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sources } from '@ratel/ingest';
import { afterAll, describe, expect, it } from 'vitest';
import { accounts, cases, directory, runCase } from './switch-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ratel-ast-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sourceOf = (profile: unknown) => {
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(profile));
  return sources.createSource({ format: 'asterisk-csv', mapping: file, accounts, directory });
};

const BASE =
  '"","1042","0612345678","from-internal","""Sales"" <1042>","PJSIP/1042-00000001","PJSIP/carrier-00000002","Dial","x","2026-11-03 08:15:02","2026-11-03 08:15:09","2026-11-03 08:17:14",132,125,"ANSWERED","DOCUMENTATION"';

describe('asterisk-csv', () => {
  for (const c of cases('asterisk-csv')) it(`${c.name}: ${c.expected.why.slice(0, 100)}…`, () => runCase(c));

  it.each([
    [{ loguniqueid: 'yes' }, /at loguniqueid: /],
    [{ usegmtime: true }, /at \(top level\): .*usegmtime/],
    [{ fields: { forwarded_from: 'redirecting' } }, /at fields\.forwarded_from: the record has no field "redirecting"/],
    [{ time_zone: 'CET+1' }, /at time_zone: an IANA time zone/],
    [{ template: 'x' }, /at \(top level\): .*template/],
  ])('refuses the profile %j naming the key', (profile, message) => {
    expect(() => sourceOf(profile)).toThrow(message);
  });

  it.each([
    [{ loguniqueid: false, loguserfield: false }, BASE, 16],
    [{ loguserfield: false }, `${BASE},"1793693702.1"`, 17],
    [{ loguniqueid: false }, `${BASE},"my-field"`, 17],
    [{}, `${BASE},"1793693702.1",""`, 18],
    [{ newcdrcolumns: true }, `${BASE},"1793693702.1","","","1793693702.1",7`, 21],
  ])('cdr.conf %j: %s has the columns cdr_csv writes', (profile, line, n) => {
    const res = sources.newLineResult();
    const source = sourceOf(profile);
    source.read(line, 1, res);
    expect(res.status, res.reason).toBe(sources.LineStatus.CDR);
    expect(res.cdr).toMatchObject({ user_id: 'sales', start_ms: 1793693702000, voice: { billable_s: 125 } });
    source.read(`${line},""`, 2, res);
    expect(res.reason).toBe(
      `${n + 1} columns, cdr_csv writes ${n} with this profile (loguniqueid, loguserfield, newcdrcolumns as in cdr.conf [csv])`,
    );
  });

  it('without uniqueid the id is a hash of the line; with the sequence, the uniqueid and the sequence', () => {
    const res = sources.newLineResult();
    sourceOf({ loguniqueid: false, loguserfield: false }).read(BASE, 1, res);
    expect(res.cdr?.id).toMatch(/^ast:[0-9a-f]{32}$/);
    sourceOf({ newcdrcolumns: true, id_prefix: 'pbx2:' }).read(`${BASE},"1793693702.1","","","1793693702.1",7`, 1, res);
    expect(res.cdr?.id).toBe('pbx2:1793693702.1/7');
  });

  it('fields.sip_user: another column, read as it is (not a channel name)', () => {
    const res = sources.newLineResult();
    sourceOf({ fields: { sip_user: 'accountcode', caller: 'dst', callee: 'src' } }).read(
      '"desk","0612345678","0699887766","x","","SIP/nobody-1","","Dial","x","2026-11-05 13:00:00","2026-11-05 13:00:05","2026-11-05 13:30:00",1800,1795,"ANSWERED","DOCUMENTATION","1.1",""',
      1,
      res,
    );
    expect(res.cdr).toMatchObject({
      account_id: 'atelier-be',
      user_id: 'desk',
      voice: { caller: '+32699887766', callee: '+32612345678', direction: 'OUTBOUND' },
    });
  });
});
