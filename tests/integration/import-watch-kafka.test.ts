/**
 * `ratel import --watch DIR --to kafka` against the shared Kafka (never stopped): a file rotated
 * into the spool folder is moved to done/ only once its CDRs are on the CDR topic (a private
 * topic per run), acknowledged: the topic's offsets count them when the move is seen.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka, createLogger, generateAccounts, generateCdrs, loadConfig, sources } from '@ratel/ingest';
import { afterAll, describe, expect, it } from 'vitest';
import { HINT, KAFKA_BROKERS } from '../services.js';
import { CLI } from './harness.js';

const root = mkdtempSync(join(tmpdir(), 'ratel-watch-kafka-'));
const spoolDir = join(root, 'spool');
mkdirSync(spoolDir);
let child: ChildProcess | null = null;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const MONTH = 202610;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ratel import --watch --to kafka', () => {
  it('moves a file to done/ once its CDRs are produced and acknowledged', async () => {
    const tag = `spool_${process.pid}_${Date.now()}`;
    const topic = `it.${tag}`;
    const env = {
      RATEL_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
      RATEL_KAFKA_TOPIC: topic,
      RATEL_KAFKA_DLQ_TOPIC: `${topic}.dlq`,
      RATEL_METRICS_PORT: '0',
      RATEL_IMPORT_WATCH_SETTLE_MS: '300',
      RATEL_IMPORT_WATCH_RESCAN_MS: '500',
    };
    const cfg = loadConfig({ env });
    const kafka = createKafka(cfg, createLogger('silent'));
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] });
    } catch (e) {
      throw new Error(`Kafka not reachable at ${KAFKA_BROKERS.join(',')}: ${HINT} (${(e as Error).message})`);
    }
    try {
      const inputs = generateAccounts({ accounts: 5, month: MONTH, seed: 3 });
      const accountsFile = join(root, 'accounts.json');
      writeFileSync(accountsFile, JSON.stringify({ accounts: inputs }));
      const cdrs = generateCdrs(inputs, { accounts: 5, month: MONTH, seed: 3, malformedShare: 0 });
      expect(cdrs.length).toBeGreaterThan(1000);
      child = spawn(
        process.execPath,
        [
          CLI,
          'import',
          '--watch',
          spoolDir,
          '--format',
          'ratel-csv',
          '--accounts-file',
          accountsFile,
          '--as-of',
          '2026-11-05',
          '--to',
          'kafka',
        ],
        { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
      });
      writeFileSync(join(spoolDir, 'k.csv.part'), `${[sources.ratelCsvHeader(), ...cdrs.map(sources.ratelCsvLine)].join('\n')}\n`);
      renameSync(join(spoolDir, 'k.csv.part'), join(spoolDir, 'k.csv'));
      const end = Date.now() + 20_000;
      while (!existsSync(join(spoolDir, 'done/k.csv'))) {
        if (child.exitCode !== null) throw new Error(`the watcher exited:\n${err}`);
        if (Date.now() > end) throw new Error(`k.csv not done in 20 s:\n${err}`);
        await sleep(20);
      }
      // Read as soon as the move is seen: every CDR is on the topic already.
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(cdrs.length);
      const summary = JSON.parse(readFileSync(join(spoolDir, 'done/k.csv.summary.json'), 'utf8'));
      expect(summary).toMatchObject({ outcome: 'done', to: 'kafka', lines: cdrs.length + 1, cdrs: cdrs.length, rejectedTotal: 0 });
      child.kill('SIGTERM');
      const code = await new Promise((r) => child?.once('exit', r));
      expect(code, err).toBe(0);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    }
  });
});
