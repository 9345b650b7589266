/**
 * HTTP ingest benchmark (run by bench:import after import.js), against the real Kafka of
 * deploy/services.sh. Prints name=value lines:
 *   http_ingest_cdrs_per_sec         `ratel ingest-http` (a child process) taking N requests of M
 *                                    CDRs as ratel JSON Lines from this process (node:http, C at
 *                                    a time), every one answered 202 only once Kafka acknowledged
 *                                    its CDRs (acks=-1): from the first request sent to the last
 *                                    202 received
 *   http_ingest_csv_cdrs_per_sec     the same with ratel CSV bodies
 *   http_ingest_cpu_us_per_cdr_*     CPU time per CDR of the server, this client and the broker
 *   http_ingest_wall_seconds, http_ingest_load_average (1 min, at the start of each run)
 * Each run checks that the topic then holds exactly N x M records (offsets of every partition).
 *   node bench/dist/http-ingest.js [requests=1000] [cdrs_per_request=1000] [concurrency=8] [workers=cores]
 * RATEL_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the server's processes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createKafka, createLogger, generateAccounts, generateCdrs, loadConfig, sources } from '@ratel/ingest';
import type { Cdr } from '@ratel/schemas';
import { processTreeCpuSeconds, serviceCpuSeconds } from './service-cpu.js';

const REQUESTS = Number(process.argv[2] ?? 1000);
const PER_REQUEST = Number(process.argv[3] ?? 1000);
const CONCURRENCY = Number(process.argv[4] ?? 8);
// One worker process per core (httpIngest.workers), each with its own producer.
const WORKERS = Number(process.argv[5] ?? availableParallelism());
const TOKEN = 'bench-http-ingest-token-0123456789';
const cli = fileURLToPath(new URL('../../ingest/dist/cli.js', import.meta.url));

// A pool of generated CDRs, made distinct per request by their id (the topic takes them as new).
const MONTH = (() => {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
})();
const accounts = generateAccounts({ accounts: 200, month: MONTH, seed: 5 });
const pool = generateCdrs(accounts, { accounts: 200, month: MONTH, seed: 5, malformedShare: 0 });

function bodies(format: 'ratel-jsonl' | 'ratel-csv'): Buffer[] {
  const out: Buffer[] = [];
  for (let r = 0; r < REQUESTS; r++) {
    const lines: string[] = format === 'ratel-csv' ? [sources.ratelCsvHeader()] : [];
    for (let k = 0; k < PER_REQUEST; k++) {
      const c = pool[(r * PER_REQUEST + k) % pool.length] as Cdr;
      const cdr = { ...c, id: `${c.id}~${r}.${k}` };
      lines.push(format === 'ratel-csv' ? sources.ratelCsvLine(cdr) : sources.ratelJsonLine(cdr));
    }
    out.push(Buffer.from(`${lines.join('\n')}\n`));
  }
  return out;
}

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  // RATEL_BENCH_SERVER_NODE_ARGS: more node flags for the server (the cluster's workers inherit them).
  const extra = (process.env.RATEL_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, ['--max-semi-space-size=64', ...extra, cli, 'ingest-http', '--port', '0'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/\S+?)\/v1\/cdrs/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`ratel ingest-http exited ${code}: ${err}`)));
  });
  return { child, url };
}

// node:http with keep-alive: node's fetch costs about 8 µs of CPU a CDR on these bodies (0.7 with
// node:http), CPU the server would not get on this 2-core machine. The tests use fetch.
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function post(url: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { authorization: `Bearer ${TOKEN}`, 'content-length': body.length } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function run(format: 'ratel-jsonl' | 'ratel-csv') {
  const tag = `bench.http.${format}.${Date.now()}`;
  const env = {
    RATEL_KAFKA_TOPIC: tag,
    RATEL_KAFKA_DLQ_TOPIC: `${tag}.dlq`,
    RATEL_HTTP_INGEST_TOKEN: TOKEN,
    RATEL_LOG_LEVEL: 'info',
    RATEL_HTTP_INGEST_WORKERS: String(WORKERS),
  };
  const cfg = loadConfig({ env });
  const all = bodies(format);
  const { child, url } = await startServer(env);
  const load = loadavg()[0] as number;
  try {
    const server0 = processTreeCpuSeconds(child.pid as number) ?? 0;
    const services0 = serviceCpuSeconds();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let next = 0;
    let cdrs = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= all.length) return;
        const { status, text } = await post(`${url}/v1/cdrs?format=${format}`, all[i] as Buffer);
        if (status !== 202) throw new Error(`request ${i}: ${status} ${text.slice(0, 500)}`);
        cdrs += (JSON.parse(text) as { cdrs: number }).cdrs;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const server = (processTreeCpuSeconds(child.pid as number) ?? 0) - server0;
    const broker = (serviceCpuSeconds().get('broker') ?? Number.NaN) - (services0.get('broker') ?? Number.NaN);
    // Exactly REQUESTS x PER_REQUEST records on the topic.
    const admin = createKafka(cfg, createLogger('silent')).admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(cfg.kafka.cdrTopic);
      const onTopic = offsets.reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
      if (onTopic !== REQUESTS * PER_REQUEST || cdrs !== onTopic)
        throw new Error(`${onTopic} records on ${cfg.kafka.cdrTopic}, ${cdrs} answered, ${REQUESTS * PER_REQUEST} sent`);
      await admin.deleteTopics({ topics: [cfg.kafka.cdrTopic, cfg.kafka.deadLetterTopic] });
    } finally {
      await admin.disconnect();
    }
    const perCdr = (s: number) => ((s * 1e6) / cdrs).toFixed(2);
    return {
      rate: Math.round(cdrs / seconds),
      seconds,
      server: perCdr(server),
      client: perCdr((cpu.user + cpu.system) / 1e6),
      broker: Number.isNaN(broker) ? 'n/a' : perCdr(broker),
      bytesPerCdr: Math.round(all.reduce((s, b) => s + b.length, 0) / cdrs),
      load,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const jsonl = await run('ratel-jsonl');
const csv = await run('ratel-csv');
console.log(`http_ingest_requests=${REQUESTS}`);
console.log(`http_ingest_cdrs_per_request=${PER_REQUEST}`);
console.log(`http_ingest_concurrency=${CONCURRENCY}`);
console.log(`http_ingest_workers=${WORKERS}`);
console.log(`http_ingest_cdrs_per_sec=${jsonl.rate}`);
console.log(`http_ingest_wall_seconds=${jsonl.seconds.toFixed(2)}`);
console.log(`http_ingest_body_bytes_per_cdr=${jsonl.bytesPerCdr}`);
console.log(`http_ingest_cpu_us_per_cdr_server=${jsonl.server}`);
console.log(`http_ingest_cpu_us_per_cdr_client=${jsonl.client}`);
console.log(`http_ingest_cpu_us_per_cdr_broker=${jsonl.broker}`);
console.log(`http_ingest_load_average=${jsonl.load.toFixed(2)}`);
console.log(`http_ingest_csv_cdrs_per_sec=${csv.rate}`);
console.log(`http_ingest_csv_wall_seconds=${csv.seconds.toFixed(2)}`);
console.log(`http_ingest_csv_body_bytes_per_cdr=${csv.bytesPerCdr}`);
console.log(`http_ingest_csv_cpu_us_per_cdr_server=${csv.server}`);
console.log(`http_ingest_csv_cpu_us_per_cdr_client=${csv.client}`);
console.log(`http_ingest_csv_cpu_us_per_cdr_broker=${csv.broker}`);
console.log(`http_ingest_csv_load_average=${csv.load.toFixed(2)}`);
