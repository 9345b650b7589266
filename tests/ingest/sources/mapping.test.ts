/** Mapping files (ingest/src/sources/mapping.ts): a mistake is CONFIG_INVALID naming the file and the key; headers are checked. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sources } from '@ratel/ingest';
import { accountBook, loadCatalog } from '@ratel/rater';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'ratel-mapping-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const book = accountBook([], loadCatalog());
const ok = {
  caller: 'a',
  callee: 'b',
  start: { field: 's', format: 'epoch_s' },
  billable: { field: 'd', unit: 's' },
};

/** The error of loading `mapping` from a file named m.json. */
function errorOf(mapping: unknown): string {
  const file = join(dir, 'm.json');
  writeFileSync(file, typeof mapping === 'string' ? mapping : JSON.stringify(mapping));
  try {
    sources.loadMapping(file);
  } catch (e) {
    return `${(e as { code?: string }).code} ${(e as Error).message}`;
  }
  return 'no error';
}

describe('mapping files', () => {
  it('accepts a minimal mapping and applies the defaults', () => {
    const m = sources.parseMapping(ok, 'm.json');
    expect(m.header).toBe(true);
    expect(m.numbers).toEqual({ strip_prefixes: [], cut_at: '@;' });
    expect(m.filters).toEqual([]);
  });

  it.each([
    ['{ not json', 'at', /CONFIG_INVALID config mapping .*m\.json: not a JSON file/],
    [{ ...ok, start: undefined }, 'start', /m\.json at start: /],
    [{ ...ok, start: { field: 's', format: 'local' } }, 'start.zone', /at start\.zone: format "local" needs a zone/],
    [
      { ...ok, start: { field: 's', format: 'local', zone: 'Mars/Olympus' } },
      'start.zone',
      /at start\.zone: unknown time zone "Mars\/Olympus"/,
    ],
    [
      { ...ok, start: { field: 's', format: 'local', zone: 'Europe/Paris', layout: 'DD/MM HH:mm' } },
      'start.layout',
      /at start\.layout: the layout has no YYYY/,
    ],
    [{ ...ok, start: { field: 's', format: 'epoch_ns' } }, 'start.format', /at start\.format: /],
    [{ ...ok, billable: { field: 'd', unit: 'min' } }, 'billable', /at billable/],
    [{ ...ok, billable: undefined }, 'billable', /at billable: voice records need their billable time/],
    [{ ...ok, billable: { from: 'answer', to: 'end' } }, 'billable', /at billable: "answer" to "end" needs/],
    [{ ...ok, account: 'acct' }, 'user', /at user: account and user go together/],
    [{ ...ok, numbers: { country: 'XX' } }, 'numbers.country', /at numbers\.country: no dialling rules/],
    [{ ...ok, filters: [{ field: 'x' }] }, 'filters.0', /at filters\.0: a filter has exactly one of "in" and "not_in"/],
    [{ ...ok, colour: 'blue' }, '(top level)', /at \(top level\): .*colour/],
    [{ ...ok, delimiter: ';;' }, 'delimiter', /at delimiter: /],
  ])('refuses %j naming the key %s', (mapping, _key, message) => {
    expect(errorOf(mapping)).toMatch(message);
  });

  it('refuses a header without a column the mapping reads, naming the file and the columns it has', () => {
    const source = sources.createSource({ format: 'csv', mapping: sources.parseMapping(ok, 'm.json'), accounts: book, directory: null });
    source.startFile('calls.csv');
    const res = sources.newLineResult();
    expect(() => source.read('a,b,s,duration', 1, res)).toThrow(
      /calls\.csv: the mapping reads column "d", which the header line does not have \(it has "a", "b", "s", "duration"\)/,
    );
  });

  it('refuses named columns without a header and numbered fields in JSON Lines', () => {
    const named = sources.parseMapping({ ...ok, header: false }, 'm.json');
    const csv = sources.createSource({ format: 'csv', mapping: named, accounts: book, directory: null });
    expect(() => csv.startFile('x.csv')).toThrow(/column "a" is named, but the mapping has "header": false/);
    const numbered = sources.parseMapping({ ...ok, caller: 1 }, 'm.json');
    expect(() =>
      sources.createSource({ format: 'jsonl', mapping: numbered, mappingName: 'm.json', accounts: book, directory: null }),
    ).toThrow(/mapping m\.json: JSON Lines fields are named, not numbered \(column 1\)/);
  });

  it("needs a mapping for the generic formats and refuses one for ratel's own", () => {
    expect(() => sources.createSource({ format: 'csv', accounts: book, directory: null })).toThrow(/--format csv needs --mapping FILE/);
    expect(() => sources.createSource({ format: 'ratel-csv', mapping: 'x.json', accounts: book, directory: null })).toThrow(
      /takes no --mapping/,
    );
  });

  it('reads local times by layout, and ISO-like local times with their offset when they carry one', () => {
    const m = sources.parseMapping(
      {
        account: { value: 'a' },
        user: { value: 'u' },
        callee: 'b',
        start: { field: 's', format: 'local', zone: 'America/New_York', layout: 'MM/DD/YYYY HH:mm:ss.SSS' },
        end: { field: 'e', format: 'local', zone: 'Europe/Paris' },
        billable: { from: 'start', to: 'end' },
      },
      'm.json',
    );
    const source = sources.createSource({ format: 'csv', mapping: m, accounts: book, directory: null });
    source.startFile('x.csv');
    const res = sources.newLineResult();
    source.read('b,s,e', 1, res);
    // 8 March 2026 is the US spring change: 03:30 EDT (-4) is 07:30Z; 09:31:00+01:00 is 08:31Z.
    source.read('0612345678,03/08/2026 03:30:00.250,2026-03-08T08:31:00.250+00:00', 2, res);
    expect(res.status).toBe(sources.LineStatus.CDR);
    expect(res.cdr?.start_ms).toBe(Date.UTC(2026, 2, 8, 7, 30, 0, 250));
    expect(res.cdr?.voice?.billable_s).toBe(3660);
    source.read('0612345678,13/08/2026 03:30:00.250,2026-03-08T08:31:00Z', 3, res);
    expect(res).toMatchObject({ status: sources.LineStatus.REJECTED, reason: 'start: not a time of format local' });
  });

  it('a line the filters leave out is FILTERED with the first filter it fails as its reason (the importer counts lines by it)', () => {
    const mapping = sources.parseMapping(
      {
        ...ok,
        account: { value: 'acct' },
        user: { value: 'u' },
        filters: [
          { field: 'leg', in: ['A'] },
          { field: 'code', not_in: ['486'] },
        ],
      },
      'm.json',
    );
    const source = sources.createSource({ format: 'csv', mapping, accounts: book, directory: null });
    source.startFile('calls.csv');
    const res = sources.newLineResult();
    source.read('a,b,s,d,leg,code', 1, res);
    const reasons = ['x,y,1793610000,30,B,200', 'x,y,1793610000,0,A,486', 'x,y,1793610000,30,A,200'].map((line, k) => {
      source.read(line, k + 2, res);
      return res.status === sources.LineStatus.FILTERED ? res.reason : res.status;
    });
    expect(reasons).toEqual(['filter on "leg"', 'filter on "code"', sources.LineStatus.CDR]);
  });
});
