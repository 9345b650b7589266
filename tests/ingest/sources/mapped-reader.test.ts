/**
 * The mapped reader's per-line work (ingest/src/sources/mapping.ts): numbers are cleaned and read
 * in place in the line (a span, no substring), put in E.164 only for the CDR, and the CDR is built
 * once its subscriber is known. A number in a column must come out as the same number given as
 * a constant (read from a string of its own), and as e164() of it; ids of one field as of several.
 */
import { directoryOf, sources } from '@ratel/ingest';
import { type AccountEntry, accountBook, diallingOf, loadCatalog } from '@ratel/rater';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const catalog = loadCatalog();
const acct = (id: string, country: 'FR' | 'BE', users: AccountEntry['users']): AccountEntry => ({
  id,
  plan: country === 'FR' ? 'fr-pro' : 'be-unlimited-fixed',
  activated: '2025-01-01',
  country,
  time_zone: country === 'FR' ? 'Europe/Paris' : 'Europe/Brussels',
  vat_country: country,
  users,
});
const book = accountBook(
  [
    acct('fr', 'FR', [{ id: 'desk', numbers: ['+33140000000-+33140000999'] }]),
    acct('be', 'BE', [{ id: 'be-desk', numbers: ['021234567'] }]),
  ],
  catalog,
);
const directory = directoryOf(book, 'test accounts');

/** A source of `mapping` over a CSV with these columns; reads one line, returns the result. */
function reader(mapping: unknown) {
  const source = sources.createSource({ format: 'csv', mapping: sources.parseMapping(mapping, 'm.json'), accounts: book, directory });
  source.startFile('t.csv');
  const res = sources.newLineResult();
  source.read('id,from,to,start,secs', 1, res);
  return (cells: string[]) => {
    const quoted = cells.map((c) => (/[",]/.test(c) || c.startsWith(' ') ? `"${c.replace(/"/g, '""')}"` : c));
    source.read(quoted.join(','), 2, res);
    return { ...res, cdr: res.cdr ? structuredClone(res.cdr) : null };
  };
}

const timing = { start: { field: 'start', format: 'epoch_s' }, billable: { field: 'secs', unit: 's' } };
/** Numbers as SBCs write them: E.164, 00, national, short codes, with separators and SIP decorations. */
const number = fc
  .oneof(
    fc.integer({ min: 0, max: 999 }).map((n) => `01400${String(n).padStart(5, '0')}`),
    fc.integer({ min: 0, max: 999 }).map((n) => `+331400${String(n).padStart(5, '0')}`),
    fc.integer({ min: 0, max: 999 }).map((n) => `00331400${String(n).padStart(5, '0')}`),
    fc.constantFrom('021234567', '+3221234567', '0612345678', '+442071234567', '112', '15', 'anonymous', '', '0', '+'),
    fc.constantFrom(
      '01 40 00 00 42',
      '01.40.00.01.99',
      '(01) 40-00-00-42',
      'sip:0140000042@pbx;user=phone',
      'tel:+33140000042',
      '+33 1 40 00 00 42',
    ),
    fc.string({ maxLength: 14 }).filter((s) => !/[\r\n]/.test(s)),
  )
  .filter((s) => !s.startsWith(' ') && !s.endsWith(' ')); // a column's spaces around it are trimmed, a constant's are not

describe('MappedReader: numbers read in place', () => {
  it('reads a number in a column as the same number given as a constant, whatever its form', () => {
    const numbers = { strip_prefixes: ['sip:', 'tel:'] };
    fc.assert(
      fc.property(number, number, (from, to) => {
        const inColumns = reader({ id: { fields: ['id'] }, caller: 'from', callee: 'to', numbers, ...timing })([
          'c1',
          from,
          to,
          '1793610000',
          '30',
        ]);
        const asConstants = reader({
          id: { fields: ['id'] },
          caller: { value: from },
          callee: { value: to },
          numbers,
          ...timing,
        })(['c1', 'x', 'y', '1793610000', '30']);
        expect(inColumns).toEqual(asConstants);
      }),
      { numRuns: 400 },
    );
  });

  it("writes clean numbers as e164() does with the account's dialling rules, placed by the directory or by the mapping", () => {
    const clean = fc.oneof(
      fc.integer({ min: 0, max: 999 }).map((n) => `01400${String(n).padStart(5, '0')}`),
      fc.stringMatching(/^\+?\d{1,16}$/),
      fc.stringMatching(/^00\d{0,16}$/),
    );
    const byDirectory = reader({ id: { fields: ['id'] }, caller: 'from', callee: 'to', ...timing });
    const byMapping = reader({
      id: { fields: ['id'] },
      account: { value: 'be' },
      user: { value: 'be-desk' },
      caller: 'from',
      callee: 'to',
      ...timing,
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), clean, (n, to) => {
        const from = `01400${String(n).padStart(5, '0')}`;
        const a = byDirectory(['c1', from, to, '1793610000', '30']);
        expect(a.cdr?.account_id).toBe('fr');
        expect(a.cdr?.voice?.caller).toBe(sources.e164(from, diallingOf('FR')));
        expect(a.cdr?.voice?.callee).toBe(sources.e164(to, diallingOf('FR')));
        const b = byMapping(['c1', from, to, '1793610000', '30']);
        expect(b.cdr?.voice?.caller).toBe(sources.e164(from, diallingOf('BE')));
        expect(b.cdr?.voice?.callee).toBe(sources.e164(to, diallingOf('BE')));
      }),
      { numRuns: 400 },
    );
  });

  it('writes digits of any length after any prefix as e164() does, for countries with other trunk and international prefixes', () => {
    for (const country of ['FR', 'US', 'RU', 'IT', 'HU']) {
      const read = reader({
        id: { fields: ['id'] },
        account: { value: 'fr' },
        user: { value: 'desk' },
        caller: 'from',
        callee: 'to',
        numbers: { country },
        ...timing,
      });
      for (const prefix of ['', '0', '00', '06', '1', '011', '8', '810', '+'])
        for (let n = 0; n <= 17; n++)
          for (const first of ['0', '1', '7']) {
            const raw = `${prefix}${`${first}23456789012345678`.slice(0, n)}`;
            const got = read(['c1', raw, '0612345678', '1793610000', '30']);
            expect(got.cdr?.voice?.caller, `${country} ${raw}`).toBe(sources.e164(raw, diallingOf(country)));
          }
    }
  });

  it('cuts a number at a cut_at character, digits too', () => {
    const read = reader({ id: { fields: ['id'] }, caller: 'from', callee: 'to', numbers: { cut_at: '9#' }, ...timing });
    const got = read(['c1', '01400001239', '06123#45678', '1793610000', '30']);
    expect(got.cdr?.voice?.caller).toBe('+33140000123');
    expect(got.cdr?.voice?.callee).toBe('06123'); // too short for a national number: as cleaned
    expect(read(['c1', '9140000001', '0612345678', '1793610000', '30'])).toMatchObject({ code: 'SUBSCRIBER_UNKNOWN' });
  });

  it('names the numbers as the file gives them (cleaned) when no subscriber has them', () => {
    const read = reader({ id: { fields: ['id'] }, caller: 'from', callee: 'to', numbers: { strip_prefixes: ['sip:'] }, ...timing });
    expect(read(['c1', 'sip:0699999999@x', '06 12 34 56 78', '1793610000', '30'])).toMatchObject({
      code: 'SUBSCRIBER_UNKNOWN',
      reason: 'no subscriber has caller 0699999999, callee 0612345678',
    });
  });

  it('strips the first prefix that matches, whatever its first character, and none longer than the number', () => {
    const read = reader({
      id: { fields: ['id'] },
      caller: 'from',
      callee: 'to',
      numbers: { strip_prefixes: ['№', 'sips:', 'sip:', '0140000001999'] },
      ...timing,
    });
    const callee = (to: string) => read(['c1', '0140000001', to, '1793610000', '30']).cdr?.voice?.callee;
    expect(callee('№0612345678')).toBe('+33612345678');
    expect(callee('sip:0612345678')).toBe('+33612345678');
    expect(callee('sips:0612345678')).toBe('+33612345678');
    expect(callee('sipx0612345678')).toBe('sipx0612345678');
    expect(callee('0140000001')).toBe('+33140000001'); // the longer prefix does not fit
    expect(callee('01400000019990612345678')).toBe('+33612345678');
  });
});

describe('MappedReader: times', () => {
  const read = (answer: unknown) =>
    reader({
      id: { fields: ['id'] },
      caller: 'from',
      callee: 'to',
      start: { field: 'start', format: 'local', zone: 'Europe/Paris' },
      answer,
      billable: { field: 'secs', unit: 's' },
    })(['c1', '0140000001', '0612345678', '2026-11-02 10:00:00', '30']).cdr;
  it('reads an answer of the start column as the start when read alike, else with its own format, zone or layout', () => {
    const start = Date.UTC(2026, 10, 2, 9);
    expect(read({ field: 'start', format: 'local', zone: 'Europe/Paris' })).toMatchObject({ start_ms: start, voice: { answer_ms: start } });
    expect(read({ field: 'start', format: 'local', zone: 'UTC' })?.voice?.answer_ms).toBe(start + 3_600_000);
    expect(read({ field: 'start', format: 'local', zone: 'Europe/Paris', layout: 'YYYY-MM-DD HH:mm:ss' })?.voice?.answer_ms).toBe(start);
    expect(read({ field: 'start', format: 'iso' })).toBeNull(); // no offset: not a time of format iso
  });
});

describe('MappedReader: ids', () => {
  it('builds the id of one field as of several, and hashes one longer than 200 characters with its prefix', () => {
    const one = reader({ id: { fields: ['id'], prefix: 'sbc:' }, caller: 'from', callee: 'to', ...timing });
    const two = reader({ id: { fields: ['id', 'secs'], prefix: 'sbc:' }, caller: 'from', callee: 'to', ...timing });
    const row = (id: string) => [id, '0140000001', '0612345678', '1793610000', '30'];
    expect(one(row('c1')).cdr?.id).toBe('sbc:c1');
    expect(two(row('c1')).cdr?.id).toBe('sbc:c1|30');
    const fits = 'x'.repeat(196);
    expect(one(row(fits)).cdr?.id).toBe(`sbc:${fits}`);
    const long = 'x'.repeat(197);
    expect(one(row(long)).cdr?.id).toBe(`sbc:${sources.hash128(`sbc:${long}`)}`);
    expect(two(row(long)).cdr?.id).toBe(`sbc:${sources.hash128(`sbc:${long}|30`)}`);
    expect(one(row(''))).toMatchObject({ status: sources.LineStatus.REJECTED, reason: 'empty id' });
  });

  it('builds the id of fields that follow each other in the line as of any others, in CSV and pipe-separated files', () => {
    const cell = fc.string({ maxLength: 70 }).filter((c) => !/[\r\n|,]/.test(c) && c.trim() === c);
    const columns = ['a', 'b', 'c', 'd'];
    fc.assert(
      fc.property(
        fc.constantFrom(',', '|'),
        fc.array(fc.constantFrom(...columns), { minLength: 1, maxLength: 5 }),
        fc.array(cell, { minLength: 4, maxLength: 4 }),
        fc.constantFrom('', 'kam:'),
        (delimiter, fields, cells, prefix) => {
          const source = sources.createSource({
            format: delimiter === ',' ? 'csv' : 'psv',
            mapping: sources.parseMapping({ id: { fields, prefix }, caller: 'from', callee: 'to', ...timing }, 'm.json'),
            accounts: book,
            directory,
          });
          source.startFile('t');
          const res = sources.newLineResult();
          source.read(['a', 'b', 'c', 'd', 'from', 'to', 'start', 'secs'].join(delimiter), 1, res);
          const quoted = cells.map((c) => (c.includes('"') ? `"${c.replace(/"/g, '""')}"` : c));
          source.read([...quoted, '0140000001', '0612345678', '1793610000', '30'].join(delimiter), 2, res);
          const joined = prefix + fields.map((f) => cells[columns.indexOf(f)]).join('|');
          const want = joined.length <= 200 ? joined : prefix + sources.hash128(joined);
          if (want === prefix) expect(res).toMatchObject({ reason: 'empty id' });
          else expect(res.cdr?.id).toBe(want);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('MappedReader: slots given by the source', () => {
  it('reads a row laid out by the source (slotOf, columns in any order, unused slots between) as the plain row', () => {
    const mapping = sources.parseMapping({ id: { fields: ['id', 'to'], prefix: 'x:' }, caller: 'from', callee: 'to', ...timing }, 'm.json');
    const names = ['id', 'from', 'to', 'start', 'secs'];
    // The source's own layout: the values backwards, every other slot unused.
    const at = (c: string | number) => 2 * (names.length - 1 - names.indexOf(String(c)));
    const given = new sources.MappedReader(mapping, directory, book, at);
    const plain = reader({ id: { fields: ['id', 'to'], prefix: 'x:' }, caller: 'from', callee: 'to', ...timing });
    fc.assert(
      fc.property(number, number, fc.integer({ min: 0, max: 4000 }), (from, to, secs) => {
        const cells = ['c1', from, to, '1793610000', String(secs)];
        const line = cells.join(' ');
        const row = {
          src: new Array(2 * names.length).fill('?'),
          beg: new Int32Array(2 * names.length),
          fin: new Int32Array(2 * names.length),
        };
        let pos = 0;
        cells.forEach((c, k) => {
          const slot = at(names[k] as string);
          row.src[slot] = line;
          row.beg[slot] = pos;
          row.fin[slot] = pos + c.length;
          pos += c.length + 1;
        });
        const res = sources.newLineResult();
        given.read(row, line, res);
        const want = plain(cells);
        expect(res.status).toBe(want.status);
        expect(res.cdr).toEqual(want.cdr);
        if (want.status === sources.LineStatus.REJECTED) expect([res.code, res.reason]).toEqual([want.code, want.reason]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('DelimitedSource: blank lines', () => {
  it('skips lines of white space only, and reads a line that starts with a space', () => {
    const source = sources.createSource({
      format: 'csv',
      mapping: sources.parseMapping({ id: { fields: ['id'] }, caller: 'from', callee: 'to', ...timing }, 'm.json'),
      accounts: book,
      directory,
    });
    source.startFile('t.csv');
    const res = sources.newLineResult();
    source.read('id,from,to,start,secs', 1, res);
    for (const blank of ['', ' ', '\t', ' \u00a0 ', '\ufeff']) {
      source.read(blank, 2, res);
      expect(res.status, JSON.stringify(blank)).toBe(sources.LineStatus.SKIPPED);
    }
    source.read(' c1,0140000001,0612345678,1793610000,30', 3, res);
    expect(res.status).toBe(sources.LineStatus.CDR);
    expect(res.cdr?.id).toBe('c1');
  });
});
