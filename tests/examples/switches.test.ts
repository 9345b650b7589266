/** examples/switches/: the switch CDR files import as its README says (calls with their disposition and billed seconds, filtered reasons, dead letters). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { directoryOf, sources } from '@ratel/ingest';
import { loadAccounts, loadCatalog } from '@ratel/rater';
import type { Cdr } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';
import { readAll } from '../ingest/sources/switch-fixtures.js';

const EX = join(import.meta.dirname, '../../examples/switches');
const accounts = loadAccounts(join(EX, 'accounts.json'), loadCatalog());
const directory = directoryOf(accounts, 'examples/switches/accounts.json');

/** What the files of `path` (a file or a folder) become: calls (user, direction, billed seconds, disposition and SIP status), filtered reasons, rejected codes. */
function outcome(path: string, format: sources.FormatName, mapping?: string) {
  const full = join(EX, path);
  const files = path.endsWith('/') ? readdirSync(full).map((f) => join(full, f)) : [full];
  const got = files.flatMap((f) =>
    readAll(sources.createSource({ format, mapping: mapping && join(EX, mapping), accounts, directory }), f, readFileSync(f)),
  );
  return {
    calls: got.flatMap((g) => {
      if (!('cdr' in g)) return [];
      const c = g.cdr as Cdr;
      const v = c.voice as NonNullable<Cdr['voice']>;
      return [`${c.user_id} ${v.direction} ${v.billable_s} ${v.disposition} ${v.sip_status}`];
    }),
    filtered: got.flatMap((g) => ('filtered' in g ? [g.filtered] : [])),
    rejected: got.flatMap((g) => ('rejected' in g ? [`${g.line} ${g.rejected}`] : [])),
  };
}

describe('examples/switches', () => {
  it('freeswitch/Master.csv', () => {
    expect(outcome('freeswitch/Master.csv', 'freeswitch-csv')).toEqual({
      calls: [
        'acme-fr-sales OUTBOUND 125 ANSWERED 200',
        'acme-fr-reception INBOUND 300 ANSWERED 200',
        'acme-fr-reception OUTBOUND 601 ANSWERED 200',
        'acme-fr-sales OUTBOUND 0 BUSY 486',
        'acme-fr-reception OUTBOUND 0 CANCELLED 487',
      ],
      filtered: [],
      rejected: ['6 CDR_MALFORMED'],
    });
  });

  it('freeswitch/json_cdr/', () => {
    expect(outcome('freeswitch/json_cdr/', 'freeswitch-json')).toEqual({
      calls: ['acme-fr-sales OUTBOUND 61 ANSWERED 200', 'acme-fr-sales INBOUND 0 NO_ANSWER 480'],
      filtered: [],
      rejected: [],
    });
  });

  it('asterisk/Master.csv', () => {
    expect(outcome('asterisk/Master.csv', 'asterisk-csv')).toEqual({
      calls: [
        'acme-fr-sales OUTBOUND 125 ANSWERED 200',
        'acme-fr-reception INBOUND 300 ANSWERED 200',
        'acme-fr-sales OUTBOUND 0 BUSY 486',
        'acme-fr-sales OUTBOUND 0 NO_ANSWER 480',
        'acme-fr-reception OUTBOUND 0 FAILED 503',
      ],
      filtered: [],
      rejected: ['6 SUBSCRIBER_UNKNOWN'],
    });
  });

  it('asterisk/cdr-custom/Master.csv', () => {
    expect(outcome('asterisk/cdr-custom/Master.csv', 'asterisk-custom', 'asterisk/custom.profile.json')).toEqual({
      calls: ['acme-fr-sales OUTBOUND 241 ANSWERED 200', 'acme-fr-sales OUTBOUND 0 CANCELLED 487'],
      filtered: [],
      rejected: [],
    });
  });
});
