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

  describe('what became of a call: the disposition from hangup_cause, the SIP status from sip_term_status or the cause', () => {
    const file = join(dir, 'outcome.json');
    writeFileSync(
      file,
      JSON.stringify({
        template:
          '${uuid},${caller_id_number},${destination_number},${start_epoch},${answer_epoch},${billsec},${duration},${hangup_cause},${sip_term_status}',
      }),
    );
    const source = sources.createSource({ format: 'freeswitch-csv', mapping: file, accounts, directory });
    // sales calls a French mobile at 1793693702 (08:15:02Z), rings 7 s; answered: at 1793693709.
    const line = (answer: string, billsec: string, cause: string, status: string) =>
      `u,0140000042,0612345678,1793693702,${answer},${billsec},7,${cause},${status}`;
    it.each([
      ['', '0', 'USER_BUSY', '', 'BUSY', 486, 'the status USER_BUSY stands for'],
      ['', '0', 'USER_BUSY', '600', 'BUSY', 600, "the switch's own status first (600 Busy Everywhere)"],
      ['', '0', 'CALL_REJECTED', '', 'NO_ANSWER', 603, 'declined'],
      ['', '0', 'NO_USER_RESPONSE', '', 'NO_ANSWER', 408, 'no provisional answer'],
      ['', '0', 'RECOVERY_ON_TIMER_EXPIRE', '', 'FAILED', 504, 'a timer expired'],
      ['', '0', 'NORMAL_TEMPORARY_FAILURE', '', 'FAILED', 503, 'a failure of the network'],
      ['0', '0', 'LOSE_RACE', '', 'CANCELLED', 487, 'answered elsewhere (a ring group): cancelled here'],
      ['', '0', 'MEDIA_TIMEOUT', '', 'FAILED', 480, 'a cause mod_sofia answers 480 for'],
      ['', '0', 'NO_ANSWER', '200', 'NO_ANSWER', 480, 'a 2xx is no status of a call not answered: the cause says it'],
      ['', '0', '', '', 'NO_ANSWER', 480, 'neither cause nor status: not answered'],
      ['', '0', '', '404', 'FAILED', 404, 'no cause: the status says what became of it'],
      ['', '0', '', '486', 'BUSY', 486, 'no cause: the status says busy'],
      ['1793693709', '0', 'NORMAL_CLEARING', '', 'ANSWERED', 200, 'answered for 0 s'],
      ['1793693709', '5', 'NORMAL_CLEARING', 'x', 'ANSWERED', 200, 'answered: sip_term_status is not read'],
    ] as const)('answer %j, billsec %s, %j, sip_term_status %j: %s %i (%s)', (answer, billsec, cause, status, disposition, sip, _why) => {
      const res = sources.newLineResult();
      source.read(line(answer, billsec, cause, status), 1, res);
      expect(res.status, res.reason).toBe(sources.LineStatus.CDR);
      const answered = disposition === 'ANSWERED';
      expect(res.cdr).toMatchObject({
        id: 'fs:u',
        user_id: 'sales',
        voice: {
          direction: 'OUTBOUND',
          disposition,
          sip_status: sip,
          billable_s: Number(billsec),
          duration_s: 7,
          end_ms: 1793693709000,
          // The end is the start plus its 7 s (no end in the template); the answer is answer_epoch's.
          answer_ms: answered ? 1793693709000 : null,
        },
      });
    });

    it('a sip_term_status of a call not answered that is no SIP status code: the line is rejected', () => {
      const res = sources.newLineResult();
      for (const bad of ['48', '4860', '099', '700', 'busy']) {
        source.read(line('', '0', 'USER_BUSY', bad), 1, res);
        expect([res.status, res.reason]).toEqual([sources.LineStatus.REJECTED, `sip_term_status: "${bad}" is not a SIP status code`]);
      }
    });
  });
});
