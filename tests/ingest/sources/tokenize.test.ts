/**
 * Splitting delimited lines (ingest/src/sources/tokenize.ts), through the CSV, TSV and
 * pipe-separated sources: the splitter keeps the delimiter of the last split as a character, so
 * files of different delimiters read in turn must each be split by their own.
 */
import { directoryOf, sources } from '@ratel/ingest';
import { accountBook, loadCatalog } from '@ratel/rater';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const catalog = loadCatalog();
const book = accountBook(
  [
    {
      id: 'fr',
      plan: 'fr-pro',
      activated: '2025-01-01',
      country: 'FR',
      time_zone: 'Europe/Paris',
      vat_country: 'FR',
      users: [{ id: 'desk', numbers: ['+33140000000-+33140000999'] }],
    },
  ],
  catalog,
);
const directory = directoryOf(book, 'test accounts');
const DELIMITERS = { csv: ',', tsv: '\t', psv: '|' } as const;

describe('splitLine: sources of different delimiters read in turn', () => {
  it('splits each line by its own source’s delimiter', () => {
    const mapping = sources.parseMapping(
      {
        id: { fields: ['id', 'note'] },
        caller: 'from',
        callee: 'to',
        start: { field: 'start', format: 'epoch_s' },
        billable: { field: 'secs', unit: 's' },
      },
      'm.json',
    );
    const formats = ['csv', 'tsv', 'psv'] as const;
    const open = formats.map((format) => {
      const s = sources.createSource({ format, mapping, accounts: book, directory });
      s.startFile(`t.${format}`);
      const res = sources.newLineResult();
      s.read(['id', 'from', 'to', 'start', 'secs', 'note'].join(DELIMITERS[format]), 1, res);
      return s;
    });
    // A note may hold the other formats' delimiters (not its own, and no quote).
    const note = fc.string({ maxLength: 12 }).filter((t) => !/["\r\n]/.test(t) && t.trim() === t);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), note, fc.integer({ min: 0, max: 999 })), { minLength: 1, maxLength: 12 }),
        (lines) => {
          for (const [f, text, n] of lines) {
            const format = formats[f] as (typeof formats)[number];
            const d = DELIMITERS[format];
            const res = sources.newLineResult();
            const cell = text
              .split(d)
              .join('')
              .replace(/^ +| +$/g, ''); // the splitter trims spaces around a field
            const line = [`c${n}`, `01400${String(n).padStart(5, '0')}`, '0612345678', '1793610000', String(n), cell].join(d);
            (open[f] as sources.CdrSource).read(line, 2, res);
            expect(res.status, `${format} ${JSON.stringify(line)}`).toBe(sources.LineStatus.CDR);
            expect(res.cdr?.id).toBe(`c${n}|${cell}`);
            expect(res.cdr?.voice?.billable_s).toBe(n);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
