/**
 * The rating pool: any number of worker threads gives the ratings, versions, alerts and dead
 * letters of one in-process RatingSession, for any arrival order, batch size, replays and forgets,
 * batches given one at a time or all at once
 * (the store then rebuilds the account-months), over three months (so old months leave memory
 * and come back from the store). The workers run from dist/: build first (npm test does).
 */

import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROWS_ENCODER_MODULE } from '@ratel/aggregator';
import { generateAccounts, generateCdrs } from '@ratel/ingest';
import {
  accountBook,
  type DeadLetter,
  type EncodedRowsSink,
  type HistoryPort,
  loadCatalog,
  type RatedRowsSink,
  RatingPool,
  RatingSession,
  WORKER_YOUNG_GENERATION_MB,
} from '@ratel/rater';
import { type Cdr, errors, localCodecs } from '@ratel/schemas';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowsEncoder } from '../../aggregator/src/rows-encoder.js';
import { MemStore } from './mem-store.js';

const catalog = loadCatalog();
const MONTHS = [202610, 202611, 202612];
const N_ACCOUNTS = 10;
const inputs = generateAccounts({ accounts: N_ACCOUNTS, month: MONTHS[0] as number, seed: 41 });
const accounts = accountBook(inputs, catalog);
const month: Cdr[] = MONTHS.flatMap((m, k) =>
  generateCdrs(inputs, { accounts: N_ACCOUNTS, month: m, seed: 41 + k, callsPerUser: 3, malformedShare: 0.01 }),
);
const codec = localCodecs().cdr;
const NOW = Date.UTC(2027, 0, 1);
const encode = createRowsEncoder({ engine: 'chdb' });

/** Ports that go to whichever store the current run uses. */
class Switch {
  store = new MemStore();
  readonly history: HistoryPort = {
    archived: (from) => this.store.history.archived(from),
    load: (keys) => this.store.history.load(keys),
    ratingCatalogs: () => this.store.history.ratingCatalogs(),
    recordRatingCatalog: (m, v) => this.store.history.recordRatingCatalog(m, v),
  };
  readonly sink: EncodedRowsSink = { write: (parts) => this.store.sink.write(parts), drain: () => this.store.sink.drain() };
}

interface Plan {
  order: number[];
  batch: number;
  /** Batch numbers before which every account-month is forgotten. */
  forgets: Set<number>;
}

interface Outcome {
  events: string[];
  alerts: string[];
  dead: string[];
  replays: number;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

function outcome(store: MemStore, dead: string[], replays: number): Outcome {
  return {
    events: sorted([...store.events.values()].map((e) => JSON.stringify(e))),
    alerts: sorted(store.alerts.keys()),
    dead: sorted(dead),
    replays,
  };
}

const deadKey = (at: number, d: DeadLetter) => `${d.index >= 0 ? at + d.index : -1}|${d.code}|${d.cdr_id}`;

/** The plan through one in-process RatingSession (the reference). */
async function inProcess(session: RatingSession, sw: Switch, cdrs: readonly Cdr[], plan: Plan): Promise<Outcome> {
  const dead: string[] = [];
  let replays = 0;
  for (let b = 0, at = 0; at < cdrs.length; b++, at += plan.batch) {
    if (plan.forgets.has(b)) session.forget('test');
    const { out, stored } = await session.rate(cdrs.slice(at, at + plan.batch));
    await stored;
    for (const d of out.dead) dead.push(deadKey(at, d));
    replays += out.replays;
  }
  return outcome(sw.store, dead, replays);
}

/** The plan through a pool, given frames or CDR objects. */
async function pooled(pool: RatingPool, sw: Switch, cdrs: readonly Cdr[], plan: Plan, objects: boolean): Promise<Outcome> {
  const dead: string[] = [];
  let replays = 0;
  for (let b = 0, at = 0; at < cdrs.length; b++, at += plan.batch) {
    if (plan.forgets.has(b)) pool.forget('test');
    const part = cdrs.slice(at, at + plan.batch);
    const r = objects ? await pool.rateCdrs(part) : await pool.rate({ frames: part.map((c) => codec.encode(c)), schemaId: codec.schemaId });
    await r.stored;
    for (const d of r.dead) dead.push(deadKey(at, d));
    expect(r.bad).toEqual([]);
    replays += r.replays;
  }
  await pool.drain();
  return outcome(sw.store, dead, replays);
}

/** The plan through a pool with every batch handed over at once (forgets aside), as the month job keeps several in flight. */
async function allAtOnce(pool: RatingPool, sw: Switch, cdrs: readonly Cdr[], plan: Plan): Promise<Outcome> {
  const dead: string[] = [];
  let replays = 0;
  let inFlight: { at: number; r: ReturnType<RatingPool['rate']> }[] = [];
  const settle = async () => {
    for (const { at, r } of inFlight) {
      const out = await r;
      for (const d of out.dead) dead.push(deadKey(at, d));
      replays += out.replays;
    }
    inFlight = [];
  };
  for (let b = 0, at = 0; at < cdrs.length; b++, at += plan.batch) {
    if (plan.forgets.has(b)) {
      await settle();
      pool.forget('test');
    }
    const part = cdrs.slice(at, at + plan.batch);
    inFlight.push({ at, r: pool.rate({ frames: part.map((c) => codec.encode(c)), schemaId: codec.schemaId }) });
  }
  await settle();
  await pool.drain();
  return outcome(sw.store, dead, replays);
}

/** A deterministic shuffle (Fisher-Yates on a 32-bit LCG). */
function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let x = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const j = x % (i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

describe('rating pool', () => {
  const THREADS = [1, 2, 3, 4];
  const switches = new Map<number, Switch>();
  const pools = new Map<number, RatingPool>();
  const objectSwitch = new Switch();
  let objectPool: RatingPool;
  const refSwitch = new Switch();
  let reference: RatingSession;

  beforeAll(() => {
    const ctx = { catalog, accounts };
    for (const t of THREADS) {
      const sw = new Switch();
      switches.set(t, sw);
      pools.set(
        t,
        new RatingPool(ctx, sw, { threads: t, encoder: { module: ROWS_ENCODER_MODULE, options: { engine: 'chdb' } }, now: () => NOW }),
      );
    }
    objectPool = new RatingPool(ctx, objectSwitch, {
      threads: 2,
      encoder: { module: ROWS_ENCODER_MODULE, options: { engine: 'chdb' } },
      now: () => NOW,
    });
    const sink: RatedRowsSink = { write: (rows) => refSwitch.sink.write(encode(rows)), drain: () => refSwitch.sink.drain() };
    reference = new RatingSession(ctx, { history: refSwitch.history, sink }, { now: () => NOW });
  });

  afterAll(async () => {
    await Promise.all([...pools.values(), objectPool].map((p) => p?.close()));
  });

  it('1, 2, 3 and 4 threads rate any shuffled month as one session does: ratings, versions, alerts, dead letters', async () => {
    expect(month.length).toBeGreaterThan(1500);
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.integer({ min: 100, max: 900 }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 3 }),
        async (seed, batch, replayShare, forgets) => {
          // Each run starts from an empty store and forgotten memory (as after a rebalance onto a new store).
          const order = shuffled(month.length, seed);
          const cdrs = order.map((i) => month[i] as Cdr);
          // Replays: a share of the CDRs sent again, later, in another order.
          const again = order.slice(0, Math.floor(replayShare * order.length)).map((i) => month[(i * 7919) % month.length] as Cdr);
          const all = [...cdrs, ...again];
          const plan: Plan = { order, batch, forgets: new Set(forgets) };
          refSwitch.store = new MemStore();
          reference.forget('next run');
          const want = await inProcess(reference, refSwitch, all, plan);
          expect(want.events.length).toBeGreaterThan(month.length * 0.9);
          for (const t of THREADS) {
            const sw = switches.get(t) as Switch;
            const pool = pools.get(t) as RatingPool;
            sw.store = new MemStore();
            pool.forget('next run');
            const got = await pooled(pool, sw, all, plan, false);
            expect({ threads: t, ...got }).toEqual({ threads: t, ...want });
          }
          objectSwitch.store = new MemStore();
          objectPool.forget('next run');
          expect(await pooled(objectPool, objectSwitch, all, plan, true)).toEqual(want);
          // Every batch handed over before the first is rated, to a new pool whose store answers
          // in any order: the same as batch after batch.
          const jittery = new Switch();
          jittery.store = new MemStore(true, 5);
          const fresh = new RatingPool({ catalog, accounts }, jittery, {
            threads: 2,
            encoder: { module: ROWS_ENCODER_MODULE, options: { engine: 'chdb' } },
            now: () => NOW,
          });
          try {
            expect({ allAtOnce: true, ...(await allAtOnce(fresh, jittery, all, plan)) }).toEqual({ allAtOnce: true, ...want });
          } finally {
            await fresh.close();
          }
        },
      ),
      { numRuns: 4 },
    );
  }, 240_000);

  it('batches handed over together are rated in the order given, even when the store answers the later one first', async () => {
    // Two batches of the same accounts, each with CDRs earlier than the other's: rated the other
    // way round, they would give other versions.
    // Heavy users (many calls each), so that fair-use caps make ratings depend on the order.
    const heavy = generateCdrs(inputs, {
      accounts: N_ACCOUNTS,
      month: MONTHS[0] as number,
      seed: 43,
      callsPerUser: 120,
      malformedShare: 0,
    });
    const cdrs = shuffled(heavy.length, 7).map((i) => heavy[i] as Cdr);
    const half = Math.floor(cdrs.length / 2);
    const [first, second] = [cdrs.slice(0, half), cdrs.slice(half)];
    const run = async (together: boolean) => {
      const sw = new Switch();
      let calls = 0;
      // The first batch's first read waits: the second batch's reads come back before it.
      const history: HistoryPort = {
        ...sw.history,
        ratingCatalogs: async () => {
          if (calls++ === 0) await new Promise((r) => setTimeout(r, 300));
          return sw.history.ratingCatalogs();
        },
      };
      const pool = new RatingPool(
        { catalog, accounts },
        { history, sink: sw.sink },
        {
          threads: 1,
          encoder: { module: ROWS_ENCODER_MODULE, options: { engine: 'chdb' } },
          now: () => NOW,
        },
      );
      try {
        const frames = (part: Cdr[]) => ({ frames: part.map((c) => codec.encode(c)), schemaId: codec.schemaId });
        if (together) {
          const a = pool.rate(frames(first));
          const b = pool.rate(frames(second));
          await (await a).stored;
          await (await b).stored;
        } else {
          await (await pool.rate(frames(first))).stored;
          await (await pool.rate(frames(second))).stored;
        }
        return outcome(sw.store, [], 0).events;
      } finally {
        await pool.close();
      }
    };
    const oneByOne = await run(false);
    expect(oneByOne.filter((e) => JSON.parse(e).version > 1).length).toBeGreaterThan(0);
    expect(await run(true)).toEqual(oneByOne);
  }, 60_000);

  it("the workers run with a young generation of WORKER_YOUNG_GENERATION_MB (a batch's objects die young)", async () => {
    const pool = new RatingPool({ catalog, accounts }, new Switch(), {
      threads: 1,
      encoder: { module: new URL('./heap-limits-rows-encoder.mjs', import.meta.url).href },
      now: () => NOW,
    });
    try {
      expect(WORKER_YOUNG_GENERATION_MB).toBeGreaterThanOrEqual(96);
      await expect(pool.rate({ frames: month.slice(0, 5).map((c) => codec.encode(c)), schemaId: codec.schemaId })).rejects.toThrow(
        `young generation ${WORKER_YOUNG_GENERATION_MB} MB`,
      );
    } finally {
      await pool.close();
    }
  });

  it('a worker that dies leaves its shard to its replacement, which rebuilds it from the store: same ratings', async () => {
    const sw = new Switch();
    const marker = join(mkdtempSync(join(tmpdir(), 'ratel-exit-')), 'exited');
    const pool = new RatingPool({ catalog, accounts }, sw, {
      threads: 2,
      encoder: { module: new URL('./exiting-rows-encoder.mjs', import.meta.url).href, options: { engine: 'chdb', exitAt: 3, marker } },
      now: () => NOW,
    });
    try {
      const frames = month.map((c) => codec.encode(c));
      let failures = 0;
      for (let at = 0; at < frames.length; ) {
        try {
          await (await pool.rate({ frames: frames.slice(at, at + 200), schemaId: codec.schemaId })).stored;
          at += 200;
        } catch {
          failures++; // the batch the worker died in: rated again, as kafkajs would offer it again
          expect(failures).toBeLessThan(3);
        }
      }
      expect(existsSync(marker)).toBe(true);
      expect(failures).toBe(1);
      const refSw = new Switch();
      const sink: RatedRowsSink = { write: (rows) => refSw.sink.write(encode(rows)), drain: () => refSw.sink.drain() };
      await (await new RatingSession({ catalog, accounts }, { history: refSw.history, sink }, { now: () => NOW }).rate(month)).stored;
      const latest = (s: MemStore) => sorted([...s.latest().values()].map((e) => JSON.stringify({ ...e, version: 0 })));
      expect(latest(sw.store)).toEqual(latest(refSw.store));
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('a store read that fails makes the batch fail with that error; every shard forgets, and the next try rates as one session', async () => {
    const sw = new Switch();
    let fail = 0;
    const history: HistoryPort = {
      ...sw.history,
      load: (keys) => (fail-- > 0 ? Promise.reject(errors.storeUnreachable('mem://test', new Error('down'))) : sw.history.load(keys)),
    };
    const pool = new RatingPool(
      { catalog, accounts },
      { history, sink: sw.sink },
      {
        threads: 2,
        encoder: { module: ROWS_ENCODER_MODULE, options: { engine: 'chdb' } },
        now: () => NOW,
      },
    );
    try {
      const half = Math.floor(month.length / 2);
      const first = month.slice(0, half).map((c) => codec.encode(c));
      const rest = month.slice(half).map((c) => codec.encode(c));
      await (await pool.rate({ frames: first, schemaId: codec.schemaId })).stored;
      pool.forget('restart');
      fail = 1;
      await expect(pool.rate({ frames: rest, schemaId: codec.schemaId })).rejects.toMatchObject({ code: 'STORE_UNREACHABLE' });
      await (await pool.rate({ frames: rest, schemaId: codec.schemaId })).stored;
      const refSw = new Switch();
      const sink: RatedRowsSink = { write: (rows) => refSw.sink.write(encode(rows)), drain: () => refSw.sink.drain() };
      const ref = new RatingSession({ catalog, accounts }, { history: refSw.history, sink }, { now: () => NOW });
      await (await ref.rate(month)).stored;
      const latest = (s: MemStore) => sorted([...s.latest().values()].map((e) => JSON.stringify({ ...e, version: 0 })));
      expect(latest(sw.store)).toEqual(latest(refSw.store));
    } finally {
      await pool.close();
    }
  }, 60_000);
});
