/**
 * `ratel import` of Kamailio records into the embedded store (ingest/src/import.ts with the
 * kamailio sources): unanswered calls rated at no charge, counted in the summary by disposition
 * and SIP code (a refused one not counted); per-transaction records still unpaired at the end of
 * the import written to the dead-letter file with their own file and line; a second import
 * changes nothing. Inputs: the golden files of tests/ingest/sources/kamailio/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '@ratel/aggregator';
import { type Config, importFiles } from '@ratel/ingest';
import { loadAccounts, loadCatalog } from '@ratel/rater';
import { describe, expect, it } from 'vitest';
import { embeddedStore } from '../embedded-store.js';

const GOLDEN = join(import.meta.dirname, 'sources');
const dir = embeddedStore('ratel-import-kamailio-', (c, s) => {
  cfg = c;
  store = s;
});
const catalog = loadCatalog();
const accounts = loadAccounts(join(GOLDEN, 'golden', 'accounts.json'), catalog);
// The golden calls are of 1 December 2026; rated as at the next day.
const NOW = Date.UTC(2026, 11, 2);
let cfg: Config;
let store: Store;

const run = (paths: string[], format: 'kamailio' | 'kamailio-acc', mapping: string | undefined, dead: string) =>
  importFiles(
    cfg,
    { paths, format, mapping, to: 'store', deadLetterFile: dead, progress: false, now: () => NOW, batchSize: 4 },
    { catalog, accounts, accountsFile: 'accounts', store, print: () => {} },
  );
const deadLetters = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { at: string; code: string; reason: string; line: string });

describe('ratel import of Kamailio records', () => {
  it('dialog CDRs: unanswered calls rated at no charge and counted by disposition and SIP code; a second import changes nothing', async () => {
    const file = join(GOLDEN, 'kamailio', 'cdr-flatstore', 'input.txt');
    const dead = join(dir, 'dead-cdr.jsonl');
    const r = await run([file], 'kamailio', undefined, dead);
    const s = r.files[0];
    expect(s).toMatchObject({ lines: 15, cdrs: 10, filtered: 0, rejected: { CDR_MALFORMED: 3, SUBSCRIBER_UNKNOWN: 1 }, replays: 0 });
    expect(s?.unanswered).toEqual({ 'BUSY 486': 1, 'FAILED 404': 1, 'CANCELLED 487': 1, 'NO_ANSWER 408': 1 });
    expect(r.unanswered).toBe(4);
    const rows = await store.query<{ cdr_id: string; quantity: number; cost_micros: number; reasons: string[] }>(
      "SELECT cdr_id, quantity, cost_micros, reasons FROM rated_events FINAL WHERE has(reasons, 'UNANSWERED') ORDER BY cdr_id",
    );
    expect(rows.map((x) => [x.cdr_id, Number(x.quantity), Number(x.cost_micros)])).toEqual([
      ['kam:2-7949@127.0.0.1|7943u2|7949t2', 0, 0],
      ['kam:3-7950@127.0.0.1|7944u3|7950t3', 0, 0],
      ['kam:4-7951@127.0.0.1|7945u4|7951t4', 0, 0],
      ['kam:5-7952@127.0.0.1||7952t5', 0, 0],
    ]);
    const before = await store.query('SELECT cdr_id, version, cost_micros FROM rated_events FINAL ORDER BY cdr_id');
    const again = await run([file], 'kamailio', undefined, join(dir, 'dead-cdr-2.jsonl'));
    expect(again.files[0]).toMatchObject({ cdrs: 10, replays: 10 });
    expect(await store.query('SELECT cdr_id, version, cost_micros FROM rated_events FINAL ORDER BY cdr_id')).toEqual(before);
    expect(deadLetters(dead).map((d) => d.at)).toEqual([`${file}:11`, `${file}:12`, `${file}:14`, `${file}:15`]);
  });

  it('per-transaction records: a call is paired across files; what is unpaired at the end is a dead letter with its own file and line', async () => {
    const folder = join(GOLDEN, 'kamailio', 'acc-two-files');
    const dead = join(dir, 'dead-acc.jsonl');
    const r = await run([join(folder, 'input-1.txt'), join(folder, 'input-2.txt')], 'kamailio-acc', join(folder, 'profile.json'), dead);
    expect(r.files.map((f) => [f.lines, f.cdrs, f.rejected])).toEqual([
      [3, 0, {}],
      [5, 3, { CDR_UNRATEABLE: 1 }],
    ]);
    expect(r.rejected).toBe(1);
    const letters = deadLetters(dead);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      at: `${join(folder, 'input-2.txt')}:3`,
      code: 'CDR_UNRATEABLE',
      line: 'INVITE|ft3|tt3|3@h|200|OK|1796166300|0140000020|0612345678',
    });
    expect(letters[0]?.reason).toMatch(/answered INVITE with no BYE in the files imported/);
    const rated = await store.query<{ cdr_id: string; quantity: number }>(
      "SELECT cdr_id, quantity FROM rated_events FINAL WHERE cdr_id IN ('kam:1@h|ft1|tt1', 'kam:2@h|ft2|tt2', 'kam:4@h|ft4|tt4') ORDER BY cdr_id",
    );
    expect(rated.map((x) => [x.cdr_id, Number(x.quantity)])).toEqual([
      ['kam:1@h|ft1|tt1', 10],
      ['kam:2@h|ft2|tt2', 40],
      ['kam:4@h|ft4|tt4', 60],
    ]);
  });
});
