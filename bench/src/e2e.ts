/**
 * End-to-end benchmark against the real Kafka and ClickHouse server (deploy/services.sh up):
 *   e2e_cdrs_per_sec  sustained, from the first produce to the last row stored, over N CDRs
 *   e2e_p99_ms        produce-to-stored latency at a steady produce rate (default 20,000/s)
 *   alert_p99_ms      in that steady phase, from the produce time of the CDR that raised an alert
 *                     (its Kafka timestamp, carried in the alert as cdr_timestamp_ms) to the alert
 *                     read from the alerts topic by a consumer in this process (alert_p50_ms,
 *                     alert_samples; alert_ack_p99_ms: to the produce acknowledgement, from
 *                     ratel_alert_lag_seconds after the warm-up, as the upper bound of its bucket)
 *   pipeline_cdrs_per_sec  the same N CDRs produced first, then the pipeline alone timed from its
 *                     start to the last row stored (skip with RATEL_E2E_PIPELINE_ONLY=0)
 *   rss_mb_peak       peak resident memory of this process (rater + producer child excluded)
 *   e2e_cpu_us_per_cdr_<process>  CPU time per CDR of each process during the timed e2e phase:
 *                     rater (this process, rating workers included; rater_main: its main thread
 *                     alone, from /proc), producer (its sending only),
 *                     broker and clickhouse (when they run on this machine); and
 *                     e2e_cores_at_100k_per_sec: how many cores they would need together at
 *                     100,000 CDR/s at that cost
 *   node bench/dist/e2e.js [cdrs=2000000] [steadyRate=20000] [steadySeconds=30]
 * The rater runs in this process; CDRs are produced by a `ratel produce` child process.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createSchema, openServerStore } from '@ratel/aggregator';
import { createKafka, createLogger, generateAccounts, loadConfig, startPipeline } from '@ratel/ingest';
import { accountBook, loadCatalog } from '@ratel/rater';
import { localCodecs } from '@ratel/schemas';
import type { Consumer } from 'kafkajs';
import { profileSection } from './profile.js';
import { processCpuSeconds, serviceCpuSeconds } from './service-cpu.js';

const total = Number(process.argv[2] ?? 2_000_000);
const steadyRate = Number(process.argv[3] ?? 20_000);
const steadySeconds = Number(process.argv[4] ?? 30);
// The first 5 s of the steady phase are warm-up, left out of the latency figures.
const WARM_UP_S = 5;
if (!(steadySeconds > WARM_UP_S)) {
  console.error(`e2e: the steady phase must last more than its ${WARM_UP_S} s of warm-up (got ${process.argv[4]})`);
  process.exit(2);
}
// ~340 generated CDRs per account and month: enough accounts for `total`.
const accountsN = Math.max(5000, Math.ceil(total / 250));
const cli = fileURLToPath(new URL('../../ingest/dist/cli.js', import.meta.url));
const url = process.env.RATEL_CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';

let rssPeak = 0;
const rssTimer = setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
}, 200);

/**
 * One run on fresh topics and database. `prefill`: produce everything first, then time the
 * pipeline alone (from its start to the last row stored), without the producer's CPU share.
 */
interface PhaseResult {
  seconds: number;
  lat: number[];
  /** CPU seconds per process while the phase ran (the producer's: while it was sending). */
  cpu: Map<string, number>;
  /** With `alerts`: [CDR produce time, ms from it to the alert read from the topic] of each alert raised by a CDR. */
  alertLags: [number, number][];
  /** The p99 of ratel_alert_lag_seconds (upper bound of its bucket, ms), NaN without alerts. */
  alertAckP99Ms: number;
  firstProducedMs: number;
}

/** Reads the alerts topic as it is written: [CDR produce time, lag to now] of each alert. */
async function readAlerts(cfg: ReturnType<typeof loadConfig>, lags: [number, number][]): Promise<Consumer> {
  const kafka = createKafka(cfg, createLogger('error'));
  const consumer = kafka.consumer({ groupId: `${cfg.kafka.groupId}.alerts-reader`, maxWaitTimeInMs: 20 });
  const codec = localCodecs().alert;
  await consumer.connect();
  await consumer.subscribe({ topic: cfg.kafka.alertsTopic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const m of batch.messages) {
        const a = codec.decode(m.value as Buffer);
        if (a.cdr_timestamp_ms !== null) lags.push([a.cdr_timestamp_ms, now - a.cdr_timestamp_ms]);
      }
    },
  });
  return consumer;
}

/** The p-quantile of a prom-client histogram, as the upper bound of the bucket it falls in (ms). */
async function histogramQuantileMs(
  h: { get(): Promise<{ values: { value: number; labels: Record<string, unknown>; metricName?: string }[] }> },
  q: number,
): Promise<number> {
  const { values } = await h.get();
  const buckets = values.filter((v) => v.metricName?.endsWith('_bucket'));
  const total = buckets.find((v) => v.labels.le === '+Inf')?.value ?? 0;
  if (total === 0) return Number.NaN;
  for (const b of buckets) if (b.value >= q * total) return b.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(b.labels.le) * 1000;
  return Number.NaN;
}

async function phase(name: string, count: number, rate: number, prefill = false, alerts = false): Promise<PhaseResult> {
  const tag = `${name}_${Date.now()}`;
  const env = {
    RATEL_KAFKA_TOPIC: `bench.${tag}`,
    RATEL_KAFKA_DLQ_TOPIC: `bench.${tag}.dlq`,
    RATEL_KAFKA_ALERTS_TOPIC: `bench.${tag}.alerts`,
    RATEL_KAFKA_GROUP: `bench.${tag}`,
    RATEL_STORE_ENGINE: 'server',
    RATEL_CLICKHOUSE_DATABASE: `bench_${tag}`,
  };
  const cfg = loadConfig({ env: { ...process.env, ...env } });
  const admin = await openServerStore(url);
  await admin.exec(`CREATE DATABASE ${env.RATEL_CLICKHOUSE_DATABASE}`);
  await admin.close();
  const store = await openServerStore(url, env.RATEL_CLICKHOUSE_DATABASE);
  await createSchema(store);
  const catalog = loadCatalog();
  const accounts = accountBook(generateAccounts({ accounts: accountsN, month: 202610, seed: 9 }), catalog);
  const log = createLogger('error');
  const produce = () =>
    spawn(
      process.execPath,
      [
        // The young-generation size the README recommends for `ratel produce` and `ratel run`.
        '--max-semi-space-size=64',
        cli,
        'produce',
        '--accounts',
        String(accountsN),
        '--seed',
        '9',
        '--month',
        '2026-10',
        '--limit',
        String(count),
        '--rate',
        String(rate),
      ],
      {
        env: { ...process.env, ...env, RATEL_LOG_LEVEL: 'error' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
  // `ratel produce` ends with a line "produced=… cpu_seconds=…": its CPU time while sending.
  let producerOut = '';
  const readProducer = (c: ReturnType<typeof produce>) =>
    c.stdout?.on('data', (d: Buffer) => {
      producerOut += d.toString();
    });
  let child = prefill ? produce() : null;
  if (child) {
    readProducer(child);
    const code = await new Promise<number | null>((r) => child?.once('exit', r));
    if (code !== 0) throw new Error(`producer failed (${code})`);
  }
  // RATEL_BENCH_PROFILE=<file> profiles this process during one phase (RATEL_BENCH_PROFILE_PHASE,
  // default bulk): see profile.ts.
  const profile = name === (process.env.RATEL_BENCH_PROFILE_PHASE ?? 'bulk') ? await profileSection() : null;
  const p = await startPipeline(createKafka(cfg, log), cfg, { catalog, accounts, codecs: localCodecs(), log, store });
  await p.ready;
  const alertLags: [number, number][] = [];
  const alertsReader = alerts ? await readAlerts(cfg, alertLags) : null;
  // ratel_alert_lag_seconds from the end of the warm-up on: reset once the first CDR produced is 5 s old.
  const warmTimer = alerts
    ? setInterval(() => {
        if (Number.isFinite(p.stats.firstProducedMs) && Date.now() >= p.stats.firstProducedMs + WARM_UP_S * 1000) {
          p.metrics.alertLag.reset();
          clearInterval(warmTimer);
        }
      }, 20)
    : undefined;
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  // The main thread's own share (its thread id is the process id), apart from the rating workers.
  const main0 = processCpuSeconds(process.pid, process.pid);
  const services0 = serviceCpuSeconds();
  if (!child) {
    child = produce();
    readProducer(child);
  }
  const producer = child;
  const produced = prefill ? Promise.resolve(0) : new Promise<number | null>((r) => producer.once('exit', r));
  const n = () => p.stats.consumed;
  const progress = setInterval(
    () =>
      process.stderr.write(
        `e2e ${name}: consumed ${n()}/${count} rated ${p.stats.rated} dead ${p.stats.deadLetters} replays ${p.stats.replays}\n`,
      ),
    10_000,
  );
  let lastN = 0;
  let stallSince = Date.now();
  while (n() < count) {
    if (producer.exitCode !== null && producer.exitCode !== 0) throw new Error(`producer failed (${producer.exitCode})`);
    if (producer.exitCode === 0 && Date.now() - stallSince > 60_000) throw new Error(`stalled at ${n()} of ${count} records`);
    if (n() !== lastN) {
      lastN = n();
      stallSince = Date.now();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // From the first record's produce time (the producer generates its CDRs before sending).
  clearInterval(progress);
  const seconds = (Date.now() - (prefill ? t0 : p.stats.firstProducedMs)) / 1000;
  await profile?.stop();
  const raterCpu = process.cpuUsage(cpu0);
  const cpu = new Map<string, number>([['rater', (raterCpu.user + raterCpu.system) / 1e6]]);
  const main1 = processCpuSeconds(process.pid, process.pid);
  if (main0 !== null && main1 !== null) cpu.set('rater_main', main1 - main0);
  for (const [s, v] of serviceCpuSeconds()) {
    const before = services0.get(s);
    if (before !== undefined) cpu.set(s, v - before);
  }
  if (alertsReader) {
    // Every alert was acknowledged before its batch was committed: wait for the reader to catch up.
    const producedAlerts = async () => (await p.metrics.alertsProduced.get()).values.reduce((n, v) => n + v.value, 0);
    const until = Date.now() + 10_000;
    while (alertLags.length < (await producedAlerts()) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await alertsReader.disconnect();
  }
  clearInterval(warmTimer);
  const alertAckP99Ms = await histogramQuantileMs(p.metrics.alertLag, 0.99);
  const firstProducedMs = p.stats.firstProducedMs;
  await produced;
  const sendCpu = /cpu_seconds=([\d.]+)/.exec(producerOut);
  if (!prefill && sendCpu) cpu.set('producer', Number(sendCpu[1]));
  process.stderr.write(`e2e ${name}: done, stopping\n`);
  const lat = Array.from(p.latencies.subarray(0, Math.min(p.latencyCount(), p.latencies.length)));
  await p.stop();
  await store.exec(`DROP DATABASE ${env.RATEL_CLICKHOUSE_DATABASE}`);
  await store.close();
  // Only figures leave a phase: the next one starts with none of this one's memory.
  return { seconds, lat, cpu, alertLags, alertAckP99Ms, firstProducedMs };
}

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
};

const bulk = await phase('bulk', total, 0);
console.log(`e2e_cdrs=${total}`);
console.log(`e2e_seconds=${bulk.seconds.toFixed(1)}`);
console.log(`e2e_cdrs_per_sec=${Math.round(total / bulk.seconds)}`);
let usPerCdr = 0;
for (const [proc, s] of bulk.cpu) {
  console.log(`e2e_cpu_us_per_cdr_${proc}=${((s * 1e6) / total).toFixed(1)}`);
  if (proc !== 'rater_main') usPerCdr += (s * 1e6) / total; // rater_main is part of rater
}
// The sum means something only with every process of the chain measured on this machine.
if (['rater', 'producer', 'broker', 'clickhouse'].every((p) => bulk.cpu.has(p)))
  console.log(`e2e_cores_at_100k_per_sec=${((usPerCdr * 100_000) / 1e6).toFixed(2)}`);
else console.error(`e2e: CPU of ${[...bulk.cpu.keys()].join(', ')} only (services elsewhere?): no e2e_cores_at_100k_per_sec`);
if (process.env.RATEL_E2E_PIPELINE_ONLY !== '0') {
  const alone = await phase('pipeline', total, 0, true);
  console.log(`pipeline_cdrs_per_sec=${Math.round(total / alone.seconds)}`);
}
const steady = await phase('steady', steadyRate * steadySeconds, steadyRate, false, true);
// Skip the warm-up of the steady phase (connection and rebalance).
const warm = steady.lat.slice(steadyRate * WARM_UP_S);
if (warm.length === 0) throw new Error('e2e: no latency sample after the warm-up');
console.log(`e2e_steady_rate=${steadyRate}`);
console.log(`e2e_p50_ms=${Math.round(q(warm, 0.5))}`);
console.log(`e2e_p99_ms=${Math.round(q(warm, 0.99))}`);
// Alerts raised by CDRs produced after the warm-up.
const alertWarm = steady.alertLags.filter(([producedMs]) => producedMs >= steady.firstProducedMs + WARM_UP_S * 1000).map(([, ms]) => ms);
console.log(`alert_samples=${alertWarm.length}`);
if (alertWarm.length > 0) {
  console.log(`alert_p50_ms=${Math.round(q(alertWarm, 0.5))}`);
  console.log(`alert_p99_ms=${Math.round(q(alertWarm, 0.99))}`);
} else console.error('e2e: no alert raised after the warm-up: no alert_p99_ms');
console.log(`alert_ack_p99_ms=${steady.alertAckP99Ms}`);
clearInterval(rssTimer);
console.log(`rss_mb_peak=${Math.round(rssPeak / 1048576)}`);
process.exit(0);
