/**
 * The subscriber directory's compiled forms (rater/src/directory.ts): numbers listed in blocks
 * are kept as arrays of owners, others in the hash table, and lookups read a number in place
 * (lookupIn, numberKey with bounds). Whatever the form, a lookup answers as a plain reading of the
 * accounts file does: a single number's owner (ambiguous when two users list it), else the
 * narrowest range holding it (ambiguous when two of the same width do), else no subscriber.
 */
import { type AccountEntry, AMBIGUOUS, accountBook, Directory, diallingOf, loadCatalog, NO_SUBSCRIBER, numberKey } from '@ratel/rater';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const catalog = loadCatalog();
const FR = diallingOf('FR');
const account = (id: string, users: AccountEntry['users']): AccountEntry => ({
  id,
  plan: 'fr-pro',
  activated: '2025-01-01',
  country: 'FR',
  time_zone: 'Europe/Paris',
  vat_country: 'FR',
  users,
});
const who = (d: Directory, s: number) => (s < 0 ? s : `${d.subscriber(s).account.id}/${d.subscriber(s).userId}`);

/** What the accounts file says of E.164 number n (digits), read naively from the entries. */
function reference(entries: { who: string; single?: number; from?: number; to?: number }[], n: number): string | number {
  const singles = new Set(entries.filter((e) => e.single === n).map((e) => e.who));
  if (singles.size === 1) return [...singles][0] as string;
  if (singles.size > 1) return AMBIGUOUS;
  let best: { w: number; owners: Set<string> } | null = null;
  for (const e of entries) {
    if (e.from === undefined || e.to === undefined || n < e.from || n > e.to) continue;
    const w = e.to - e.from;
    if (best === null || w < best.w) best = { w, owners: new Set([e.who]) };
    else if (w === best.w) best.owners.add(e.who);
  }
  if (best === null) return NO_SUBSCRIBER;
  return best.owners.size === 1 ? ([...best.owners][0] as string) : AMBIGUOUS;
}

describe('Directory: numbers in blocks, sparse numbers and ranges', () => {
  // +33 1 40 00 00 00 is a multiple of 256, the numbers of a block: blocks of 256 numbers from there.
  const base = 33140000000;
  const block = (from: number, n: number) => Array.from({ length: n }, (_, k) => `+${from + k}`);
  const book = accountBook(
    [
      account('pbx', [
        { id: 'first', numbers: block(base, 40) }, // a dense block, numbers 0-39
        { id: 'second', numbers: [...block(base + 40, 15), `+${base + 255}`] }, // the same block, 40-54 and its last number
        { id: 'range', numbers: [`+${base + 50}-+${base + 399}`] }, // over the block's gap (55-254) and the next block
        { id: 'lone', numbers: [`+${base + 5000}`, '+33698765432'] }, // sparse: stays in the hash table
        { id: 'twin', numbers: [`+${base + 7}`, `+${base + 5000}`] }, // listed twice: ambiguous, in a block and outside
      ]),
    ],
    catalog,
  );
  const d = Directory.compile(book);

  it('finds the numbers of a dense block, its first and last, and the narrowest entry over a gap', () => {
    expect(who(d, d.lookupNumber(`+${base}`))).toBe('pbx/first');
    expect(who(d, d.lookupNumber('0140000039'))).toBe('pbx/first'); // national
    expect(who(d, d.lookupNumber(`+${base + 40}`))).toBe('pbx/second');
    expect(who(d, d.lookupNumber(`+${base + 52}`))).toBe('pbx/second'); // a single number beats the range over it
    expect(who(d, d.lookupNumber(`+${base + 255}`))).toBe('pbx/second');
    expect(who(d, d.lookupNumber(`+${base + 56}`))).toBe('pbx/range'); // a gap of the block, inside the range
    expect(who(d, d.lookupNumber(`+${base + 254}`))).toBe('pbx/range');
    expect(who(d, d.lookupNumber(`+${base + 256}`))).toBe('pbx/range');
    expect(d.lookupNumber(`+${base + 400}`)).toBe(NO_SUBSCRIBER);
    expect(d.lookupNumber(`+${base - 1}`)).toBe(NO_SUBSCRIBER);
    expect(who(d, d.lookupNumber('0698765432'))).toBe('pbx/lone');
  });

  it('finds the numbers of a block whose owners alternate (too many runs for 64 bytes: a byte a number)', () => {
    const at = base + 512;
    const even = Array.from({ length: 40 }, (_, k) => `+${at + 2 * k}`);
    const odd = Array.from({ length: 40 }, (_, k) => `+${at + 2 * k + 1}`);
    const alt = Directory.compile(
      accountBook(
        [
          account('alt', [
            { id: 'even', numbers: even },
            { id: 'odd', numbers: odd },
            { id: 'run', numbers: block(base, 30) },
          ]),
        ],
        catalog,
      ),
    );
    for (let k = 0; k < 80; k++) expect(who(alt, alt.lookupNumber(`+${at + k}`))).toBe(k % 2 ? 'alt/odd' : 'alt/even');
    expect(alt.lookupNumber(`+${at + 80}`)).toBe(NO_SUBSCRIBER);
    expect(alt.lookupNumber(`+${at - 1}`)).toBe(NO_SUBSCRIBER);
    for (let k = 0; k < 30; k++) expect(who(alt, alt.lookupNumber(`+${base + k}`))).toBe('alt/run');
    expect(alt.lookupNumber(`+${base + 30}`)).toBe(NO_SUBSCRIBER);
  });

  it('finds the numbers of a block whose owners are too far apart for its bytes, beside packed blocks', () => {
    // 300 users: the block from base holds users 0-9 and 299 (owners 299 apart), the next users 10-19.
    const users: AccountEntry['users'] = Array.from({ length: 300 }, (_, i) => ({ id: `u${i}`, numbers: [] as string[] }));
    for (let i = 0; i < 10; i++) users[i]?.numbers?.push(`+${base + i}`);
    users[299]?.numbers?.push(`+${base + 10}`);
    for (let i = 10; i < 20; i++) users[i]?.numbers?.push(`+${base + 256 + i}`);
    const wide = Directory.compile(accountBook([account('big', users)], catalog));
    for (let i = 0; i < 10; i++) expect(who(wide, wide.lookupNumber(`+${base + i}`))).toBe(`big/u${i}`);
    expect(who(wide, wide.lookupNumber(`+${base + 10}`))).toBe('big/u299');
    for (let i = 10; i < 20; i++) expect(who(wide, wide.lookupNumber(`+${base + 256 + i}`))).toBe(`big/u${i}`);
    expect(wide.lookupNumber(`+${base + 11}`)).toBe(NO_SUBSCRIBER);
    expect(wide.lookupNumber(`+${base + 256 + 20}`)).toBe(NO_SUBSCRIBER);
  });

  it('keeps a number listed for two users ambiguous, inside a block and outside, and names both', () => {
    expect(d.lookupNumber(`+${base + 7}`)).toBe(AMBIGUOUS);
    expect(d.candidates(`+${base + 7}`)).toBe('pbx/first, pbx/twin');
    expect(d.lookupNumber(`+${base + 5000}`)).toBe(AMBIGUOUS);
    expect(d.candidates(`+${base + 5000}`)).toBe('pbx/lone, pbx/twin');
  });

  it('reads a number in place: lookupIn on a span, numberKey with bounds', () => {
    const line = `x,0140000052;user=phone,+33698765432`;
    expect(who(d, d.lookupIn(line, 2, 12))).toBe('pbx/second'); // base + 52
    expect(who(d, d.lookupIn(line, 24, 36))).toBe('pbx/lone');
    expect(d.lookupIn(line, 2, 2)).toBe(NO_SUBSCRIBER);
    expect(d.lookupIn(line, 2, 13)).toBe(NO_SUBSCRIBER); // ";" is no digit
    expect(numberKey(line, FR, 2, 12)).toBe(33140000052);
    expect(numberKey(line, FR, 24, 36)).toBe(33698765432);
    expect(numberKey(line, FR, 2, 6)).toBe(-1); // "0140": too short
    expect(numberKey('00', FR, 0, 2)).toBe(-1);
    expect(numberKey('+', FR, 0, 1)).toBe(-1);
  });

  it('reads a span in place as lookupKey of numberKey does, with any dialling rules', () => {
    const rules = [undefined, FR, diallingOf('US'), diallingOf('IT'), diallingOf('GB'), diallingOf('DE')];
    const chars = fc.constantFrom('0', '0', '0', '1', '3', '4', '9', '+', ';');
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 18 }).map((c) => c.join('')),
        fc.constantFrom(...rules),
        fc.nat(3),
        (text, dialling, pad) => {
          // Numbers of the directory (0140000052, +33140000052), the same after a 0 (no number), anything else, inside a line.
          for (const n of [
            text,
            `0140000${text.slice(0, 3)}`,
            `+3314000${text.slice(0, 4)}`,
            `+0331400000${text.slice(0, 2)}`,
            `00${text}`,
          ]) {
            const line = `${'x'.repeat(pad)}${n};`;
            const key = numberKey(line, dialling ?? FR, pad, pad + n.length);
            expect(d.lookupIn(line, pad, pad + n.length, dialling)).toBe(key < 0 ? NO_SUBSCRIBER : d.lookupKey(key));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('answers as the accounts file reads, for any mix of blocks, sparse numbers, ranges and duplicates', () => {
    const tables = new Set<string>();
    const entry = fc.oneof(
      // a cluster of numbers near a base: dense blocks when close enough
      fc.record({
        kind: fc.constant('cluster' as const),
        // near the base, or far from it (blocks spread out: found through the hash table)
        at: fc.oneof(
          fc.integer({ min: 0, max: 400 }),
          fc.integer({ min: 1, max: 3 }).map((f) => f * 30_000),
        ),
        n: fc.integer({ min: 1, max: 90 }),
        step: fc.integer({ min: 1, max: 9 }),
      }),
      fc.record({ kind: fc.constant('single' as const), at: fc.integer({ min: 0, max: 100_000 }) }),
      fc.record({ kind: fc.constant('range' as const), at: fc.integer({ min: 0, max: 400 }), width: fc.integer({ min: 0, max: 300 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(entry, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.oneof(fc.integer({ min: -10, max: 100_010 }), fc.integer({ min: 29_990, max: 30_100 })), {
          minLength: 50,
          maxLength: 50,
        }),
        (users, probes) => {
          const flat: { who: string; single?: number; from?: number; to?: number }[] = [];
          const entries: AccountEntry['users'] = users.map((list, u) => {
            const numbers = new Set<string>();
            for (const e of list) {
              if (e.kind === 'cluster') for (let k = 0; k < e.n; k++) numbers.add(`+${base + e.at + k * e.step}`);
              else if (e.kind === 'single') numbers.add(`+${base + e.at}`);
              else numbers.add(`+${base + e.at}-+${base + e.at + e.width}`);
            }
            for (const n of numbers) {
              const [from, to] = n.split('-').map((x) => Number(x.slice(1))) as [number, number | undefined];
              flat.push(to === undefined ? { who: `a/u${u}`, single: from } : { who: `a/u${u}`, from, to });
            }
            return { id: `u${u}`, numbers: [...numbers] };
          });
          const dir = Directory.compile(accountBook([account('a', entries)], catalog));
          tables.add(dir.blockTable);
          for (const p of probes) {
            const n = base + p;
            const want = reference(flat, n);
            expect(who(dir, dir.lookupNumber(`+${n}`))).toBe(want);
            expect(who(dir, dir.lookupIn(`tel:0${String(n).slice(2)}@x`, 4, 14))).toBe(want);
          }
        },
      ),
      { numRuns: 150 },
    );
    // Every way of finding the blocks was read.
    expect([...tables].sort()).toEqual(['flat', 'hash', 'none']);
  });

  it('finds blocks through a flat array when they are close together, through the hash table when spread out', () => {
    const near = Directory.compile(
      accountBook(
        [
          account('n', [
            { id: 'a', numbers: block(base, 20) },
            { id: 'b', numbers: block(base + 2560, 20) },
          ]),
        ],
        catalog,
      ),
    );
    expect(near.blockTable).toBe('flat');
    const far = Directory.compile(
      accountBook(
        [
          account('f', [
            { id: 'a', numbers: block(base, 20) },
            { id: 'b', numbers: block(base + 256 * 1000, 20) },
          ]),
        ],
        catalog,
      ),
    );
    expect(far.blockTable).toBe('hash');
    for (const dir of [near, far]) {
      const other = dir === near ? base + 2560 : base + 256 * 1000;
      for (let k = 0; k < 20; k++) {
        expect(who(dir, dir.lookupNumber(`+${base + k}`))).toMatch(/\/a$/);
        expect(who(dir, dir.lookupNumber(`+${other + k}`))).toMatch(/\/b$/);
      }
      expect(dir.lookupNumber(`+${base + 20}`)).toBe(NO_SUBSCRIBER);
      expect(dir.lookupNumber(`+${other - 1}`)).toBe(NO_SUBSCRIBER);
      expect(dir.lookupNumber(`+${base + 256 * 500}`)).toBe(NO_SUBSCRIBER); // between them, in no block
    }
  });
});
