/** examples/switches/: the switch CDR files import as its README says (CDRs, filtered reasons, dead letters, billed seconds). */
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

/** What the files of `path` (a file or a folder) become: billed seconds by user, filtered reasons, rejected codes. */
function outcome(path: string, format: sources.FormatName, mapping?: string) {
  const full = join(EX, path);
  const files = path.endsWith('/') ? readdirSync(full).map((f) => join(full, f)) : [full];
  const got = files.flatMap((f) =>
    readAll(sources.createSource({ format, mapping: mapping && join(EX, mapping), accounts, directory }), f, readFileSync(f)),
  );
  return {
    billed: got.flatMap((g) =>
      'cdr' in g ? [`${(g.cdr as Cdr).user_id} ${(g.cdr as Cdr).voice?.direction} ${(g.cdr as Cdr).voice?.billable_s}`] : [],
    ),
    filtered: got.flatMap((g) => ('filtered' in g ? [g.filtered] : [])),
    rejected: got.flatMap((g) => ('rejected' in g ? [`${g.line} ${g.rejected}`] : [])),
  };
}

describe('examples/switches', () => {
  it('freeswitch/Master.csv', () => {
    expect(outcome('freeswitch/Master.csv', 'freeswitch-csv')).toEqual({
      billed: ['acme-fr-sales OUTBOUND 125', 'acme-fr-reception INBOUND 300', 'acme-fr-reception OUTBOUND 601'],
      filtered: ['BUSY (USER_BUSY)', 'CANCELLED (ORIGINATOR_CANCEL)'],
      rejected: ['6 CDR_MALFORMED'],
    });
  });

  it('freeswitch/json_cdr/', () => {
    expect(outcome('freeswitch/json_cdr/', 'freeswitch-json')).toEqual({
      billed: ['acme-fr-sales OUTBOUND 61'],
      filtered: ['NO_ANSWER (NO_ANSWER)'],
      rejected: [],
    });
  });

  it('asterisk/Master.csv', () => {
    expect(outcome('asterisk/Master.csv', 'asterisk-csv')).toEqual({
      billed: ['acme-fr-sales OUTBOUND 125', 'acme-fr-reception INBOUND 300'],
      filtered: ['BUSY (BUSY)', 'NO_ANSWER (NO ANSWER)', 'FAILED (CONGESTION)'],
      rejected: ['6 SUBSCRIBER_UNKNOWN'],
    });
  });

  it('asterisk/cdr-custom/Master.csv', () => {
    expect(outcome('asterisk/cdr-custom/Master.csv', 'asterisk-custom', 'asterisk/custom.profile.json')).toEqual({
      billed: ['acme-fr-sales OUTBOUND 241'],
      filtered: ['CANCELLED (CANCEL)'],
      rejected: [],
    });
  });
});
