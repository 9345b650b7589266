/**
 * `ratel import --to kafka` against the real services: the file's CDRs go to the CDR topic as
 * cdr.v1 frames keyed by account, `ratel run` rates them into the ClickHouse server, and the
 * ratings equal those of `ratel import` into the embedded store (chDB) of the same file. A second
 * import of the file to Kafka changes nothing (every CDR a replay). Private topic, group and
 * database per run (harness.ts); the services are never stopped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchema, openChdbStore } from '@ratel/aggregator';
import { generateAccounts, importFiles, loadConfig, sources } from '@ratel/ingest';
import { loadAccounts, loadCatalog } from '@ratel/rater';
import { afterAll, describe, expect, it } from 'vitest';
import { countStored, exited, MONTH, type Row, ratelImport, SEED, spawnRater, stored, waitFor, withRun } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'ratel-import-kafka-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const N_ACCOUNTS = 30;

describe('ratel import --to kafka, then ratel run', () => {
  it('gives the ratings of the embedded import, and a second import changes nothing', async () => {
    await withRun('import', N_ACCOUNTS, 6000, async (run) => {
      const accountsFile = join(dir, 'accounts.json');
      writeFileSync(accountsFile, JSON.stringify({ accounts: generateAccounts({ accounts: N_ACCOUNTS, month: MONTH, seed: SEED }) }));
      const file = join(dir, 'cdrs.csv');
      writeFileSync(file, `${[sources.ratelCsvHeader(), ...run.cdrs.map(sources.ratelCsvLine)].join('\n')}\n`);

      // The embedded result: the same file imported into chDB, rated as on the same window.
      const cfg = loadConfig({ env: { RATEL_MAX_AGE_DAYS: '3660' }, overrides: { 'store.dataDir': join(dir, 'chdb'), outDir: dir } });
      const chdb = await openChdbStore(join(dir, 'chdb'));
      const embedded = new Map<string, Row>();
      try {
        await createSchema(chdb);
        const catalog = loadCatalog();
        const r = await importFiles(
          cfg,
          { paths: [file], format: 'ratel-csv', to: 'store', deadLetterFile: join(dir, 'embedded.dead.jsonl'), progress: false },
          { catalog, accounts: loadAccounts(accountsFile, catalog), accountsFile, store: chdb, print: () => {} },
        );
        expect(r.rejected).toBe(0);
        const rows = await chdb.query<Row>(
          `SELECT cdr_id, cost_micros, included_qty, billed_qty FROM rated_events FINAL WHERE month = ${MONTH}`,
        );
        for (const x of rows)
          embedded.set(x.cdr_id, {
            cdr_id: x.cdr_id,
            cost_micros: Number(x.cost_micros),
            included_qty: Number(x.included_qty),
            billed_qty: Number(x.billed_qty),
          });
      } finally {
        await chdb.close();
      }
      expect(embedded.size).toBeGreaterThan(1000);

      const importToKafka = () =>
        ratelImport(file, accountsFile, ['--to', 'kafka', '--dead-letters', join(dir, 'kafka.dead.jsonl')], {
          ...process.env,
          ...run.env,
        });
      expect(importToKafka()).toMatch(new RegExp(`${run.cdrs.length} CDRs, 0 filtered, 0 rejected`));
      const rater = spawnRater(run);
      try {
        const done = await waitFor(async () => (await countStored(run)) >= embedded.size, 120_000);
        expect(done, (rater as unknown as { stderrTail: string }).stderrTail).toBe(true);
        const first = await stored(run);
        const norm = (m: Map<string, Row>) =>
          new Map(
            [...m].map(([k, v]) => [
              k,
              {
                cdr_id: v.cdr_id,
                cost_micros: Number(v.cost_micros),
                included_qty: Number(v.included_qty),
                billed_qty: Number(v.billed_qty),
              },
            ]),
          );
        expect(norm(first)).toEqual(embedded);
        importToKafka();
        await new Promise((r) => setTimeout(r, 6000));
        expect(norm(await stored(run))).toEqual(embedded);
      } finally {
        rater.kill('SIGTERM');
        await exited(rater);
      }
    });
  });
});
