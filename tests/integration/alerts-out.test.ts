/**
 * Alerts out against the real Kafka and ClickHouse server, with a real HTTP receiver on loopback:
 * a month that crosses every limit (a user's own credit limit, the account's, a premium number,
 * the distinct-callee fair-use cap) and three months of EU roaming puts each alert on the alerts
 * topic and on the webhook, once after de-duplication by id, through a rater killed -9 after it
 * produced the first alerts but before its batch was committed.
 *
 * The receiver verifies every signature and answers 503 to the first two attempts of each alert,
 * so every delivery goes through the forwarder's retries. The first rater's store writer waits
 * 60 s before writing, so the kill lands between the alerts' produce and the batch's commit: the
 * second rater replays the batch and produces those alerts again, with the same ids.
 */

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { alertsOut, createKafka, createLogger, ensureTopics, loadConfig } from '@ratel/ingest';
import { type AccountEntry, accountBook, alertId, loadCatalog, rateAll } from '@ratel/rater';
import { type AlertEvent, type Cdr, LOCAL_SCHEMA_IDS, voiceCdr } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';
import { CLI, exited, produce, readAlerts, spawnRater, waitFor, withRun } from './harness.js';

const SECRET = 'whsec-integration-0123456789';
const tail = (child: object): string => (child as { stderrTail?: string }).stderrTail ?? '';

const ACCOUNTS: AccountEntry[] = [
  {
    id: 'al-fr',
    plan: 'fr-start',
    activated: '2026-01-01',
    country: 'FR',
    time_zone: 'Europe/Paris',
    vat_country: 'FR',
    credit_limit: '3.00',
    users: [{ id: 'al-fr-1', credit_limit: '1.00' }, { id: 'al-fr-2' }],
  },
  {
    id: 'al-be',
    plan: 'be-mobile-unlimited',
    activated: '2026-01-01',
    country: 'BE',
    time_zone: 'Europe/Brussels',
    vat_country: 'BE',
    users: [{ id: 'al-be-1' }],
  },
];

const at = (day: number, minute: number, month = '2026-10') =>
  `${month}-${String(day).padStart(2, '0')}T08:${String(minute).padStart(2, '0')}:00Z`;
const call = (id: string, account: string, user: string, start: string, callee: string, seconds: number, roaming?: string): Cdr =>
  voiceCdr({ id, account, user, start, callee, seconds, roaming: roaming ?? null });

/**
 * Before the kill: al-fr-1 calls Japan (0.89 EUR/min: 1.78 EUR for 120 s, past its own 1.00)
 * and a premium number. After it: al-fr-2 calls Japan (the account past its 3.00), then 101
 * distinct French mobiles (past the 100 of Forfait Start); al-be-1 calls home from Spain in
 * August, September and October (roaming abuse at the October close).
 */
const phase1: Cdr[] = [
  call('fr1-jp', 'al-fr', 'al-fr-1', at(2, 0), '+819012345678', 120),
  call('fr1-premium', 'al-fr', 'al-fr-1', at(2, 5), '+33899123456', 60),
];
const phase2: Cdr[] = [
  call('fr2-jp', 'al-fr', 'al-fr-2', at(3, 0), '+819012345679', 120),
  ...Array.from({ length: 101 }, (_, i) =>
    call(`fr2-m${i}`, 'al-fr', 'al-fr-2', at(4 + Math.floor(i / 50), i % 50), `+3361234${String(i).padStart(4, '0')}`, 30),
  ),
  ...['2026-08', '2026-09', '2026-10'].map((m) => call(`be-roam-${m}`, 'al-be', 'al-be-1', at(10, 0, m), '+32470123456', 300, 'ES')),
];

/** The receiver: checks every signature, fails each alert's first two attempts, records the alerts it took. */
async function receiver(): Promise<{ server: Server; url: string; taken: AlertEvent[]; refused: () => number; badSignatures: string[] }> {
  const attempts = new Map<string, number>();
  const taken: AlertEvent[] = [];
  const badSignatures: string[] = [];
  let refused = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const problem = alertsOut.signatureProblem(SECRET, req.headers['x-ratel-signature'] as string | undefined, body);
      if (problem !== null) {
        badSignatures.push(problem);
        res.writeHead(401).end();
        return;
      }
      const alert = JSON.parse(body.toString()) as AlertEvent;
      const n = (attempts.get(alert.id) ?? 0) + 1;
      attempts.set(alert.id, n);
      if (n <= 2) {
        refused++;
        res.writeHead(503).end();
        return;
      }
      taken.push(alert);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ratel-alerts`,
    taken,
    refused: () => refused,
    badSignatures,
  };
}

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('alerts out (real Kafka + ClickHouse server, real HTTP receiver)', () => {
  it('every alert reaches the topic and the webhook, once after de-duplication by id, through a kill -9', async () => {
    await withRun('alerts', 1, 0, async (run) => {
      const dir = mkdtempSync(join(tmpdir(), 'ratel-alerts-it-'));
      const hook = await receiver();
      const alertsTopic = `${run.env.RATEL_KAFKA_TOPIC}.alerts`;
      try {
        const accountsFile = join(dir, 'accounts.json');
        writeFileSync(accountsFile, JSON.stringify({ accounts: ACCOUNTS }));
        Object.assign(run.env, {
          RATEL_ACCOUNTS_FILE: accountsFile,
          RATEL_KAFKA_ALERTS_TOPIC: alertsTopic,
          RATEL_KAFKA_SESSION_TIMEOUT_MS: '6000',
          RATEL_ALERTS_WEBHOOK_URL: hook.url,
          RATEL_ALERTS_WEBHOOK_SECRET: SECRET,
          RATEL_ALERTS_WEBHOOK_GROUP: `${run.env.RATEL_KAFKA_GROUP}.webhook`,
          RATEL_ALERTS_WEBHOOK_MIN_BACKOFF_MS: '50',
          RATEL_ALERTS_WEBHOOK_MAX_BACKOFF_MS: '400',
          RATEL_ALERTS_MONTH_CLOSE_TO_TOPIC: 'true',
          RATEL_OUT_DIR: join(dir, 'out'),
        });
        // What one uninterrupted in-process rating raises, and the October close's roaming abuse.
        const catalog = loadCatalog();
        const ref = rateAll({ catalog, accounts: accountBook(ACCOUNTS, catalog) }, [...phase1, ...phase2]).alerts;
        const roaming = {
          kind: 'ROAMING_ABUSE' as const,
          account_id: 'al-be',
          user_id: 'al-be-1',
          cdr_id: '',
          month: 202610,
          at_ms: 0,
          detail: 'more EU roaming than home VOICE usage in 202608, 202609, 202610',
        };
        const want = new Map([...ref, roaming].map((a) => [alertId(a), a]));
        expect([...want.values()].map((a) => `${a.kind} ${a.cdr_id}`).sort()).toEqual([
          'CREDIT_LIMIT fr2-jp',
          'FAIR_USE fr2-m100',
          'PREMIUM_ATTEMPT fr1-premium',
          'ROAMING_ABUSE ',
          'USER_CREDIT_LIMIT fr1-jp',
        ]);
        const phase1Ids = [...want].filter(([, a]) => a.cdr_id.startsWith('fr1-')).map(([id]) => id);
        expect(phase1Ids).toHaveLength(2);

        let metrics = '';
        const cfg = loadConfig({ env: run.env });
        await ensureTopics(createKafka(cfg, createLogger('silent')), cfg);
        await produce(run, phase1);
        const reader = await readAlerts(run, alertsTopic).catch((e: Error) => {
          throw new Error(`alerts topic not readable: ${e.message}`);
        });
        try {
          // The first rater: its store writer holds the rows for 60 s, so nothing is committed.
          const first = spawnRater({ ...run, env: { ...run.env, RATEL_WRITER_MAX_DELAY_MS: '60000', RATEL_WRITER_MIN_ROWS: '1000000' } });
          const onTopic = (ids: string[]) => ids.every((id) => reader.got.some((g) => g.alert.id === id));
          const onHook = (ids: string[]) => ids.every((id) => hook.taken.some((a) => a.id === id));
          const early = await waitFor(async () => onTopic(phase1Ids) && onHook(phase1Ids), 60_000, 100);
          expect(early, `first rater: ${tail(first)}`).toBe(true);
          first.kill('SIGKILL');
          await exited(first);
          // The kill landed before the commit: the CDR group has no offset past the first CDRs.
          const admin = createKafka(run.cfg, createLogger('silent')).admin();
          await admin.connect();
          const committed = await admin.fetchOffsets({ groupId: run.env.RATEL_KAFKA_GROUP as string, topics: [run.cfg.kafka.cdrTopic] });
          await admin.disconnect();
          expect(committed.flatMap((t) => t.partitions.map((p) => p.offset)).every((o) => o === '-1')).toBe(true);

          await produce(run, phase2);
          const metricsPort = await freePort();
          const second = spawnRater({ ...run, env: { ...run.env, RATEL_METRICS_PORT: String(metricsPort) } });
          try {
            const raterIds = [...want.keys()].filter((id) => id !== alertId(roaming));
            const all = await waitFor(async () => onTopic(raterIds) && onHook(raterIds), 90_000, 200);
            expect(all, `second rater: ${tail(second)}`).toBe(true);
            // Every rating stored: the month close can find the roaming abuse.
            const stored = async () => {
              const [r] = await run.store.query<{ n: number }>('SELECT count() AS n FROM (SELECT cdr_id FROM rated_events FINAL)');
              return Number(r?.n ?? 0);
            };
            expect(await waitFor(async () => (await stored()) === phase1.length + phase2.length, 30_000)).toBe(true);
            const close = await promisify(execFile)(process.execPath, [CLI, 'invoice', '--month', '2026-10'], {
              env: { ...process.env, ...run.env },
            });
            expect(close.stdout).toMatch(/roaming-abuse alerts produced to .*\.alerts: 1/);
            expect(await waitFor(async () => onTopic([...want.keys()]) && onHook([...want.keys()]), 60_000, 200)).toBe(true);
            // Give a late copy time to arrive before counting.
            await new Promise((r) => setTimeout(r, 1500));
            metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
          } finally {
            second.kill('SIGTERM');
            expect(await exited(second)).toBe(0);
          }
        } finally {
          await reader.consumer.disconnect();
        }

        // The topic: alert.v1 in the wire format, keyed by account; after de-duplication by id,
        // exactly the alerts of the uninterrupted rating, and the first ones more than once
        // (produced again by the replay after the kill).
        const got = reader.got;
        expect(got.every((g) => g.schemaId === LOCAL_SCHEMA_IDS.alert && g.key === g.alert.account_id)).toBe(true);
        const ids = new Set(got.map((g) => g.alert.id));
        expect([...ids].sort()).toEqual([...want.keys()].sort());
        for (const id of phase1Ids) expect(got.filter((g) => g.alert.id === id).length, id).toBeGreaterThanOrEqual(2);
        for (const g of got) {
          const a = want.get(g.alert.id);
          expect([g.alert.kind, g.alert.account_id, g.alert.user_id, g.alert.month]).toEqual([
            a?.kind,
            a?.account_id,
            a?.user_id,
            a?.month,
          ]);
        }
        const credit = got.find((g) => g.alert.kind === 'CREDIT_LIMIT')?.alert;
        expect(credit).toMatchObject({ scope: 'ACCOUNT', may_restrict: 'OUTBOUND_CALLS', cdr_id: 'fr2-jp' });
        expect(credit?.cdr_timestamp_ms).toBeGreaterThan(0);

        // The webhook: every request signed, every alert retried past the two refusals, and
        // after de-duplication by id exactly the same alerts.
        expect(hook.badSignatures).toEqual([]);
        expect(hook.refused()).toBeGreaterThanOrEqual(2 * want.size);
        expect([...new Set(hook.taken.map((a) => a.id))].sort()).toEqual([...want.keys()].sort());

        // The second rater's metrics: its alerts produced with their lag, and its webhook deliveries and retries.
        const metric = (line: RegExp) => Number(line.exec(metrics)?.[1] ?? Number.NaN);
        expect(metric(/^ratel_alerts_produced_total\{kind="CREDIT_LIMIT"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
        expect(metric(/^ratel_alert_lag_seconds_count (\d+)/m)).toBeGreaterThanOrEqual(4);
        expect(metric(/^ratel_alert_webhook_deliveries_total\{outcome="delivered"\} (\d+)/m)).toBeGreaterThanOrEqual(3);
        expect(metric(/^ratel_alert_webhook_failures_total\{reason="http_503"\} (\d+)/m)).toBeGreaterThanOrEqual(6);
      } finally {
        hook.server.closeAllConnections();
        hook.server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }, 240_000);
});
