/**
 * rater_cdrs_per_sec: normalise + trie lookup + price + allowances, one core, with a
 * 100,000-prefix deck and 100,000 accounts, as one RatingSession rates them in-process (batches
 * of 10,000 with their Avro bodies; decoding is not part of the figure). Also trie_mb and
 * trie_compile_ms, trie_lookup_ns (one longest-prefix lookup of a random number), and
 * rater_held_mb: the CDRs the engine holds for re-rating.
 *
 * rater_cdrs_per_sec_1t / _2t: the same CDRs through the rating pool the pipeline uses, with 1
 * and 2 worker threads: Avro bodies in, split by account shard on the main thread, decoded, rated
 * and encoded for the store (RowBinary) in the workers, the rows back as bytes, four batches in
 * flight as the month job keeps them. Wall clock from the first batch to the last rows. The two
 * pools run in turn, RATEL_BENCH_ROUNDS times (default 3); each prints its run of median
 * throughput (the lower middle one for an even count; rater_runs_1t / _2t list them all), and
 * rater_scaling_2t is the ratio of the two. rater_cpu_us_per_cdr_1t / _2t is that run's CPU time
 * (every thread) per CDR; where /proc is readable, rater_cpu_us_per_cdr_<n>t_workers / _gc /
 * _main split it into the rating workers (the threads the pool started), the threads that were
 * there before it (V8's helpers: parallel scavenges, concurrent marking) and the main thread.
 * machine_scaling_2t is the yardstick: the same ratio for work that shares nothing (integer
 * arithmetic in the first level of cache, machine-scaling.ts), measured after each round's two
 * pools, its median and its runs (machine_runs_2t): what this machine's two cores give at all,
 * beside each round's own ratio (rater_scaling_runs_2t).
 *   node bench/dist/rater.js [cdrs] [prefixes] [accounts]
 */
import { availableParallelism, loadavg } from 'node:os';
import { ROWS_ENCODER_MODULE } from '@ratel/aggregator';

import { MONTH_BATCHES_IN_FLIGHT, Rng } from '@ratel/ingest';
import { compileTrie, newOutput, type PoolBatchResult, RatingEngine, RatingPool, RatingSession } from '@ratel/rater';
import { type Cdr, cdrType } from '@ratel/schemas';
import { syntheticDeck } from './deck.js';
import { machineScaling2t } from './machine-scaling.js';
import { profileSection } from './profile.js';
import { threadCpuSeconds } from './service-cpu.js';
import { avroBodies, catalogWith, MONTH_START_MS, voiceAccounts, voiceCdrs } from './voice-cdrs.js';

const nCdrs = Number(process.argv[2] ?? 2_000_000);
const nPrefixes = Number(process.argv[3] ?? 100_000);
const nAccounts = Number(process.argv[4] ?? 100_000);

const deck = syntheticDeck(nPrefixes);
const t0 = performance.now();
const trie = compileTrie(deck);
const compileMs = performance.now() - t0;

// One trie lookup on its own: random numbers under the deck's prefixes, as the CDRs' callees.
const lookupRng = new Rng(7);
const lookupKeys = Array.from({ length: 1_000_000 }, () => {
  const p = (deck[lookupRng.int(0, deck.length - 1)] as { prefix: string }).prefix;
  return `${p}${lookupRng.digits(12 - p.length)}`;
});
const lookupAt = Date.parse('2026-10-15T00:00:00Z');
let found = 0;
const t3 = performance.now();
for (const k of lookupKeys) if (trie.lookup(k, lookupAt) >= 0) found++;
const lookupNs = ((performance.now() - t3) * 1e6) / lookupKeys.length;
if (found !== lookupKeys.length) throw new Error(`trie lookup bench: ${lookupKeys.length - found} numbers not found`);
lookupKeys.length = 0;

// The shipped catalog, with its fr-retail tariff replaced by the synthetic deck.
const catalog = catalogWith(trie);
const book = voiceAccounts(nAccounts, catalog);

const cdrAt = voiceCdrs(deck, nCdrs, nAccounts);

// The CDRs as the pipeline receives them: Avro bodies (one buffer, `ends` marks each end).
// Decoding is not part of the figure: it is done batch by batch outside the timed section, so
// the CDR objects live as long as in the pipeline (one batch). The timed section is the rating
// proper: take each body's view, rate, hold.
const { wire, ends } = avroBodies(nCdrs, cdrAt);

const batch = 10_000;

/** What one run of a rating pool measured. */
interface PoolRun {
  perSec: number;
  cpuUs: number;
  /** CPU µs per CDR of the rating workers, of V8's helper threads, of the main thread (NaN without /proc). */
  workersUs: number;
  gcUs: number;
  mainUs: number;
  events: number;
}

/** The CDRs through a rating pool of `threads` workers: wall-clock rate, CPU per CDR (by kind of thread), events. */
async function pooled(threads: number): Promise<PoolRun> {
  // The threads there before the pool: the main thread and V8's helpers.
  const before = threadCpuSeconds();
  const pool = new RatingPool(
    { catalog, accounts: book },
    { sink: { write: () => Promise.resolve(), drain: () => Promise.resolve() } },
    { threads, encoder: { module: ROWS_ENCODER_MODULE, options: { engine: 'server' } }, now: () => 0 },
  );
  // Workers started (their context read) before the clock starts: CDRs of unknown accounts reach
  // every shard and leave nothing behind (dead letters).
  const first = cdrType.decode(wire, ends[0]).value as Cdr;
  const warm = Array.from({ length: 64 }, (_, k) => ({ ...first, id: `warm${k}`, account_id: `warm${k}` }));
  if ((await pool.rateCdrs(warm)).dead.length !== warm.length) throw new Error('pool bench: warm-up CDRs were rated');
  const threads0 = threadCpuSeconds();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  const inFlight: Promise<PoolBatchResult>[] = [];
  for (let i = 0; i < nCdrs; i += batch) {
    inFlight.push(pool.rate({ data: wire, ends, from: i, to: Math.min(nCdrs, i + batch), schemaId: 0, framed: false }));
    if (inFlight.length >= MONTH_BATCHES_IN_FLIGHT) n += (await inFlight.shift())?.rated ?? 0;
  }
  for (const p of inFlight) n += (await p).rated;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const threads1 = threadCpuSeconds();
  await pool.close();
  let workers = 0;
  let gc = 0;
  let main = 0;
  for (const [tid, s] of threads1) {
    const d = s - (threads0.get(tid) ?? 0);
    if (tid === process.pid) main += d;
    else if (before.has(tid)) gc += d;
    else workers += d;
  }
  const us = (s: number) => (threads1.size === 0 ? Number.NaN : (s * 1e6) / nCdrs);
  return {
    perSec: Math.round(nCdrs / (ms / 1000)),
    cpuUs: (cpu.user + cpu.system) / nCdrs,
    workersUs: us(workers),
    gcUs: us(gc),
    mainUs: us(main),
    events: n,
  };
}

/** The run of median throughput (the lower middle one for an even count). */
const medianRun = (runs: readonly PoolRun[]): PoolRun => [...runs].sort((a, b) => a.perSec - b.perSec)[(runs.length - 1) >> 1] as PoolRun;

// The pools first: the in-process session below leaves a large heap (its held CDRs) whose
// collections would be charged to the pools' CPU time. 1 and 2 threads in turn, so that a change
// in the machine's load falls on both.
const load0 = loadavg()[0] as number;
const rounds = Math.max(1, Number(process.env.RATEL_BENCH_ROUNDS ?? 3));
const ones: PoolRun[] = [];
const twos: PoolRun[] = [];
const machine: number[] = [];
for (let r = 0; r < rounds; r++) {
  ones.push(await pooled(1));
  twos.push(await pooled(2));
  machine.push(await machineScaling2t());
}
const one = medianRun(ones);
const two = medianRun(twos);

// The rating session every path drives, with a sink that keeps nothing (no store in this figure).
const session = new RatingSession(
  { catalog, accounts: book },
  { sink: { write: () => Promise.resolve(), drain: () => Promise.resolve() } },
  { now: () => 0 },
);
const engine = session.engine;
let events = 0;
let dead = 0;
let cost = 0;
let rateMs = 0;
const profile = await profileSection();
for (let i = 0; i < nCdrs; i += batch) {
  const end = Math.min(nCdrs, i + batch);
  const cdrs: Cdr[] = new Array(end - i);
  for (let k = i; k < end; k++) cdrs[k - i] = cdrType.decode(wire, ends[k]).value as Cdr;
  const t1 = performance.now();
  const bodies: Buffer[] = new Array(end - i);
  for (let k = i; k < end; k++) bodies[k - i] = wire.subarray(ends[k], ends[k + 1]);
  const { out } = await session.rate(cdrs, bodies);
  events += out.events.length;
  dead += out.dead.length;
  rateMs += performance.now() - t1;
  for (const e of out.events) cost += e.cost_micros;
}
await profile.stop();

// Replays after an incident: one account-month of 50,000 CDRs sent again in full, with their Avro
// bodies as the pipeline gives them. Each replay is found through the id index in one probe (it
// once walked the whole account-month) and confirmed on its bytes (the same id with other bytes
// is a conflict). Without bodies the engine would encode each CDR to compare it.
const bigN = 50_000;
const big: Cdr[] = [];
for (let i = 0; i < bigN; i++) {
  const c = cdrAt(i);
  const v = c.voice as NonNullable<Cdr['voice']>;
  const shift = MONTH_START_MS + i * 50_000 - c.start_ms; // spread over the month, times kept consistent
  big.push({
    ...c,
    id: `big${i}`,
    account_id: 'a0',
    user_id: 'a0u',
    start_ms: c.start_ms + shift,
    voice: { ...v, answer_ms: v.answer_ms === null ? null : v.answer_ms + shift, end_ms: v.end_ms + shift },
  });
}
const bigBodies = big.map((c) => cdrType.toBuffer(c));
const bigEngine = new RatingEngine({ catalog, accounts: book }, () => 0);
for (let i = 0; i < bigN; i += batch) bigEngine.addAll(big.slice(i, i + batch), newOutput(), bigBodies.slice(i, i + batch));
const replayed = newOutput();
const t2 = performance.now();
for (let i = 0; i < bigN; i += batch) bigEngine.addAll(big.slice(i, i + batch), replayed, bigBodies.slice(i, i + batch));
const replayMs = performance.now() - t2;
if (replayed.replays !== bigN || replayed.events.length !== 0)
  throw new Error(`replay bench: ${replayed.replays} replays, ${replayed.events.length} events`);

for (const r of [...ones, ...twos])
  if (r.events !== events) throw new Error(`pool bench: ${r.events} events through the pool, ${events} in-process`);

console.log(`trie_prefixes=${nPrefixes}`);
console.log(`trie_nodes=${trie.nodeCount}`);
console.log(`trie_compile_ms=${compileMs.toFixed(0)}`);
console.log(`trie_mb=${(trie.byteLength / 1048576).toFixed(1)}`);
console.log(`trie_lookup_ns=${lookupNs.toFixed(0)}`);
console.log(`rater_accounts=${nAccounts}`);
console.log(`rater_cdrs=${nCdrs}`);
console.log(`rater_events=${events}`);
console.log(`rater_dead=${dead}`);
console.log(`rater_cost_micros=${cost}`);
console.log(`rater_held_mb=${(engine.heldBytes / 1048576).toFixed(0)}`);
console.log(`replay_cdrs_per_sec=${Math.round(bigN / (replayMs / 1000))}`);
console.log(`rater_cdrs_per_sec=${Math.round(nCdrs / (rateMs / 1000))}`);
console.log(`rater_cdrs_per_sec_1t=${one.perSec}`);
console.log(`rater_cdrs_per_sec_2t=${two.perSec}`);
console.log(`rater_scaling_2t=${(two.perSec / one.perSec).toFixed(2)}`);
const machineSorted = [...machine].sort((a, b) => a - b);
console.log(`machine_scaling_2t=${(machineSorted[(machine.length - 1) >> 1] as number).toFixed(2)}`);
console.log(`rater_scaling_runs_2t=${ones.map((o, r) => ((twos[r] as PoolRun).perSec / o.perSec).toFixed(2)).join('/')}`);
console.log(`machine_runs_2t=${machine.map((m) => m.toFixed(2)).join('/')}`);
console.log(`rater_runs_1t=${ones.map((r) => r.perSec).join('/')}`);
console.log(`rater_runs_2t=${twos.map((r) => r.perSec).join('/')}`);
for (const [name, r] of [
  ['1t', one],
  ['2t', two],
] as const) {
  console.log(`rater_cpu_us_per_cdr_${name}=${r.cpuUs.toFixed(2)}`);
  if (!Number.isNaN(r.workersUs)) {
    console.log(`rater_cpu_us_per_cdr_${name}_workers=${r.workersUs.toFixed(2)}`);
    console.log(`rater_cpu_us_per_cdr_${name}_gc=${r.gcUs.toFixed(2)}`);
    console.log(`rater_cpu_us_per_cdr_${name}_main=${r.mainUs.toFixed(2)}`);
  }
}
console.log(`cores=${availableParallelism()} load_avg_1m=${load0.toFixed(1)}-${(loadavg()[0] as number).toFixed(1)}`);
