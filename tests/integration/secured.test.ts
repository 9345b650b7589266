/**
 * The pipeline over the secured pair (`bash deploy/services.sh up secured`): Kafka over SASL_SSL
 * with SCRAM-SHA-512 and the local CA, ClickHouse over HTTPS with a password user. The same CDRs
 * give the same ratings as an in-process run (as over the plain pair, kafka-to-clickhouse.test.ts);
 * each failure is its typed error naming the host; and no secret appears in any line a run
 * prints: logs at debug level, errors, `ratel config`, `--help`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { openServerStore } from '@ratel/aggregator';
import { createKafka, createLogger, ensureTopics, loadConfig } from '@ratel/ingest';
import { describe, expect, it } from 'vitest';
import {
  CA_FILE,
  CLIENT_CERT_FILE,
  CLIENT_KEY_FILE,
  clickhousePassword,
  kafkaPassword,
  OTHER_CA_FILE,
  SECURED_BROKER,
  SECURED_CLICKHOUSE_URL,
  SECURED_HINT,
  securedEnv,
  securedStoreAuth,
  USER,
} from '../secured-services.js';
import { CLI, countStored, exited, newRun, produce, reference, SEED, type Services, stored, waitFor } from './harness.js';

const secured = (): Services => ({ env: securedEnv(), storeUrl: SECURED_CLICKHOUSE_URL, storeAuth: securedStoreAuth() });
const METRICS_TOKEN = `metrics-token-${process.pid}-${Date.now()}`;
const WRONG_PASSWORD = `wrong-password-${process.pid}`;

/** A free TCP port (for the rater's endpoints). */
const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Runs the CLI to its end; stdout and stderr together. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** Every secret of the run, and the forms it could be printed in. */
const secretForms = (values: string[]): string[] => values.flatMap((v) => [v, encodeURIComponent(v), Buffer.from(v).toString('base64')]);

function expectNoSecret(text: string, secrets: string[]): void {
  for (const s of secretForms(secrets))
    if (text.includes(s))
      throw new Error(`a secret appears in the output: …${text.slice(Math.max(0, text.indexOf(s) - 200), text.indexOf(s))}[secret]…`);
}

describe('secured connections: SASL_SSL + SCRAM to Kafka, HTTPS + password to ClickHouse', () => {
  it('rates every CDR as an in-process run does, with no secret in any log line, error, config dump or help', async () => {
    let run: Awaited<ReturnType<typeof newRun>>;
    try {
      run = await newRun('secured', 20, 3000, secured());
    } catch (e) {
      throw new Error(`${(e as Error).message}; ${SECURED_HINT}`);
    }
    const secrets = [kafkaPassword(), clickhousePassword(), METRICS_TOKEN];
    let output = '';
    let rater: ChildProcess | undefined;
    try {
      await produce(run, run.cdrs);
      const port = await freePort();
      const env: Record<string, string> = {
        ...run.env,
        RATEL_LOG_LEVEL: 'debug',
        RATEL_METRICS_PORT: String(port),
        RATEL_METRICS_HOST: '0.0.0.0',
        RATEL_METRICS_TOKEN: METRICS_TOKEN,
      };
      rater = spawn(process.execPath, [CLI, 'run', '--accounts', String(run.nAccounts), '--seed', String(SEED), '--month', '2026-10'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      rater.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      rater.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      const all = await waitFor(async () => (await countStored(run)) >= run.cdrs.length, 120_000);
      if (!all) throw new Error(`stored ${await countStored(run)} of ${run.cdrs.length}; rater output: ${output.slice(-3000)}`);
      const want = reference(run);
      const got = await stored(run);
      expect(got.size).toBe(want.size);
      expect([...got.values()].sort((a, b) => a.cdr_id.localeCompare(b.cdr_id))).toEqual(
        [...want.values()].sort((a, b) => a.cdr_id.localeCompare(b.cdr_id)),
      );

      // The endpoints bind off loopback here, so they ask for the bearer token.
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      expect((await fetch(`${base}/readyz`, { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401);
      const auth = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };
      const metrics = await fetch(`${base}/metrics`, auth);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain(`ratel_records_consumed_total ${run.cdrs.length}`);
      expect((await fetch(`${base}/readyz`, auth)).status).toBe(200);

      // Every other Kafka client over the secured listener: dlq-replay (admin, consumer, producer).
      const replay = await cli(['dlq-replay'], env);
      expect(replay.out).toContain('dead letters read 0');
      expect(replay.code).toBe(0);
      output += replay.out;

      const dump = await cli(['config'], env);
      expect(dump.code).toBe(0);
      const shown = JSON.parse(dump.out);
      expect(shown.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: USER, password: '[redacted]' });
      expect(shown.store.password).toBe('[redacted]');
      expect(shown.metricsToken).toBe('[redacted]');
      output += dump.out;
      for (const args of [['--help'], ['run', '--help'], ['produce', '--help']]) output += (await cli(args, env)).out;

      // Credentials inside the URL work too, and a wrong password is STORE_AUTH_FAILED without it.
      const { RATEL_CLICKHOUSE_USER: _user, RATEL_CLICKHOUSE_PASSWORD: _password, ...rest } = env;
      const inUrl = {
        ...rest,
        RATEL_CLICKHOUSE_URL: SECURED_CLICKHOUSE_URL.replace('https://', `https://${USER}:${encodeURIComponent(WRONG_PASSWORD)}@`),
        RATEL_METRICS_PORT: '0',
      };
      const refused = await cli(['summary', '--month', '2026-10'], inUrl);
      expect(refused.code).toBe(2);
      expect(refused.out).toMatch(/^ratel: STORE_AUTH_FAILED ClickHouse at https:\/\/127\.0\.0\.1:\d+\/? refused user "ratel"/m);
      output += refused.out;
      secrets.push(WRONG_PASSWORD);

      rater.kill('SIGTERM');
      expect(await exited(rater)).toBe(0);
      rater = undefined;
      expect(output).toContain('"level":20'); // debug lines were written, and checked below
      expectNoSecret(output, secrets);
    } finally {
      rater?.kill('SIGKILL');
      await run.drop();
    }
  });

  const log = createLogger('silent');
  const kafkaError = async (env: Record<string, string | undefined>): Promise<{ code?: string; message: string }> => {
    const cfg = loadConfig({
      env: { ...securedEnv(), RATEL_KAFKA_TOPIC: 'it.secured.errors', RATEL_KAFKA_DLQ_TOPIC: 'it.secured.errors.dlq', ...env },
    });
    try {
      await ensureTopics(createKafka(cfg, log), cfg);
      return { message: 'connected' };
    } catch (e) {
      return e as { code?: string; message: string };
    }
  };
  const storeError = async (url: string, auth: Parameters<typeof openServerStore>[2]): Promise<{ code?: string; message: string }> => {
    try {
      const s = await openServerStore(url, 'default', auth);
      await s.close();
      return { message: 'connected' };
    } catch (e) {
      return e as { code?: string; message: string };
    }
  };

  it('Kafka: SCRAM-SHA-256, SCRAM-SHA-512, PLAIN and a client certificate connect', async () => {
    for (const mechanism of ['scram-sha-256', 'scram-sha-512', 'plain'])
      expect((await kafkaError({ RATEL_KAFKA_SASL_MECHANISM: mechanism })).message).toBe('connected');
    expect((await kafkaError({ RATEL_KAFKA_SSL_CERT_FILE: CLIENT_CERT_FILE, RATEL_KAFKA_SSL_KEY_FILE: CLIENT_KEY_FILE })).message).toBe(
      'connected',
    );
  });

  it('Kafka: a wrong password is BROKER_AUTH_FAILED, an untrusted CA TLS_UNTRUSTED, plain text to the TLS port TLS_REQUIRED', async () => {
    const wrong = await kafkaError({ RATEL_KAFKA_SASL_PASSWORD: WRONG_PASSWORD });
    expect(wrong.code).toBe('BROKER_AUTH_FAILED');
    expect(wrong.message).toContain(SECURED_BROKER);
    expect(wrong.message).toContain(`user "${USER}"`);
    expect(wrong.message).not.toContain(WRONG_PASSWORD);
    const untrusted = await kafkaError({ RATEL_KAFKA_SSL_CA_FILE: OTHER_CA_FILE });
    expect(untrusted.code).toBe('TLS_UNTRUSTED');
    expect(untrusted.message).toContain(SECURED_BROKER);
    const plain = await kafkaError({
      RATEL_KAFKA_SSL: undefined,
      RATEL_KAFKA_SSL_CA_FILE: undefined,
      RATEL_KAFKA_SASL_MECHANISM: undefined,
      RATEL_KAFKA_SASL_USERNAME: undefined,
      RATEL_KAFKA_SASL_PASSWORD: undefined,
    });
    expect(plain.code).toBe('TLS_REQUIRED');
    expect(plain.message).toContain(SECURED_BROKER);
    expect(plain.message).toContain('RATEL_KAFKA_SSL');
    for (const e of [wrong, untrusted, plain]) expectNoSecret(e.message, [kafkaPassword(), WRONG_PASSWORD]);
  });

  it('ClickHouse: a client certificate connects; a wrong password is STORE_AUTH_FAILED, an untrusted CA TLS_UNTRUSTED, http:// to the HTTPS port TLS_REQUIRED', async () => {
    const good = securedStoreAuth();
    const mtls = { ...good, tls: { caFile: CA_FILE, certFile: CLIENT_CERT_FILE, keyFile: CLIENT_KEY_FILE } };
    expect((await storeError(SECURED_CLICKHOUSE_URL.replace('127.0.0.1', 'localhost'), mtls)).message).toBe('connected');
    const wrong = await storeError(SECURED_CLICKHOUSE_URL, { ...good, password: WRONG_PASSWORD });
    expect(wrong.code).toBe('STORE_AUTH_FAILED');
    expect(wrong.message).toContain(SECURED_CLICKHOUSE_URL);
    const untrusted = await storeError(SECURED_CLICKHOUSE_URL, { ...good, tls: { caFile: OTHER_CA_FILE } });
    expect(untrusted.code).toBe('TLS_UNTRUSTED');
    expect(untrusted.message).toContain(SECURED_CLICKHOUSE_URL);
    const plain = await storeError(SECURED_CLICKHOUSE_URL.replace('https:', 'http:'), { username: USER, password: clickhousePassword() });
    expect(plain.code).toBe('TLS_REQUIRED');
    expect(plain.message).toContain(SECURED_CLICKHOUSE_URL.replace('https:', 'http:'));
    for (const e of [wrong, untrusted, plain]) expectNoSecret(e.message, [clickhousePassword(), WRONG_PASSWORD]);
  });
});
