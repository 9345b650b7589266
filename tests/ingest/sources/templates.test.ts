/** Switch record templates (ingest/src/sources/templates.ts): FreeSWITCH `${var}` templates and Asterisk cdr_custom mappings. */
import { sources } from '@ratel/ingest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('FreeSWITCH templates', () => {
  it('compiles the example template into its 15 variables and the literals between them', () => {
    const t = sources.compileFsTemplate(sources.EXAMPLE_TEMPLATE);
    if (typeof t === 'string') throw new Error(t);
    expect(t.vars).toEqual([
      'caller_id_name',
      'caller_id_number',
      'destination_number',
      'context',
      'start_stamp',
      'answer_stamp',
      'end_stamp',
      'duration',
      'billsec',
      'hangup_cause',
      'uuid',
      'bleg_uuid',
      'accountcode',
      'read_codec',
      'write_codec',
    ]);
    expect(t.literals).toEqual(['"', ...Array(14).fill('","'), '"']);
  });

  it('a variable holding ${...} of its own (an expression) is one variable', () => {
    const t = sources.compileFsTemplate('${uuid};${expr(${billsec}*2)};${caller_id_number}');
    expect(typeof t === 'string' ? t : t.vars).toEqual(['uuid', 'expr(${billsec}*2)', 'caller_id_number']);
  });

  it('any values that do not run into the separator are found again where the template put them', () => {
    const t = sources.compileFsTemplate(sources.EXAMPLE_TEMPLATE);
    if (typeof t === 'string') throw new Error(t);
    const scanner = new sources.TemplateScanner(t);
    fc.assert(
      fc.property(
        fc.array(
          // mod_cdr_csv does not escape: a value whose text and the separator after it hold the
          // separator sooner (`a","b`, or `x",` then `","`) cannot be told apart from two values.
          fc
            .oneof(fc.string({ maxLength: 12 }), fc.constantFrom('"', '",', ',"', 'Bob "the" Boss', '""', ','))
            .filter((s) => `${s}","`.indexOf('","') === s.length),
          { minLength: 15, maxLength: 15 },
        ),
        (values) => {
          const line = `"${values.join('","')}"`;
          expect(scanner.scan(line), scanner.error).toBe(true);
          expect(values.map((_, k) => line.slice(scanner.starts[k], scanner.ends[k]))).toEqual(values);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('Asterisk cdr_custom mappings', () => {
  it('reads the sample mapping line: its file name left out, CSV_QUOTE and bare columns, CDR() options', () => {
    const m = sources.compileCustomMapping(
      'Master.csv => ${CSV_QUOTE(${CDR(clid)})},${CSV_QUOTE(${CDR(billsec,f)})},${CDR(sequence)},"${CDR(Src)}",${EPOCH},literal',
    );
    expect(m).toEqual({
      separator: ',',
      columns: [
        { field: 'clid', options: '' },
        { field: 'billsec', options: 'f' },
        { field: 'sequence', options: '' },
        { field: 'src', options: '' },
        { field: null, options: '' },
        { field: null, options: '' },
      ],
    });
  });

  it('the separator is the first of , ; | tab : between fields, not one inside ${...}', () => {
    const m = sources.compileCustomMapping('${CDR(start,u)};${CDR(billsec,f)};${CDR(src)}');
    expect(typeof m === 'string' ? m : [m.separator, m.columns.length]).toEqual([';', 3]);
    const tab = sources.compileCustomMapping('${CDR(start)}\t${CDR(src)}');
    expect(typeof tab === 'string' ? tab : tab.separator).toBe('\t');
  });
});
