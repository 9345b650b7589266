/**
 * End to end through the real services: CDRs produced into Kafka (Avro, Confluent framing) are
 * consumed by the pipeline, decoded in the Piscina pool, rated, and read back from the ClickHouse
 * server; bad records land on the dead-letter topic with their reason and original bytes; the
 * month closed on the server gives the invoices an embedded run of the same CDRs gives.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchema, type Invoice, monthTotals, openChdbStore, runInvoices, type Store, writeRated } from '@ratel/aggregator';
import {
  closeMonth,
  createKafka,
  createLogger,
  generateAccounts,
  generateCdrs,
  loadConfig,
  produceCdrs,
  replayDeadLetters,
  serveMetrics,
  startPipeline,
} from '@ratel/ingest';
import { accountBook, loadCatalog, rateAll } from '@ratel/rater';
import { type Cdr, localCodecs } from '@ratel/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLICKHOUSE_URL, HINT, KAFKA_BROKERS, newServerStore } from '../services.js';

const run = `${process.pid}-${Date.now()}`;
const db = `ratel_it_${run.replace(/-/g, '_')}`;
const cfg = loadConfig({
  overrides: {
    'kafka.brokers': KAFKA_BROKERS,
    'kafka.cdrTopic': `it.cdrs.${run}`,
    'kafka.deadLetterTopic': `it.cdrs.dlq.${run}`,
    'kafka.groupId': `it-rater-${run}`,
    'store.engine': 'server',
    'store.url': CLICKHOUSE_URL,
    'store.database': db,
    'rater.threads': 2,
  },
});
const log = createLogger('silent');
const month = 202610;
const catalog = loadCatalog();
const accountInputs = generateAccounts({ accounts: 25, month, seed: 11 });
const accounts = accountBook(accountInputs, catalog);
const cdrs: Cdr[] = generateCdrs(accountInputs, { accounts: 25, month, seed: 11, callsPerUser: 20, malformedShare: 0 });
// Its own user: a user id belongs to one account (the accounts loader refuses one in two).
const unknownAccount: Cdr = { ...(cdrs[0] as Cdr), id: 'it-unknown-account', account_id: 'nobody', user_id: 'nobody-u1' };
const garbage = Buffer.from('this is not avro');

let store: Store;

beforeAll(async () => {
  store = await newServerStore(db);
});

afterAll(async () => {
  if (store) {
    await store.exec(`DROP DATABASE IF EXISTS ${db}`);
    await store.close();
  }
});

describe('Kafka -> rater pool -> ClickHouse server', () => {
  it('rates every produced CDR once, dead-letters the bad ones, and closes the month as an embedded run does', async () => {
    const kafka = createKafka(cfg, log);
    const codecs = localCodecs();
    let pipeline: Awaited<ReturnType<typeof startPipeline>>;
    try {
      pipeline = await startPipeline(kafka, cfg, { catalog, accounts, codecs, log, store });
    } catch (e) {
      throw new Error(`Kafka not reachable at ${KAFKA_BROKERS.join(',')}: ${HINT} (${(e as Error).message})`);
    }
    try {
      const all = [...cdrs, unknownAccount];
      await produceCdrs(kafka, cfg, codecs.cdr, all, { rate: 0, batch: 1000 });
      const raw = kafka.producer();
      await raw.connect();
      await raw.send({ topic: cfg.kafka.cdrTopic, messages: [{ key: 'x', value: garbage }] });
      await raw.disconnect();
      const expected = all.length + 1;
      const deadline = Date.now() + 60_000;
      while (pipeline.stats.consumed < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(pipeline.stats.consumed).toBe(expected);
      expect(pipeline.stats.deadLetters).toBe(2);

      // What the server holds equals an in-process rating of the same CDRs.
      const reference = rateAll({ catalog, accounts }, cdrs);
      expect(reference.dead).toHaveLength(0);
      const totals = await monthTotals(store, month);
      const sum = (k: 'records' | 'cost_micros' | 'billed_qty') => totals.reduce((s, t) => s + t[k], 0);
      expect(sum('records')).toBe(cdrs.length);
      expect(sum('cost_micros')).toBe(reference.events.reduce((s, e) => s + e.cost_micros, 0));
      expect(sum('billed_qty')).toBe(reference.events.reduce((s, e) => s + e.billed_qty, 0));

      // Dead letters: on the topic with reason headers and the original bytes.
      const consumer = kafka.consumer({ groupId: `it-dlq-${run}` });
      await consumer.connect();
      await consumer.subscribe({ topic: cfg.kafka.deadLetterTopic, fromBeginning: true });
      const dead: { reason: string; code: string; value: Buffer | null }[] = [];
      await consumer.run({
        eachMessage: async ({ message }) => {
          dead.push({ code: String(message.headers?.reason_code), reason: String(message.headers?.reason), value: message.value });
        },
      });
      const until = Date.now() + 30_000;
      while (dead.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      await consumer.disconnect();
      expect(dead.map((d) => d.code).sort()).toEqual(['CDR_MALFORMED', 'CDR_UNRATEABLE']);
      expect(dead.find((d) => d.code === 'CDR_MALFORMED')?.value).toEqual(garbage);
      expect(dead.find((d) => d.code === 'CDR_UNRATEABLE')?.reason).toContain('unknown account nobody');
      const unrateable = dead.find((d) => d.code === 'CDR_UNRATEABLE')?.value as Buffer;
      expect(codecs.cdr.decode(unrateable).id).toBe('it-unknown-account');

      // The operator's view: Prometheus metrics and the health endpoints over HTTP.
      const server = await serveMetrics(pipeline.metrics, 0, pipeline.isReady);
      try {
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const text = await (await fetch(`${base}/metrics`)).text();
        const value = (line: string) =>
          Number(
            text
              .split('\n')
              .find((l) => l.startsWith(`${line} `))
              ?.slice(line.length + 1),
          );
        expect(value('ratel_records_consumed_total')).toBe(expected);
        expect(value('ratel_rated_events_total')).toBe(pipeline.stats.rated);
        expect(value('ratel_dead_letters_total{code="CDR_MALFORMED"}')).toBe(1);
        expect(value('ratel_dead_letters_total{code="CDR_UNRATEABLE"}')).toBe(1);
        expect(value('ratel_writer_queue_rows')).toBe(0);
        expect(text).toMatch(/^ratel_consumer_lag\{partition="\d+"\} 0$/m);
        expect(text).toContain('ratel_e2e_latency_seconds_count');
        expect(text).toContain('ratel_pool_utilization');
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
        expect((await fetch(`${base}/readyz`)).status).toBe(200);
        expect((await fetch(`${base}/nothing`)).status).toBe(404);
      } finally {
        server.close();
      }

      // Month close on the server (`ratel invoice`) gives the invoices an embedded run of the
      // same CDRs gives: same accounts, same lines, same totals.
      const closed = await closeMonth(store, catalog, accounts, month, mkdtempSync(join(tmpdir(), 'ratel-it-inv-')));
      const embedded = openChdbStore(mkdtempSync(join(tmpdir(), 'ratel-it-chdb-')));
      try {
        await createSchema(embedded);
        await writeRated(embedded, reference.events);
        const local = await runInvoices(embedded, catalog, accounts, month);
        const view = (invs: Invoice[]) =>
          invs.map((i) => [
            i.account_id,
            i.total_excl_micros,
            i.vat_micros,
            i.lines.map((l) => [l.section, l.description, l.amount_micros]),
          ]);
        expect(closed.run.issued.length).toBe(accounts.size);
        expect(view(closed.run.issued)).toEqual(view(local.issued));
        expect(closed.finance.usage.records).toBe(cdrs.length);
      } finally {
        await embedded.close();
        rmSync(embedded.where, { recursive: true, force: true });
      }
    } finally {
      await pipeline.stop();
    }
  });

  it('dlq-replay, once the unknown account is added, rates its dead letter once; the malformed one stays', async () => {
    // Continues from the test above: same topics, group and store. The account "nobody" now exists.
    const owner = accountInputs.find((a) => a.users.some((u) => u.id === (cdrs[0] as Cdr).user_id));
    if (!owner) throw new Error('no account owns the first CDR user');
    const fixed = accountBook([...accountInputs, { ...owner, id: 'nobody', users: [{ id: unknownAccount.user_id }] }], catalog);
    const kafka = createKafka(cfg, log);
    const codecs = localCodecs();
    const pipeline = await startPipeline(kafka, cfg, { catalog, accounts: fixed, codecs, log, store });
    try {
      const replay = await replayDeadLetters(kafka, cfg, codecs.cdr, log);
      expect(replay).toEqual({ read: 2, replayed: 1, skipped: 1 });
      const deadline = Date.now() + 60_000;
      while (pipeline.stats.rated < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect([pipeline.stats.consumed, pipeline.stats.rated, pipeline.stats.deadLetters]).toEqual([1, 1, 0]);
      await waitForStored(cdrs.length + 1);
      const [row] = await store.query<{ account_id: string }>(
        `SELECT account_id FROM rated_events FINAL WHERE cdr_id = 'it-unknown-account'`,
      );
      expect(row?.account_id).toBe('nobody');
      // A second replay starts where the first stopped: nothing to do.
      expect(await replayDeadLetters(kafka, cfg, codecs.cdr, log)).toEqual({ read: 0, replayed: 0, skipped: 0 });
    } finally {
      await pipeline.stop();
    }
  });
});

/** Waits until the month's totals count `n` records (the writer flushes within a second). */
async function waitForStored(n: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let records = 0;
  while (Date.now() < deadline) {
    records = (await monthTotals(store, month)).reduce((s, t) => s + t.records, 0);
    if (records >= n) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  expect(records).toBe(n);
}
