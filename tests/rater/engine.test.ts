// The rating engine's memory (rater/src/engine.ts): replays found by id and start without a map
// by id, months evicted between batches and restored from what the store holds.
import { latestVersions, loadCatalog, newOutput, type PriorRating, RatingEngine, rateAll } from '@ratel/rater';
import { type Cdr, cdrType, type RatedEvent } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';
import { ACCOUNT, accountInput, contextOf, fixedNow, nth, voice } from './helpers.js';

const ctx = contextOf(loadCatalog(), accountInput(ACCOUNT, 'fr-start', ['u1']));
const call = (id: string, iso: string, callee = '+33612345678') => voice(id, 'u1', callee, iso, 120);
const priors = (events: readonly RatedEvent[]): Map<string, PriorRating> => latestVersions(events);

describe('RatingEngine memory', () => {
  it('a replay of an earlier CDR (same id, same start) is found in the middle of the month', () => {
    const engine = new RatingEngine(ctx, fixedNow);
    const out = newOutput();
    const cdrs = [call('a', '2026-10-02T10:00:00'), call('b', '2026-10-05T10:00:00'), call('c', '2026-10-09T10:00:00')];
    engine.addAll(cdrs, out);
    const again = newOutput();
    engine.addAll([cdrs[1] as Cdr, cdrs[0] as Cdr], again);
    expect(again.replays).toBe(2);
    expect(again.events).toEqual([]);
  });

  it('a known id with other content is a conflict: dead-lettered with both versions, the held one stays billed', () => {
    const engine = new RatingEngine(ctx, fixedNow);
    const out = newOutput();
    const a = call('a', '2026-10-02T10:00:00');
    engine.addAll([a, call('b', '2026-10-05T10:00:00')], out);
    const again = newOutput();
    const otherA = call('a', '2026-10-20T10:00:00');
    engine.addAll([otherA, call('b', '2026-10-01T10:00:00'), structuredClone(a)], again);
    expect(again.replays).toBe(1);
    expect(again.events).toEqual([]);
    expect(again.accepted).toEqual([]);
    expect(again.dead.map((d) => [d.cdr_id, d.code, d.index])).toEqual([
      ['a', 'CDR_CONFLICT', 0],
      ['b', 'CDR_CONFLICT', 1],
    ]);
    expect(again.dead[0]?.cdr).toEqual(otherA);
    expect(again.dead[0]?.held).toEqual(a);
  });

  it('two versions of one id in the same batch: the first is rated, the second is a conflict', () => {
    const engine = new RatingEngine(ctx, fixedNow);
    const out = newOutput();
    engine.addAll([call('z', '2026-10-09T10:00:00')], out);
    // Both late (before z): they wait in the batch's late set, where the conflict is found too.
    const first = call('late', '2026-10-02T10:00:00');
    const second = call('late', '2026-10-03T10:00:00');
    engine.addAll([first, second, structuredClone(first)], out);
    expect(out.accepted.map((x) => x.cdr)).toEqual([out.accepted[0]?.cdr, first]);
    expect(out.dead.map((d) => [d.code, d.index])).toEqual([['CDR_CONFLICT', 1]]);
    expect(out.replays).toBe(1);
  });

  it('evicts months before the given one, and a restored month rates late CDRs as if it had stayed', () => {
    // September: 100 distinct callees, Forfait Start's cap (SPEC §4); the late call to a 101st,
    // earlier than all of them, takes a place in the pack and pushes the last one out.
    const sept = Array.from({ length: 100 }, (_, i) =>
      call(
        `s${i + 1}`,
        `2026-09-${String(2 + Math.floor(i / 5)).padStart(2, '0')}T${String(8 + (i % 5)).padStart(2, '0')}:00:00`,
        `+336${nth('', i, 8)}`,
      ),
    );
    const nov = [call('n1', '2026-11-02T09:00:00')];
    const late = call('s0', '2026-09-01T08:00:00', '+33755555555');

    const kept = new RatingEngine(ctx, fixedNow);
    const keptOut = newOutput();
    kept.addAll([...sept, ...nov], keptOut);
    kept.addAll([late], keptOut);

    const engine = new RatingEngine(ctx, fixedNow);
    const out = newOutput();
    engine.addAll([...sept, ...nov], out);
    expect(engine.latestMonth).toBe(202611);
    expect([engine.holds(ACCOUNT, 202609), engine.holds(ACCOUNT, 202611)]).toEqual([true, true]);
    expect(engine.evictBefore(202610)).toBe(1);
    expect(engine.holds(ACCOUNT, 202609)).toBe(false);
    expect(engine.holds(ACCOUNT, 202611)).toBe(true);
    expect(engine.missingMonth(sept[0] as Cdr)).toBe(202609);
    expect(engine.missingMonth(nov[0] as Cdr)).toBeNull();
    expect(engine.missingMonth({ ...(nov[0] as Cdr), account_id: 'nobody' })).toBeNull();
    // What the pipeline does for a month not held: restore it from the archive, then rate.
    engine.restore(ACCOUNT, 202609, sept, priors(out.events), out);
    engine.addAll([late], out);

    const last = latestVersions(out.events);
    expect(last.get('s100')?.version).toBe(2);
    expect(last.get('s100')?.reasons).toContain('DISTINCT_CALLEE_CAP');
    expect(last).toEqual(latestVersions(keptOut.events));
    // ...and, versions aside, what rating everything at once in start order gives.
    const unversioned = (m: Map<string, RatedEvent>) => new Map([...m].map(([id, e]) => [id, { ...e, version: 0 }]));
    expect(unversioned(last)).toEqual(unversioned(latestVersions(rateAll(ctx, [...sept, ...nov, late], fixedNow).events)));
  });

  it('keeps the Avro bodies it is given: re-ratings decode them to the same CDRs', () => {
    const cdrs = Array.from({ length: 60 }, (_, i) =>
      call(
        `k${i}`,
        `2026-10-${String(2 + (i % 25)).padStart(2, '0')}T${String(8 + (i % 11)).padStart(2, '0')}:00:00`,
        `+336${nth('', i % 40, 8)}`,
      ),
    );
    const late = cdrs.filter((_, i) => i % 3 === 0);
    const first = cdrs.filter((_, i) => i % 3 !== 0);
    const run = (bodies: boolean) => {
      const engine = new RatingEngine(ctx, fixedNow);
      const out = newOutput();
      const add = (cs: Cdr[]) => engine.addAll(cs, out, bodies ? cs.map((c) => cdrType.toBuffer(c)) : undefined);
      add(first);
      add(late); // re-rates the month from its held bodies
      add(cdrs); // replays, found on the held ids
      return out;
    };
    const withBodies = run(true);
    expect(withBodies.replays).toBe(cdrs.length);
    expect(withBodies.events).toEqual(run(false).events);
    expect(latestVersions(withBodies.events)).toEqual(latestVersions(rateAll(ctx, cdrs, fixedNow).events));
  });

  it('the same id in another account-month is a conflict, never billed twice, while each month still finds its own replays', () => {
    const two = contextOf(loadCatalog(), accountInput(ACCOUNT, 'fr-start', ['u1']), accountInput('acc-2', 'fr-start', ['v1']));
    const engine = new RatingEngine(two, fixedNow);
    const out = newOutput();
    const mine = call('same', '2026-10-03T10:00:00');
    const theirs = voice('same', 'v1', '+33612345678', '2026-10-04T10:00:00', 60, { account: 'acc-2' });
    const nextMonth = call('same', '2026-11-03T10:00:00');
    engine.addAll([mine, call('x', '2026-10-05T10:00:00'), theirs, nextMonth], out);
    expect(out.accepted.map((a) => [a.cdr.account_id, a.month])).toEqual([
      [ACCOUNT, 202610],
      [ACCOUNT, 202610],
    ]);
    expect(out.dead.map((d) => [d.code, d.index])).toEqual([
      ['CDR_CONFLICT', 2],
      ['CDR_CONFLICT', 3],
    ]);
    const again = newOutput();
    engine.addAll([theirs, nextMonth, mine], again);
    expect([again.replays, again.accepted.length, again.events.length, again.dead.length]).toEqual([1, 0, 0, 2]);
  });

  it('after a re-rating, every id is still found as a replay (held rows keep their ids)', () => {
    const engine = new RatingEngine(ctx, fixedNow);
    const out = newOutput();
    const cdrs = Array.from({ length: 300 }, (_, i) =>
      call(
        `r${i}`,
        `2026-10-${String(1 + (i % 28)).padStart(2, '0')}T${String(8 + (i % 12)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00`,
      ),
    );
    engine.addAll(
      cdrs.filter((_, i) => i % 2 === 0),
      out,
    );
    engine.addAll(
      cdrs.filter((_, i) => i % 2 === 1),
      out,
    ); // late ones: the month is re-rated
    const again = newOutput();
    engine.addAll([...cdrs].reverse(), again);
    expect([again.replays, again.accepted.length]).toEqual([300, 0]);
    expect(out.accepted).toHaveLength(300);
  });
});
