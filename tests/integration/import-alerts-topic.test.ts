/**
 * `ratel import` into the store with alerts.importToTopic, against the real Kafka and ClickHouse
 * server: the alerts the import raises (a user's own credit limit, the account's, a premium
 * number, the fair-use cap of distinct callees) are on the alerts topic, alert.v1 keyed by
 * account, once each after de-duplication by id, and are the alerts of one uninterrupted rating.
 * Imported again (every CDR a replay), the import restores the account-months from the store and
 * produces the same alerts again with the same ids: an import that died after storing its rows
 * but before its alerts were acknowledged is mended by running it again.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka, createLogger, ensureTopics, loadConfig, sources } from '@ratel/ingest';
import { type AccountEntry, accountBook, alertId, loadCatalog, rateAll } from '@ratel/rater';
import { type Cdr, LOCAL_SCHEMA_IDS, voiceCdr } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';
import { ratelImport, readAlerts, waitFor, withRun } from './harness.js';

const ACCOUNTS: AccountEntry[] = [
  {
    id: 'ia-fr',
    plan: 'fr-start',
    activated: '2026-01-01',
    country: 'FR',
    time_zone: 'Europe/Paris',
    vat_country: 'FR',
    credit_limit: '3.00',
    users: [{ id: 'ia-fr-1', credit_limit: '1.00' }, { id: 'ia-fr-2' }],
  },
];
const at = (day: number, minute: number) => `2026-10-${String(day).padStart(2, '0')}T08:${String(minute).padStart(2, '0')}:00Z`;
const call = (id: string, user: string, start: string, callee: string, seconds: number): Cdr =>
  voiceCdr({ id, account: 'ia-fr', user, start, callee, seconds, roaming: null });
/** Japan at 0.89 EUR/min past the user's 1.00 then the account's 3.00, a premium number, 101 distinct mobiles (Forfait Start: 100). */
const CDRS: Cdr[] = [
  call('ia1-jp', 'ia-fr-1', at(2, 0), '+819012345678', 120),
  call('ia1-premium', 'ia-fr-1', at(2, 5), '+33899123456', 60),
  call('ia2-jp', 'ia-fr-2', at(3, 0), '+819012345679', 120),
  ...Array.from({ length: 101 }, (_, i) =>
    call(`ia2-m${i}`, 'ia-fr-2', at(4 + Math.floor(i / 50), i % 50), `+3361234${String(i).padStart(4, '0')}`, 30),
  ),
];

describe('ratel import into the store, alerts to the topic (real Kafka + ClickHouse server)', () => {
  it("puts the import's alerts on the alerts topic, and the same ids again when the file is imported again", async () => {
    await withRun('impalerts', 1, 0, async (run) => {
      const dir = mkdtempSync(join(tmpdir(), 'ratel-import-alerts-'));
      const alertsTopic = `${run.env.RATEL_KAFKA_TOPIC}.alerts`;
      try {
        const accountsFile = join(dir, 'accounts.json');
        writeFileSync(accountsFile, JSON.stringify({ accounts: ACCOUNTS }));
        const file = join(dir, 'cdrs.csv');
        writeFileSync(file, `${[sources.ratelCsvHeader(), ...CDRS.map(sources.ratelCsvLine)].join('\n')}\n`);
        const env = { ...process.env, ...run.env, RATEL_KAFKA_ALERTS_TOPIC: alertsTopic, RATEL_ALERTS_IMPORT_TO_TOPIC: 'true' };
        const catalog = loadCatalog();
        const want = new Map(rateAll({ catalog, accounts: accountBook(ACCOUNTS, catalog) }, CDRS).alerts.map((a) => [alertId(a), a]));
        expect([...want.values()].map((a) => `${a.kind} ${a.cdr_id}`).sort()).toEqual([
          'CREDIT_LIMIT ia2-jp',
          'FAIR_USE ia2-m100',
          'PREMIUM_ATTEMPT ia1-premium',
          'USER_CREDIT_LIMIT ia1-jp',
        ]);
        const cfg = loadConfig({ env: { ...run.env, RATEL_KAFKA_ALERTS_TOPIC: alertsTopic } });
        await ensureTopics(createKafka(cfg, createLogger('silent')), cfg);
        const importFile = () => ratelImport(file, accountsFile, ['--dead-letters', join(dir, 'dl.jsonl')], env);
        const reader = await readAlerts(run, alertsTopic).catch((e: Error) => {
          throw new Error(`alerts topic not readable: ${e.message}`);
        });
        try {
          const first = importFile();
          expect(first).toMatch(new RegExp(`${CDRS.length} CDRs rated \\(0 of them replays`));
          expect(first).toContain(`alerts produced to ${alertsTopic}: 4`);
          const ids = () => new Set(reader.got.map((g) => g.alert.id));
          expect(await waitFor(async () => ids().size === want.size, 30_000, 100)).toBe(true);
          expect([...ids()].sort()).toEqual([...want.keys()].sort());
          expect(reader.got).toHaveLength(4);

          const second = importFile();
          expect(second).toMatch(new RegExp(`${CDRS.length} CDRs rated \\(${CDRS.length} of them replays`));
          expect(second).toContain(`alerts produced to ${alertsTopic}: 4`);
          expect(await waitFor(async () => reader.got.length === 8, 30_000, 100)).toBe(true);
          expect([...ids()].sort()).toEqual([...want.keys()].sort());
        } finally {
          await reader.consumer.disconnect();
        }
        for (const g of reader.got) {
          const a = want.get(g.alert.id);
          expect(g.schemaId).toBe(LOCAL_SCHEMA_IDS.alert);
          expect(g.key).toBe('ia-fr');
          expect([g.alert.kind, g.alert.account_id, g.alert.user_id, g.alert.month]).toEqual([
            a?.kind,
            a?.account_id,
            a?.user_id,
            a?.month,
          ]);
        }
        // The store has them once each, as without the topic.
        const stored = await run.store.query<{ n: number }>('SELECT count() AS n FROM (SELECT * FROM alerts FINAL)');
        expect(Number(stored[0]?.n)).toBe(4);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }, 120_000);
});
