/**
 * FreeSWITCH mod_json_cdr files (ingest/src/sources/freeswitch-json.ts): the fixtures (one
 * document a file as mod_json_cdr writes them, and JSON Lines), profiles refused naming their
 * key, and the profile's settings (encode-values off, both legs billed, other paths).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sources } from '@ratel/ingest';
import { afterAll, describe, expect, it } from 'vitest';
import { accounts, cases, directory, runCase } from './switch-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ratel-fs-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sourceOf = (profile: unknown) => {
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(profile));
  return sources.createSource({ format: 'freeswitch-json', mapping: file, accounts, directory });
};

/** A document of an answered call from sales to a French mobile, with `vars` added to its variables. */
const doc = (vars: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    variables: {
      uuid: 'u-1',
      start_uepoch: '1793693702000000',
      answer_uepoch: '1793693704000000',
      end_uepoch: '1793693764000000',
      billusec: '60000000',
      uduration: '62000000',
      hangup_cause: 'NORMAL_CLEARING',
      ...vars,
    },
    callflow: { caller_profile: { caller_id_number: '0140000042', destination_number: '0612345678' } },
    ...extra,
  });

describe('freeswitch-json', () => {
  for (const c of cases('freeswitch-json')) it(`${c.name}: ${c.expected.why.slice(0, 100)}…`, () => runCase(c));

  it.each([
    [{ legs: 'b' }, /at legs: /],
    [{ encode_values: 'yes' }, /at encode_values: /],
    [{ fields: { caller: [] } }, /at fields\.caller: /],
    [{ fields: { callee: 'variables.x' } }, /at fields\.callee: /],
    [{ template: 'x' }, /at \(top level\): .*template/],
  ])('refuses the profile %j naming the key', (profile, message) => {
    expect(() => sourceOf(profile)).toThrow(message);
  });

  it('encode_values false: a % in a variable is the character itself', () => {
    const res = sources.newLineResult();
    const coded = sourceOf({});
    coded.read(doc({ sip_call_id: '100%25@pbx' }), 1, res);
    expect(res.cdr?.voice?.sip_call_id).toBe('100%@pbx');
    const plain = sourceOf({ encode_values: false });
    plain.read(doc({ sip_call_id: '100%@pbx' }), 1, res);
    expect(res.cdr?.voice?.sip_call_id).toBe('100%@pbx');
  });

  it('legs "ab": a B leg is a call to bill too; otherwise it is filtered', () => {
    const res = sources.newLineResult();
    const bLeg = doc({ uuid: 'u-b', originating_leg_uuid: 'u-1' });
    sourceOf({}).read(bLeg, 1, res);
    expect([res.status, res.reason]).toEqual([sources.LineStatus.FILTERED, 'B_LEG (billed on its A leg)']);
    sourceOf({ legs: 'ab' }).read(bLeg, 1, res);
    expect([res.status, res.cdr?.id]).toEqual([sources.LineStatus.CDR, 'fs:u-b']);
  });

  it('fields: the directory reads the paths the profile names, first one set first', () => {
    const res = sources.newLineResult();
    const source = sourceOf({ fields: { caller: ['variables.effective_caller_id_number', 'callflow.caller_profile.caller_id_number'] } });
    source.read(doc({ effective_caller_id_number: '%2B33140000011' }), 1, res);
    expect(res.cdr).toMatchObject({ user_id: 'reception', voice: { caller: '+33140000011' } });
    source.read(doc(), 2, res);
    expect(res.cdr).toMatchObject({ user_id: 'sales', voice: { caller: '+33140000042' } });
  });

  it('an array of callflows (a tool that kept the repeated keys) reads as JSON.parse does: its last, the call as it came in', () => {
    const res = sources.newLineResult();
    const callflow = [
      { profile_index: '2', caller_profile: { caller_id_number: '0140000042', destination_number: '9001' } },
      { profile_index: '1', caller_profile: { caller_id_number: '0140000042', destination_number: '0612345679' } },
    ];
    sourceOf({}).read(doc({}, { callflow }), 1, res);
    expect(res.cdr?.voice?.callee).toBe('+33612345679');
  });

  it('a document without uuid gets an id from a hash of its line, the same on every read', () => {
    const res = sources.newLineResult();
    const line = doc({ uuid: '' });
    sourceOf({}).read(line, 1, res);
    const id = res.cdr?.id;
    expect(id).toMatch(/^fs:[0-9a-f]{32}$/);
    sourceOf({}).read(line, 9, res);
    expect(res.cdr?.id).toBe(id);
  });
});
