/**
 * FreeSWITCH mod_cdr_csv files (ingest/src/sources/freeswitch-csv.ts): the fixtures (the example
 * template, a template of the profile, the account's zone over changes of clocks, a zone of the
 * profile), and profiles that are refused naming their key.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sources } from '@ratel/ingest';
import { afterAll, describe, expect, it } from 'vitest';
import { accounts, cases, directory, runCase } from './switch-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ratel-fs-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The error of a profile written to p.json, or 'no error'. */
function errorOf(profile: unknown): string {
  const file = join(dir, 'p.json');
  writeFileSync(file, typeof profile === 'string' ? profile : JSON.stringify(profile));
  try {
    sources.createSource({ format: 'freeswitch-csv', mapping: file, accounts, directory });
  } catch (e) {
    return `${(e as { code?: string }).code} ${(e as Error).message}`;
  }
  return 'no error';
}

describe('freeswitch-csv', () => {
  for (const c of cases('freeswitch-csv')) it(`${c.name}: ${c.expected.why.slice(0, 100)}…`, () => runCase(c));

  it.each([
    ['{ not json', /CONFIG_INVALID config profile .*p\.json: not a JSON file/],
    [
      { template: '"${caller_id_number}","${destination_number}","${start_stamp}"' },
      /p\.json at template: the template has no billable time \(\$\{billusec\}, \$\{billmsec\}, \$\{billsec\}\)/,
    ],
    [{ template: '"${caller_id_number}","${destination_number}","${billsec}"' }, /at template: the template has no start time/],
    [
      { template: '"${destination_number}","${start_epoch}","${billsec}"' },
      /at template: the template has no \$\{caller_id_number\} \(or name the caller in fields\.caller\)/,
    ],
    [
      { template: '"${caller_id_number}","${destination_number}","${start_epoch}","${billsec"' },
      /at template: "\$\{" at character 65 is not closed/,
    ],
    [
      { template: '${caller_id_number}${destination_number},${start_epoch},${billsec}' },
      /at template: \$\{caller_id_number\} and \$\{destination_number\} have nothing between them/,
    ],
    [{ template: 'no variables' }, /at template: the template has no \$\{variable\}/],
    [{ template: '"${caller_id_number}"\n"${destination_number}"' }, /at template: a template is one line/],
    [{ fields: { caller: 'effective_caller_id_number' } }, /at fields\.caller: the template has no \$\{effective_caller_id_number\}/],
    [{ time_zone: 'Mars/Olympus' }, /at time_zone: an IANA time zone/],
    [{ legs: 'ab' }, /at \(top level\): .*legs/],
    [{ numbers: { country: 'France' } }, /at numbers\.country: an ISO 3166-1 alpha-2 country code/],
  ])('refuses the profile %j naming the key', (profile, message) => {
    expect(errorOf(profile)).toMatch(message);
  });

  it('reads a template written as in cdr_csv.conf.xml: XML entities, the line break mod_cdr_csv appends', () => {
    const file = join(dir, 'xml.json');
    writeFileSync(
      file,
      JSON.stringify({
        template:
          '&quot;${uuid}&quot;,&quot;${caller_id_number}&quot;,&quot;${destination_number}&quot;,&quot;${start_epoch}&quot;,&quot;${billsec}&quot;\n',
      }),
    );
    const source = sources.createSource({ format: 'freeswitch-csv', mapping: file, accounts, directory });
    const res = sources.newLineResult();
    source.read('"u-1","0140000042","0612345678","1793693702","125"', 1, res);
    expect(res.status, res.reason).toBe(sources.LineStatus.CDR);
    expect(res.cdr).toMatchObject({ id: 'fs:u-1', user_id: 'sales', start_ms: 1793693702000, voice: { billable_s: 125 } });
  });

  it('a line that is not of the template is rejected, saying where it differs', () => {
    const source = sources.createSource({ format: 'freeswitch-csv', accounts, directory });
    const res = sources.newLineResult();
    source.read('Sales,0140000042,0612345678', 1, res);
    expect([res.status, res.reason]).toEqual([sources.LineStatus.REJECTED, `the line does not begin with the template's '"'`]);
    source.read('"Sales","0140000042"', 2, res);
    expect(res.reason).toBe(`only 2 of the template's 15 fields (no '","' after \${caller_id_number})`);
  });
});
