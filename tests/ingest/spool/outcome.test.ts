/**
 * Where an imported spool file goes (ingest/src/spool/outcome.ts): done/ or failed/ with its
 * summary and dead letters beside it, a suffix when the name is taken, and the same place again
 * when a crash came between the summary and the move.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spool } from '@ratel/ingest';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'ratel-outcome-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const d = join(root, String(n++));
  mkdirSync(d);
  return d;
};

describe('spool outcome: names', () => {
  it('a free name is kept; a taken one gets -1, -2 before its extension', () => {
    const d = fresh();
    expect(spool.freeName(d, 'cdrs.csv')).toBe('cdrs.csv');
    writeFileSync(join(d, 'cdrs.csv'), '');
    expect(spool.freeName(d, 'cdrs.csv')).toBe('cdrs-1.csv');
    writeFileSync(join(d, 'cdrs-1.csv'), '');
    expect(spool.freeName(d, 'cdrs.csv')).toBe('cdrs-2.csv');
    writeFileSync(join(d, 'Master'), '');
    expect(spool.freeName(d, 'Master')).toBe('Master-1');
    writeFileSync(join(d, 'a.tar.gz'), '');
    expect(spool.freeName(d, 'a.tar.gz')).toBe('a.tar-1.gz');
  });
});

describe('spool outcome: placing a file', () => {
  it('moves the file, its dead letters and its summary to done/, the file last', () => {
    const d = fresh();
    writeFileSync(join(d, 'x.csv'), 'data\n');
    const dead = join(d, 'x.dead.tmp');
    writeFileSync(dead, '{"at":"x.csv:2"}\n');
    const seen: unknown[] = [];
    const placed = spool.placeFile(d, join(d, 'x.csv'), 'done', dead, (p) => {
      seen.push(p);
      // The summary is written before the file moves: it is still in the spool folder.
      expect(existsSync(join(d, 'x.csv'))).toBe(true);
      return { file: 'x.csv', lines: 1 };
    });
    expect(placed).toEqual({
      path: join(d, 'done', 'x.csv'),
      summary: join(d, 'done', 'x.csv.summary.json'),
      deadLetters: join(d, 'done', 'x.csv.dead-letters.jsonl'),
    });
    expect(seen).toEqual([{ path: placed.path, deadLetters: placed.deadLetters }]);
    expect(readFileSync(placed.path, 'utf8')).toBe('data\n');
    expect(JSON.parse(readFileSync(placed.summary, 'utf8'))).toEqual({ file: 'x.csv', lines: 1 });
    expect(readFileSync(placed.deadLetters as string, 'utf8')).toBe('{"at":"x.csv:2"}\n');
    expect(readdirSync(d).sort()).toEqual(['done']);
    expect(readdirSync(join(d, 'done')).sort()).toEqual(['x.csv', 'x.csv.dead-letters.jsonl', 'x.csv.summary.json']);
  });

  it('an empty dead-letter file is removed, not placed; failed/ is made when needed', () => {
    const d = fresh();
    writeFileSync(join(d, 'y.csv'), 'bad\n');
    writeFileSync(join(d, 'y.dead.tmp'), '');
    const placed = spool.placeFile(d, join(d, 'y.csv'), 'failed', join(d, 'y.dead.tmp'), () => ({}));
    expect(placed.deadLetters).toBeNull();
    expect(readdirSync(join(d, 'failed')).sort()).toEqual(['y.csv', 'y.csv.summary.json']);
    expect(existsSync(join(d, 'y.dead.tmp'))).toBe(false);
  });

  it('a second file of the same name goes beside the first with a suffix, summaries apart', () => {
    const d = fresh();
    for (const v of ['first', 'second']) {
      writeFileSync(join(d, 'Master.csv'), `${v}\n`);
      spool.placeFile(d, join(d, 'Master.csv'), 'done', null, () => ({ v }));
    }
    expect(readFileSync(join(d, 'done', 'Master.csv'), 'utf8')).toBe('first\n');
    expect(readFileSync(join(d, 'done', 'Master-1.csv'), 'utf8')).toBe('second\n');
    expect(JSON.parse(readFileSync(join(d, 'done', 'Master-1.csv.summary.json'), 'utf8'))).toEqual({ v: 'second' });
  });

  it('after a crash between the summary and the move, the file is placed under the same name, its summary rewritten', () => {
    const d = fresh();
    mkdirSync(join(d, 'done'));
    writeFileSync(join(d, 'done', 'z.csv.summary.json'), '{"replays":0,"torn":');
    writeFileSync(join(d, 'z.csv'), 'z\n');
    const placed = spool.placeFile(d, join(d, 'z.csv'), 'done', null, () => ({ replays: 3 }));
    expect(placed.path).toBe(join(d, 'done', 'z.csv'));
    expect(JSON.parse(readFileSync(placed.summary, 'utf8'))).toEqual({ replays: 3 });
  });

  it('a destination that cannot be made is OUTPUT_UNWRITABLE naming it, and the file stays', () => {
    const d = fresh();
    writeFileSync(join(d, 'w.csv'), 'w\n');
    writeFileSync(join(d, 'done'), 'a file where the folder should be');
    expect(() => spool.placeFile(d, join(d, 'w.csv'), 'done', null, () => ({}))).toThrow(
      expect.objectContaining({ code: 'OUTPUT_UNWRITABLE', message: expect.stringContaining(join(d, 'done')) }),
    );
    expect(existsSync(join(d, 'w.csv'))).toBe(true);
  });
});
