/**
 * When a spool file is complete (ingest/src/spool/settle.ts), on a hand-moved clock: renamed in
 * from an ignored name, moved in already settled, closed by the writer a scan saw, or unchanged
 * for settleMs; never while a writer holds it, never while it changes.
 */
import { spool } from '@ratel/ingest';
import { describe, expect, it } from 'vitest';

const SETTLE = 1000;

function setup(t0 = 1_000_000) {
  const clock = { t: t0 };
  const s = new spool.Settler({ settleMs: SETTLE, writerScanMs: 200, maxLookMs: 5000, now: () => clock.t });
  return { s, clock };
}
const stat = (ino: number, size: number, mtimeMs: number, ctimeMs = mtimeMs): spool.FileStat => ({ ino, size, mtimeMs, ctimeMs });
const names = (c: spool.Complete[]) => c.map((x) => `${x.name}:${x.by}`);

describe('spool settle: without writer checks', () => {
  it('a file written just now is complete settleMs after its last change, not before', () => {
    const { s, clock } = setup();
    s.observe('a.csv', stat(1, 100, clock.t));
    expect(s.complete(null, false)).toEqual([]);
    clock.t += 600;
    s.observe('a.csv', stat(1, 250, clock.t)); // it grew
    clock.t += 600;
    s.observe('a.csv', stat(1, 250, clock.t - 600));
    expect(s.complete(null, false)).toEqual([]); // 600 ms since the change
    expect(s.nextLookMs()).toBe(clock.t + 400);
    clock.t += 400;
    expect(s.due()).toEqual(['a.csv']);
    s.observe('a.csv', stat(1, 250, clock.t - 1000));
    expect(names(s.complete(null, false))).toEqual(['a.csv:age']);
    expect(s.size).toBe(0);
  });

  it('a file whose mtime is already settleMs old when first seen is complete at once (moved in)', () => {
    const { s, clock } = setup();
    s.observe('old.csv', stat(2, 10, clock.t - 60_000));
    expect(names(s.complete(null, false))).toEqual(['old.csv:moved-in']);
  });

  it('a file renamed from an ignored name (same inode) is complete at once, whatever its mtime', () => {
    const { s, clock } = setup();
    s.observeIgnored(stat(3, 500, clock.t));
    s.observe('r.csv', stat(3, 500, clock.t));
    s.observe('other.csv', stat(4, 500, clock.t));
    expect(names(s.complete(null, false))).toEqual(['r.csv:rename']);
  });

  it('a file first seen with a ctime later than its mtime (renamed or moved in after its last write) is complete at once', () => {
    const { s, clock } = setup();
    s.observe('mv.csv', stat(20, 500, clock.t - 50, clock.t - 10));
    s.observe('written.csv', stat(21, 500, clock.t - 50, clock.t - 50));
    s.observe('empty.csv', stat(22, 0, clock.t - 50, clock.t - 10)); // created, then chmod: not a rename
    expect(names(s.complete(null, false))).toEqual(['mv.csv:rename']);
    // Seen later, a ctime past the mtime (a chmod while it settles) changes nothing.
    s.observe('written.csv', stat(21, 500, clock.t - 50, clock.t));
    expect(s.complete(null, false)).toEqual([]);
  });

  it('a renamed-in file that then changes is no longer complete until it settles', () => {
    const { s, clock } = setup();
    s.observeIgnored(stat(5, 500, clock.t));
    s.observe('r.csv', stat(5, 500, clock.t));
    s.observe('r.csv', stat(5, 900, clock.t + 1));
    expect(s.complete(null, false)).toEqual([]);
  });

  it('another inode under a pending name is a new arrival (renamed over it)', () => {
    const { s, clock } = setup();
    s.observe('x.csv', stat(6, 10, clock.t));
    s.observeIgnored(stat(7, 20, clock.t));
    s.observe('x.csv', stat(7, 20, clock.t));
    expect(names(s.complete(null, false))).toEqual(['x.csv:rename']);
  });

  it('a file that is gone is forgotten', () => {
    const { s, clock } = setup();
    s.observe('g.csv', stat(8, 10, clock.t));
    s.observe('g.csv', null);
    expect(s.size).toBe(0);
    expect(s.nextLookMs()).toBeNull();
  });
});

describe('spool settle: with writer checks', () => {
  it('a file held open for writing is never complete, however old; once closed it is (close)', () => {
    const { s, clock } = setup();
    s.observe('held.csv', stat(10, 10, clock.t - 60_000));
    expect(s.wantsScan(Number.NEGATIVE_INFINITY)).toBe(true);
    expect(s.complete(new Set(['held.csv']), true)).toEqual([]);
    expect(s.heldCount()).toBe(1);
    // Looked at again after writerScanMs, doubling while it stays held, up to maxLookMs.
    expect(s.nextLookMs()).toBe(clock.t + 200);
    clock.t += 200;
    expect(s.complete(new Set(['held.csv']), true)).toEqual([]);
    expect(s.nextLookMs()).toBe(clock.t + 400);
    for (let i = 0; i < 10; i++) s.complete(new Set(['held.csv']), true);
    expect(s.nextLookMs()).toBe(clock.t + 5000);
    clock.t += 5000;
    expect(names(s.complete(new Set(), true))).toEqual(['held.csv:moved-in']);
  });

  it('a fresh file a scan saw held is complete as soon as a scan sees it closed, before settleMs', () => {
    const { s, clock } = setup();
    s.observe('w.csv', stat(11, 10, clock.t));
    // Being written: a scan is worth it once writerScanMs passed since the last one.
    expect(s.wantsScan(clock.t - 100)).toBe(false);
    expect(s.wantsScan(clock.t - 300)).toBe(true);
    expect(s.complete(new Set(['w.csv']), true)).toEqual([]);
    clock.t += 100;
    s.observe('w.csv', stat(11, 90, clock.t)); // written on
    clock.t += 200;
    expect(s.due()).toEqual(['w.csv']);
    s.observe('w.csv', stat(11, 90, clock.t - 200));
    expect(s.wantsScan(clock.t)).toBe(true);
    expect(names(s.complete(new Set(), true))).toEqual(['w.csv:close']);
  });

  it('while writers are checked, nothing is complete in a round without a scan', () => {
    const { s, clock } = setup();
    s.observe('a.csv', stat(12, 10, clock.t - 60_000));
    expect(s.complete(new Set(), false)).toEqual([]);
    expect(s.nextLookMs()).toBe(clock.t + 200);
  });

  it('a file nobody was seen writing still needs settleMs (no close without a writer seen)', () => {
    const { s, clock } = setup();
    s.observe('q.csv', stat(13, 10, clock.t));
    clock.t += 500;
    expect(s.due()).toEqual([]);
    expect(s.wantsScan(clock.t - 1000)).toBe(true); // being written: look for its writer
    expect(s.complete(new Set(), true)).toEqual([]);
    clock.t += 500;
    s.observe('q.csv', stat(13, 10, clock.t - 1000));
    expect(names(s.complete(new Set(), true))).toEqual(['q.csv:age']);
  });

  it('asks for no scan when no file waits or none is due and the last scan is recent', () => {
    const { s, clock } = setup();
    expect(s.wantsScan(Number.NEGATIVE_INFINITY)).toBe(false);
    s.observe('z.csv', stat(14, 10, clock.t - 500));
    clock.t += 2000;
    expect(s.wantsScan(clock.t)).toBe(true); // aged: a decision is due
    s.forget('z.csv');
    expect(s.wantsScan(Number.NEGATIVE_INFINITY)).toBe(false);
  });
});
