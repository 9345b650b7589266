/** The Kamailio example of examples/cdrs/README.md: what its README says each record becomes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '@ratel/aggregator';
import { type Config, importFiles } from '@ratel/ingest';
import { loadAccounts, loadCatalog } from '@ratel/rater';
import { describe, expect, it } from 'vitest';
import { embeddedStore } from '../embedded-store.js';

const EX = join(import.meta.dirname, '../../examples/cdrs');
const dir = embeddedStore('ratel-kamailio-example-', (c, s) => {
  cfg = c;
  store = s;
});
const catalog = loadCatalog();
const accounts = loadAccounts(join(EX, 'accounts.json'), catalog);
let cfg: Config;
let store: Store;

const run = (file: string, format: 'kamailio' | 'kamailio-acc', dead: string) =>
  importFiles(
    cfg,
    {
      paths: [join(EX, 'kamailio', file)],
      format,
      mapping: join(EX, 'kamailio', 'kamailio.profile.json'),
      to: 'store',
      deadLetterFile: dead,
      progress: false,
      now: () => Date.parse('2026-12-01T00:00:00Z'),
    },
    { catalog, accounts, accountsFile: 'accounts.json', store, print: () => {} },
  );

describe('the Kamailio example', () => {
  it('rates the dialog CDRs as its README says, then the per-transaction records bill nothing twice', async () => {
    const dead = join(dir, 'dead.jsonl');
    const r = await run('acc_cdrs.txt', 'kamailio', dead);
    expect(r.files[0]).toMatchObject({ cdrs: 5, rejected: { SUBSCRIBER_UNKNOWN: 1 }, unanswered: { 'BUSY 486': 1, 'CANCELLED 487': 1 } });
    const rows = await store.query<{ cdr_id: string; user_id: string; direction: string; quantity: number; cost_micros: number }>(
      'SELECT cdr_id, user_id, direction, quantity, cost_micros FROM rated_events FINAL ORDER BY cdr_id',
    );
    expect(rows.map((x) => [x.cdr_id, x.user_id, x.direction, Number(x.quantity), Number(x.cost_micros)])).toEqual([
      ['kam:a1@pbx.acme.example|f1|t1', 'acme-fr-reception', 'OUTBOUND', 126, 0],
      // 60 s at 0.89 EUR/min: 0.89 EUR.
      ['kam:a2@pbx.acme.example|f2|t2', 'acme-fr-sales', 'OUTBOUND', 60, 890_000],
      ['kam:a3@pbx.acme.example|f3|t3', 'acme-fr-sales', 'INBOUND', 30, 0],
      ['kam:a4@pbx.acme.example|f4|t4', 'acme-fr-reception', 'OUTBOUND', 0, 0],
      ['kam:a5@pbx.acme.example|f5|t5', 'atelier-be-desk', 'OUTBOUND', 0, 0],
    ]);
    expect(readFileSync(dead, 'utf8')).toMatch(/acc_cdrs\.txt:6.*SUBSCRIBER_UNKNOWN/);

    const deadAcc = join(dir, 'dead-acc.jsonl');
    const acc = await run('acc.txt', 'kamailio-acc', deadAcc);
    // a1 and a4 have the ids of their dialog CDRs: a4 the same record (a replay), a1 with its BYE a
    // quarter of a second earlier (a conflict, the dialog CDR stays billed); a7 has no BYE.
    expect(acc.files[0]).toMatchObject({ cdrs: 2, replays: 1, rejected: { CDR_CONFLICT: 1, CDR_UNRATEABLE: 1 } });
    expect(readFileSync(deadAcc, 'utf8')).toMatch(/acc\.txt:4.*answered INVITE with no BYE/);
    const after = await store.query('SELECT cdr_id, version, quantity, cost_micros FROM rated_events FINAL ORDER BY cdr_id');
    expect(after).toHaveLength(5);
  });
});
