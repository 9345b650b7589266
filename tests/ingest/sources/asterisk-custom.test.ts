/**
 * Asterisk cdr_custom files (ingest/src/sources/asterisk-custom.ts): the fixtures (the sample
 * mapping with decimal durations; a ';' mapping of raw values), and profiles refused naming
 * their key.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sources } from '@ratel/ingest';
import { afterAll, describe, expect, it } from 'vitest';
import { accounts, cases, directory, runCase } from './switch-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ratel-ast-custom-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sourceOf = (profile: unknown) => {
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(profile));
  return sources.createSource({ format: 'asterisk-custom', mapping: file, accounts, directory });
};

describe('asterisk-custom', () => {
  for (const c of cases('asterisk-custom')) it(`${c.name}: ${c.expected.why.slice(0, 100)}…`, () => runCase(c));

  it('needs a profile with the template', () => {
    expect(() => sources.createSource({ format: 'asterisk-custom', accounts, directory })).toThrow(
      /--format asterisk-custom needs --mapping PROFILE, a JSON file with the "template" of cdr_custom.conf/,
    );
    expect(() => sourceOf({})).toThrow(/at template: /);
  });

  it.each([
    [{ template: '${CDR(src)},${CDR(dst)},${CDR(billsec)}' }, /at template: the record has no start/],
    [{ template: '${CDR(src)},${CDR(dst)},${CDR(start)}' }, /at template: the record has no billsec/],
    [
      { template: '${CDR(src)},${CDR(start)},${CDR(billsec)}' },
      /at template: the record has no dst \(or name the callee in fields\.callee\)/,
    ],
    [{ template: '${EPOCH},"literal"' }, /at template: the mapping has no \$\{CDR\(field\)\}/],
    [{ template: '${CDR(src),${CDR(dst)}' }, /at template: "\$\{" at character 1 is not closed/],
    [
      { template: '${CDR(src)},${CDR(dst)},${CDR(start)},${CDR(billsec)}', fields: { forwarded_from: 'fwd' } },
      /at fields\.forwarded_from: the record has no field "fwd"/,
    ],
    [{ template: '${CDR(src)},${CDR(dst)},${CDR(start)},${CDR(billsec)}', loguniqueid: true }, /at \(top level\): .*loguniqueid/],
  ])('refuses the profile %j naming the key', (profile, message) => {
    expect(() => sourceOf(profile)).toThrow(message);
  });

  it('a CDR variable of the dialplan, named in fields, holds the forwarding number; without a disposition column, billsec > 0 is an answered call, billsec 0 one not answered', () => {
    const res = sources.newLineResult();
    const source = sourceOf({
      template: '${CDR(uniqueid)}|${CDR(start)}|${CDR(src)}|${CDR(dst)}|${CDR(fwd_from)}|${CDR(billsec)}',
      time_zone: 'Europe/Paris',
      fields: { forwarded_from: 'fwd_from' },
    });
    source.read('1.1|2026-11-04 09:00:00|0699887766|00442071234567|0140000042|120', 1, res);
    expect(res.cdr).toMatchObject({
      user_id: 'sales',
      start_ms: 1793779200000,
      voice: { direction: 'FORWARDED', forwarded_from: '+33140000042', callee: '+442071234567', billable_s: 120 },
    });
    source.read('1.2|2026-11-04 09:00:00|0699887766|00442071234567|0140000042|0', 2, res);
    // Not answered: NO_ANSWER with the status it stands for (480), forwarded by sales all the same;
    // no duration column: it lasted its billable time, 0 s, and ends at its start.
    expect(res.status).toBe(sources.LineStatus.CDR);
    expect(res.cdr).toMatchObject({
      user_id: 'sales',
      start_ms: 1793779200000,
      voice: {
        direction: 'FORWARDED',
        forwarded_from: '+33140000042',
        answer_ms: null,
        end_ms: 1793779200000,
        duration_s: 0,
        billable_s: 0,
        disposition: 'NO_ANSWER',
        sip_status: 480,
      },
    });
  });
});
