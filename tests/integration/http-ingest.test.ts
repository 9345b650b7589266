/**
 * `ratel ingest-http` (POST /v1/cdrs) against a real Kafka, with node's fetch as the client.
 *
 * First part, the shared broker (127.0.0.1:19092), the server run as the real command:
 *   - 1,000 requests of 1,000 CDRs (RATEL_TEST_HTTP_CDRS_PER_REQUEST=100 for a quicker run while
 *     developing): every CDR on the topic exactly once, with its bytes, keyed by account, on its
 *     account's partition;
 *   - no or a bad token (401), a body over the limit by its Content-Length and by its bytes as
 *     they come (413, the rest never read), malformed lines (400, each line numbered), a generic
 *     CSV through a mapping and the subscriber directory: nothing of a refused body on the topic;
 *   - metrics, one log line per request without the token, SIGTERM.
 * Second part, a broker of this test's own (deploy/services.sh with RATEL_RUN and ports of its
 * own; the shared one is never stopped): the broker stopped while requests are in flight gives
 * 503 with Retry-After, the client sends the same bodies again, and once the broker is back the
 * pipeline rates the topic into the ClickHouse server: the ratings equal an uninterrupted
 * in-process rating, so no CDR is lost or billed twice.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { type Config, createKafka, createLogger, httpIngest, loadConfig, sources, startPipeline } from '@ratel/ingest';
import { loadCatalog } from '@ratel/rater';
import { type Cdr, localCodecs, voiceCdr } from '@ratel/schemas';
import { Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLICKHOUSE_URL, HINT, KAFKA_BROKERS } from '../services.js';
import { CLI, countStored, exited, reference, stored, waitFor, withRun } from './harness.js';
import { ownBroker } from './own-broker.js';

const codec = localCodecs().cdr;
const TOKEN = 'http-ingest-test-token-0123456789';
const GOLDEN = join(import.meta.dirname, '../ingest/sources/golden');
const PER_REQUEST = Number(process.env.RATEL_TEST_HTTP_CDRS_PER_REQUEST ?? 1000);
const REQUESTS = 1000;
const MAX_BODY = 2 * 1024 * 1024;
const START = Date.UTC(2026, 9, 5, 8);

interface Server {
  child: ChildProcess;
  url: string;
  stderr(): string;
}

/** `ratel ingest-http --port 0` with these variables; resolves once it prints its address. */
async function startCli(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [CLI, 'ingest-http', '--port', '0'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /POST (http:\/\/\S+?)\/v1\/cdrs/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`ratel ingest-http exited ${code} (${HINT}): ${err.slice(-2000)}`)));
  });
  return { child, url, stderr: () => err };
}

/** Records on the topic now (every partition's high watermark minus its low). */
async function onTopic(cfg: Config): Promise<number> {
  const admin = createKafka(cfg, createLogger('silent')).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(cfg.kafka.cdrTopic);
    return offsets.reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

interface Record_ {
  partition: number;
  key: string;
  value: Buffer;
}

/** Every record of the topic (`count` of them), read by a consumer group of its own. */
async function consumeAll(cfg: Config, count: number): Promise<Record_[]> {
  const kafka = createKafka(cfg, createLogger('silent'));
  const consumer = kafka.consumer({ groupId: `${cfg.kafka.cdrTopic}.check`, maxBytesPerPartition: 4 << 20 });
  const out: Record_[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: cfg.kafka.cdrTopic, fromBeginning: true });
    let done: () => void = () => {};
    const all = new Promise<void>((r) => {
      done = r;
    });
    await consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) out.push({ partition: batch.partition, key: m.key?.toString() ?? '', value: m.value as Buffer });
        if (out.length >= count) done();
      },
    });
    await Promise.race([all, new Promise((r) => setTimeout(r, 60_000))]);
    // A moment for any record beyond `count` (a duplicate would show here).
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    await consumer.disconnect();
  }
  return out;
}

const postOnce = (url: string, body: string | Buffer | ReadableStream, opts: { format?: string; token?: string | null } = {}) =>
  fetch(`${url}/v1/cdrs?format=${opts.format ?? 'ratel-jsonl'}`, {
    method: 'POST',
    headers: opts.token === null ? {} : { authorization: `Bearer ${opts.token ?? TOKEN}` },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);

/**
 * A POST, sent again once when fetch reused a pooled keep-alive connection the server had just
 * closed as idle ("other side closed" before any answer: the request never reached the server).
 */
async function post(url: string, body: string | Buffer | ReadableStream, opts: { format?: string; token?: string | null } = {}) {
  try {
    return await postOnce(url, body, opts);
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    if (body instanceof ReadableStream || cause?.code !== 'UND_ERR_SOCKET' || cause.message !== 'other side closed') throw e;
    return await postOnce(url, body, opts);
  }
}

const ACCOUNTS = Array.from({ length: 40 }, (_, i) => `acc-${i}`);
const cdrOf = (r: number, k: number): Cdr =>
  voiceCdr({
    id: `h${r}.${k}`,
    account: ACCOUNTS[(r * 7 + k) % ACCOUNTS.length] as string,
    user: 'u1',
    start: START + (r * PER_REQUEST + k) * 1000,
    callee: '+33612345678',
    seconds: (k % 600) + 1,
  });
const bodyOf = (cdrs: Cdr[]) => `${cdrs.map(sources.ratelJsonLine).join('\n')}\n`;

describe('ratel ingest-http on the shared Kafka', () => {
  const tag = `it.http.${process.pid}.${Date.now()}`;
  const env = {
    RATEL_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
    RATEL_KAFKA_TOPIC: tag,
    RATEL_KAFKA_DLQ_TOPIC: `${tag}.dlq`,
    RATEL_HTTP_INGEST_TOKEN: TOKEN,
    RATEL_HTTP_INGEST_MAX_BODY_BYTES: String(MAX_BODY),
    RATEL_HTTP_INGEST_CSV_MAPPING: join(GOLDEN, 'national-numbers/mapping.json'),
    RATEL_ACCOUNTS_FILE: join(GOLDEN, 'accounts.json'),
    RATEL_LOG_LEVEL: 'info',
  };
  const cfg = loadConfig({ env });
  let server: Server;
  let accepted = 0;
  beforeAll(async () => {
    server = await startCli(env);
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await exited(server.child);
    }
    const admin = createKafka(cfg, createLogger('silent')).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [cfg.kafka.cdrTopic, cfg.kafka.deadLetterTopic] }).catch(() => {});
    await admin.disconnect();
  });

  it(`takes ${REQUESTS} requests of ${PER_REQUEST} CDRs, 8 at a time: each CDR on the topic exactly once, on its account's partition`, async () => {
    const bodies = Array.from({ length: REQUESTS }, (_, r) => bodyOf(Array.from({ length: PER_REQUEST }, (_, k) => cdrOf(r, k))));
    let next = 0;
    const answers: { cdrs: number; lines: number }[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < REQUESTS; i = next++) {
          const r = await post(server.url, bodies[i] as string);
          const a = (await r.json()) as { cdrs: number; lines: number; topic: string };
          expect(r.status, JSON.stringify(a)).toBe(202);
          expect(a.topic).toBe(tag);
          answers.push(a);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `http ingest: ${REQUESTS * PER_REQUEST} CDRs in ${seconds.toFixed(1)} s (${Math.round((REQUESTS * PER_REQUEST) / seconds)}/s)`,
    );
    expect(answers.length).toBe(REQUESTS);
    expect(answers.every((a) => a.cdrs === PER_REQUEST && a.lines === PER_REQUEST)).toBe(true);
    accepted = REQUESTS * PER_REQUEST;
    // acks=-1 before the answer: the records are all there the moment the last 202 came.
    expect(await onTopic(cfg)).toBe(accepted);

    const records = await consumeAll(cfg, accepted);
    expect(records.length).toBe(accepted);
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: cfg.kafka.partitions }, (_, p) => ({
      partitionId: p,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    const partitionOf = new Map(ACCOUNTS.map((a) => [a, partitioner({ topic: tag, partitionMetadata, message: { key: a, value: null } })]));
    const seen = new Set<string>();
    let wrong = 0;
    for (const rec of records) {
      const cdr = codec.decode(rec.value);
      const [r, k] = cdr.id.slice(1).split('.').map(Number) as [number, number];
      seen.add(cdr.id);
      // The frame is the one ratel would write for the CDR sent, keyed by its account, on that account's partition.
      if (!codec.encode(cdrOf(r, k)).equals(rec.value) || rec.key !== cdr.account_id || rec.partition !== partitionOf.get(rec.key)) wrong++;
    }
    expect(wrong).toBe(0);
    expect(seen.size).toBe(accepted);
  }, 300_000);

  it('refuses a missing or wrong token with 401, producing nothing', async () => {
    const body = bodyOf([cdrOf(5000, 1)]);
    for (const token of [null, `${TOKEN.slice(0, -1)}x`, 'short']) {
      const r = await post(server.url, body, { token });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer realm="ratel"');
      expect(((await r.json()) as { error: string }).error).toBe('UNAUTHORIZED');
    }
    const basic = await fetch(`${server.url}/v1/cdrs?format=ratel-jsonl`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
      body,
    });
    expect(basic.status).toBe(401);
    expect(await onTopic(cfg)).toBe(accepted);
  });

  it('refuses a body over httpIngest.maxBodyBytes with 413: by its Content-Length, and by its bytes as they come (the rest never read)', async () => {
    const line = `${sources.ratelJsonLine(cdrOf(6000, 1))}\n`;
    const big = line.repeat(Math.ceil((MAX_BODY + 1) / line.length));
    const r = await post(server.url, big);
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: string }).error).toBe('BODY_TOO_LARGE');

    // 200 MB offered without a length (chunked): the server stops at 2 MiB, so the client is never asked for most of it.
    let offered = 0;
    const chunk = new TextEncoder().encode(line.repeat(1000));
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (offered >= 200_000_000) return c.close();
        offered += chunk.length;
        c.enqueue(chunk);
      },
    });
    const s = await post(server.url, stream);
    expect(s.status).toBe(413);
    expect(((await s.json()) as { message: string }).message).toMatch(/passed httpIngest\.maxBodyBytes/);
    expect(offered).toBeLessThan(40_000_000);
    expect(await onTopic(cfg)).toBe(accepted);

    // `Expect: 100-continue` (curl's way over 1 MB): a body too large or a bad token is refused
    // before the client sends it; an accepted one is asked for (100), then answered 202.
    const expecting = (body: Buffer, token: string) =>
      new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
        const req = request(`${server.url}/v1/cdrs?format=ratel-jsonl`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, expect: '100-continue', 'content-length': body.length },
        });
        let continued = false;
        req.on('continue', () => {
          continued = true;
          req.end(body);
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, continued }));
          if (!continued) req.destroy();
        });
        req.on('error', (e) => (continued ? reject(e) : undefined));
        req.flushHeaders();
      });
    expect(await expecting(Buffer.from(big), TOKEN)).toEqual({ status: 413, continued: false });
    expect(await expecting(Buffer.from(line), 'not-the-token-at-all')).toEqual({ status: 401, continued: false });
    expect(await expecting(Buffer.from(line), TOKEN)).toEqual({ status: 202, continued: true });
    accepted += 1;
    expect(await onTopic(cfg)).toBe(accepted);
  });

  it('answers malformed lines with 400 naming each line, its code and reason, and produces nothing of that body', async () => {
    const cdrs = Array.from({ length: 1000 }, (_, k) => cdrOf(7000, k));
    const lines = cdrs.map(sources.ratelJsonLine);
    lines[9] = '{"id": "truncated",';
    lines[499] = sources.ratelJsonLine({ ...(cdrs[499] as Cdr), user_id: '' });
    lines[999] = sources.ratelJsonLine({
      ...(cdrs[999] as Cdr),
      voice: { ...(cdrs[999]?.voice as NonNullable<Cdr['voice']>), duration_s: 1e8, billable_s: 1e8 },
    });
    const r = await post(server.url, `${lines.join('\n')}\n`);
    expect(r.status).toBe(400);
    const a = (await r.json()) as {
      error: string;
      lines: number;
      rejected: number;
      errors: { line: number; code: string; reason: string }[];
    };
    expect([a.error, a.lines, a.rejected]).toEqual(['LINES_REJECTED', 1000, 3]);
    expect(a.errors.map((e) => [e.line, e.code])).toEqual([
      [10, 'CDR_MALFORMED'],
      [500, 'CDR_MALFORMED'],
      [1000, 'CDR_OUT_OF_RANGE'],
    ]);
    expect(a.errors[1]?.reason).toBe('empty user_id');
    expect(a.errors[2]?.reason).toMatch(/limits\.maxCallSeconds/);

    const noFormat = await fetch(`${server.url}/v1/cdrs`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: 'x' });
    expect([noFormat.status, ((await noFormat.json()) as { error: string }).error]).toEqual([400, 'USAGE_INVALID']);
    const unmapped = await post(server.url, 'a\tb\n', { format: 'tsv' });
    expect(((await unmapped.json()) as { message: string }).message).toMatch(/httpIngest\.mappings\.tsv/);
    const header = await post(server.url, `nope,nothing\n${sources.ratelCsvLine(cdrs[0] as Cdr)}\n`, { format: 'ratel-csv' });
    expect(header.status).toBe(400);
    expect(((await header.json()) as { errors: { line: number; code: string }[] }).errors).toMatchObject([
      { line: 1, code: 'INPUT_UNREADABLE' },
    ]);
    expect(await onTopic(cfg)).toBe(accepted);
  });

  it('reads a generic CSV through its server-side mapping, placing each call by the subscriber directory', async () => {
    const csv = readFileSync(join(GOLDEN, 'national-numbers/input.csv'), 'utf8');
    const r = await post(server.url, csv, { format: 'csv' });
    const a = (await r.json()) as { cdrs: number; lines: number; skipped: number };
    expect(r.status, JSON.stringify(a)).toBe(202);
    const n = csv.trim().split('\n').length - 1;
    expect([a.cdrs, a.skipped]).toEqual([n, 1]);
    accepted += n;
    expect(await onTopic(cfg)).toBe(accepted);
    // A number no account lists: SUBSCRIBER_UNKNOWN, and that body is refused whole.
    const unknown = await post(server.url, `${csv.trim()}\nn99,0999999999,0612345678,1793610000,10\n`, { format: 'csv' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { errors: { line: number; code: string }[] }).errors).toEqual([
      expect.objectContaining({ line: n + 2, code: 'SUBSCRIBER_UNKNOWN' }),
    ]);
    expect(await onTopic(cfg)).toBe(accepted);
  });

  it('serves metrics (with the token), health, and one log line per request that never holds a token; stops on SIGTERM', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    const value = (name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('ratel_http_cdrs_accepted_total')).toBe(accepted);
    expect(value('ratel_http_requests_total{status="202"}')).toBe(REQUESTS + 2);
    expect(value('ratel_http_requests_total{status="401"}')).toBe(6); // 5 on /v1/cdrs, 1 on /metrics
    expect(value('ratel_http_requests_total{status="413"}')).toBe(3);
    expect(value('ratel_http_lines_rejected_total{code="CDR_OUT_OF_RANGE"}')).toBe(1);
    expect(value('ratel_http_request_seconds_count')).toBeGreaterThan(REQUESTS);
    expect(value('ratel_http_body_bytes_total')).toBeGreaterThan(REQUESTS * PER_REQUEST * 100);
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    server.child.kill('SIGTERM');
    expect(await exited(server.child)).toBe(0);
    const log = server.stderr();
    const requests = log.split('\n').filter((l) => l.includes('"msg":"http request"'));
    expect(requests.length).toBeGreaterThan(REQUESTS + 10);
    expect(requests.filter((l) => l.includes('"path":"/v1/cdrs"') && l.includes('"status":202')).length).toBe(REQUESTS + 2);
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(TOKEN.slice(0, -1));
    expect(log.toLowerCase()).not.toContain('authorization');
  });

  it('with --workers 2: both processes serve the port, /metrics sums them, SIGTERM stops all', async () => {
    const two = await startCli({ ...env, RATEL_HTTP_INGEST_WORKERS: '2' });
    try {
      const n = 40;
      const answers = await Promise.all(
        Array.from({ length: n }, async (_, r) => {
          const res = await post(two.url, bodyOf(Array.from({ length: 100 }, (_, k) => cdrOf(9000 + r, k))));
          return res.status;
        }),
      );
      expect(answers).toEqual(Array(n).fill(202));
      accepted += n * 100;
      expect(await onTopic(cfg)).toBe(accepted);
      const text = await (await fetch(`${two.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
      expect(/^ratel_http_cdrs_accepted_total (\d+)$/m.exec(text)?.[1]).toBe(String(n * 100));
      const pids = new Set(
        two
          .stderr()
          .split('\n')
          .filter((l) => l.includes('"status":202'))
          .map((l) => (JSON.parse(l) as { pid: number }).pid),
      );
      expect(pids.size).toBe(2);
      two.child.kill('SIGTERM');
      expect(await exited(two.child)).toBe(0);
      for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      if (two.child.exitCode === null) two.child.kill('SIGKILL');
    }
  });
});

describe('ratel ingest-http when Kafka takes part of a body (shared broker, a topic of its own)', () => {
  it('answers 503; the partitions acknowledged before come again with the retry and are rated once', async () => {
    await withRun('httppartial', 60, 20_000, async (run) => {
      const cfg = loadConfig({ env: { ...run.env, RATEL_HTTP_INGEST_TOKEN: TOKEN, RATEL_HTTP_INGEST_PORT: '0' } });
      // Two accounts on two partitions: one CDR of the first, 150 of the second. The topic takes
      // batches of at most 4,000 bytes (ratel believes 1,000,000): the first partition's batch
      // is written, the second's refused (MESSAGE_TOO_LARGE), within one send.
      const partitioner = Partitioners.DefaultPartitioner();
      const partitionMetadata = Array.from({ length: cfg.kafka.partitions }, (_, p) => ({
        partitionId: p,
        leader: 0,
        partitionErrorCode: 0,
        replicas: [0],
        isr: [0],
      }));
      const partitionOf = (key: string) => partitioner({ topic: cfg.kafka.cdrTopic, partitionMetadata, message: { key, value: null } });
      const byAccount = new Map<string, Cdr[]>();
      for (const c of run.cdrs) byAccount.set(c.account_id, [...(byAccount.get(c.account_id) ?? []), c]);
      const [a, b] = (() => {
        const ids = [...byAccount.keys()].filter((k) => (byAccount.get(k)?.length ?? 0) >= 150);
        for (const x of ids) for (const y of ids) if (partitionOf(x) !== partitionOf(y)) return [x, y];
        throw new Error('no two accounts on two partitions');
      })();
      const one = (byAccount.get(a as string) as Cdr[]).slice(0, 1);
      const many = (byAccount.get(b as string) as Cdr[]).slice(0, 150);
      run.cdrs = [...one, ...many];
      const want = reference(run);
      const kafka = createKafka(cfg, createLogger('silent'));
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [
            {
              topic: cfg.kafka.cdrTopic,
              numPartitions: cfg.kafka.partitions,
              replicationFactor: 1,
              configEntries: [{ name: 'max.message.bytes', value: '4000' }],
            },
          ],
        });
        const log = createLogger(process.env.RATEL_TEST_LOG ?? 'silent');
        const svc = await httpIngest.startHttpIngestService(cfg, { kafka, codec, log });
        try {
          const body = bodyOf(run.cdrs);
          const first = await post(svc.ingest.url, body);
          const refused = (await first.json()) as { error: string; message: string };
          expect([first.status, first.headers.get('retry-after'), refused.error]).toEqual([503, '5', 'MESSAGE_TOO_LARGE']);
          expect((await fetch(`${svc.ingest.url}/readyz`)).status).toBe(503);
          // Part of the body is on the topic all the same: the first account's partition took its CDR.
          expect(await onTopic(cfg)).toBe(1);
          // The topic is set right; the client sends the same body again.
          await admin.alterConfigs({
            validateOnly: false,
            resources: [{ type: 2, name: cfg.kafka.cdrTopic, configEntries: [{ name: 'max.message.bytes', value: '1000000' }] }],
          });
          let status = 0;
          for (let i = 0; i < 20 && status !== 202; i++) {
            if (i > 0) await new Promise((w) => setTimeout(w, 500));
            const again = await post(svc.ingest.url, body);
            await again.arrayBuffer();
            status = again.status;
          }
          expect(status).toBe(202);
          expect((await fetch(`${svc.ingest.url}/readyz`)).status).toBe(200);
          expect(await onTopic(cfg)).toBe(run.cdrs.length + 1); // the first account's CDR twice
        } finally {
          await svc.stop();
        }
        const p = await startPipeline(kafka, cfg, {
          catalog: loadCatalog(),
          accounts: run.accounts,
          codecs: localCodecs(),
          log,
          store: run.store,
        });
        try {
          expect(await waitFor(async () => p.stats.consumed >= run.cdrs.length + 1, 60_000, 250)).toBe(true);
          expect(await waitFor(async () => (await countStored(run)) >= want.size, 60_000, 250)).toBe(true);
          expect(p.stats.replays).toBe(1);
        } finally {
          await p.stop();
        }
        const got = await stored(run);
        expect(got.size).toBe(want.size);
        expect([...want.entries()].filter(([id, row]) => JSON.stringify(got.get(id)) !== JSON.stringify(row))).toEqual([]);
      } finally {
        await admin.deleteTopics({ topics: [cfg.kafka.cdrTopic, cfg.kafka.deadLetterTopic] }).catch(() => {});
        await admin.disconnect();
      }
    });
  }, 180_000);
});

/** A Kafka broker of this test's own, which it may stop (never the shared one). */
const own = ownBroker('RATEL_TEST_OWN_KAFKA', '/tmp/http-ingest-run', 19192);

describe('ratel ingest-http when the broker stops (a broker of its own)', () => {
  beforeAll(() => own.up(), 180_000);
  afterAll(() => own.down(), 60_000);

  it('answers 503 with Retry-After while the broker is down; the client sends the same bodies again; rated once each', async () => {
    const services = own.services;
    await withRun(
      'httpdown',
      150,
      30_000,
      async (run) => {
        const want = reference(run);
        const cfg = loadConfig({ env: { ...run.env, RATEL_HTTP_INGEST_TOKEN: TOKEN, RATEL_HTTP_INGEST_PORT: '0' } });
        const log = createLogger(process.env.RATEL_TEST_LOG ?? 'silent');
        const svc = await httpIngest.startHttpIngestService(cfg, { kafka: createKafka(cfg, log), codec, log });
        const url = svc.ingest.url;
        const per = 100;
        const bodies: string[] = [];
        for (let i = 0; i < run.cdrs.length; i += per) bodies.push(bodyOf(run.cdrs.slice(i, i + per)));
        const status = new Map<number, number>();
        const retryAfter = new Set<string | null>();
        let done = 0;
        let next = 0;
        let sent = 0;
        let broken = 0; // connections that failed before an answer (sent again too)
        const client = Promise.all(
          Array.from({ length: 4 }, async () => {
            for (let i = next++; i < bodies.length; i = next++) {
              for (;;) {
                sent++;
                let r: Response;
                try {
                  r = await post(url, bodies[i] as string);
                } catch {
                  broken++;
                  await new Promise((w) => setTimeout(w, 500));
                  continue;
                }
                await r.arrayBuffer();
                status.set(r.status, (status.get(r.status) ?? 0) + 1);
                if (r.status === 202) break;
                expect(r.status).toBe(503);
                retryAfter.add(r.headers.get('retry-after'));
                // The test waits 1 s, not the 5 s the header says, to stay fast.
                await new Promise((w) => setTimeout(w, 1000));
              }
              done++;
              // Slow enough that the broker stops while requests are still coming.
              await new Promise((w) => setTimeout(w, 20));
            }
          }),
        );
        try {
          expect(await waitFor(async () => done >= bodies.length / 4, 60_000, 50)).toBe(true);
          await own.down();
          const downAt = done;
          // Requests keep coming while the broker is down: they must get 503.
          await waitFor(async () => (status.get(503) ?? 0) >= 3, 30_000, 100);
          await own.up();
          await client;
          expect(done).toBe(bodies.length);
          expect(downAt).toBeLessThan(bodies.length);
          expect(status.get(503) ?? 0).toBeGreaterThan(0);
          expect([...retryAfter]).toEqual([String(httpIngest.RETRY_AFTER_S)]);
          expect(status.get(202)).toBe(bodies.length);
          const m = await svc.ingest.metrics.requests.get();
          expect(m.values.find((v) => v.labels.status === '503')?.value).toBe(status.get(503));
        } finally {
          await client.catch(() => {});
          await svc.stop();
        }
        const records = await onTopic(cfg);
        // A 503 may follow a partial write, and kafkajs may retry a send the broker had taken: copies on the topic.
        expect(records).toBeGreaterThanOrEqual(run.cdrs.length);
        console.log(
          `broker stop: ${sent} requests sent for ${bodies.length} bodies (${status.get(503)} answered 503, ${broken} connections broken), ${records - run.cdrs.length} copies on the topic`,
        );

        const p = await startPipeline(createKafka(cfg, log), cfg, {
          catalog: loadCatalog(),
          accounts: run.accounts,
          codecs: localCodecs(),
          log,
          store: run.store,
        });
        try {
          // A pipeline that stopped on a failure says why here, not as a silent timeout.
          const consumedAll = await Promise.race([waitFor(async () => p.stats.consumed >= records, 120_000, 250), p.failed]);
          expect(consumedAll, `consumed ${p.stats.consumed} of ${records} records`).toBe(true);
          expect(await waitFor(async () => (await countStored(run)) >= want.size, 60_000, 250)).toBe(true);
        } finally {
          await p.stop();
        }
        const got = await stored(run);
        expect(got.size).toBe(want.size);
        const diff = [...want.entries()].filter(([id, row]) => JSON.stringify(got.get(id)) !== JSON.stringify(row));
        expect(diff.slice(0, 5)).toEqual([]);
      },
      services,
    );
  }, 300_000);
});
