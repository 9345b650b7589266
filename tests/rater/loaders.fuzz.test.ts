// Fuzzing the loaders: mutated and random accounts files, catalog JSON files and CSV decks must
// either load or be refused with RatelError CATALOG_INVALID; any other exception (RangeError,
// TypeError, a zod dump, CONFIG_INVALID) fails. A load that succeeds must hold sane values.
//
// Time budget: RATEL_FUZZ_MS (default 30 s in all), split between the loaders; the seed is fixed
// unless RATEL_FUZZ_SEED is set, so a failure replays.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AccountBook,
  type AccountEntry,
  accountBook,
  type Catalog,
  DEFAULT_CATALOG_DIR,
  loadAccounts,
  loadCatalog,
  loadDeckCsv,
} from '@ratel/rater';
import { isCalendarDate, isRatelError } from '@ratel/schemas';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyCatalog, type Json, tempDir } from './loader-fixtures.js';

const BUDGET_MS = Number(process.env.RATEL_FUZZ_MS ?? 30_000);
const SEED = Number(process.env.RATEL_FUZZ_SEED ?? 20_261_017);
/** fc.assert options for a loader given `share` of the budget. */
const runFor = (share: number): fc.Parameters<unknown> => ({
  seed: SEED,
  numRuns: Number.POSITIVE_INFINITY,
  interruptAfterTimeLimit: Math.max(500, Math.round(BUDGET_MS * share)),
});
const TEST_TIMEOUT = BUDGET_MS + 60_000;

/** Loads and refusals of a property, printed at its end so a run shows it exercised both. */
const tally = { loaded: 0, refused: 0 };
function report(what: string): void {
  console.log(`${what}: ${tally.loaded} loaded, ${tally.refused} refused (seed ${SEED})`);
  tally.loaded = 0;
  tally.refused = 0;
}

/** Runs a load: an accepted refusal returns undefined, anything else thrown fails the property. */
function loadOrRefuse<T>(load: () => T): T | undefined {
  try {
    const out = load();
    tally.loaded++;
    return out;
  } catch (e) {
    if (isRatelError(e) && e.code === 'CATALOG_INVALID') {
      // A typed refusal names the catalog file and never dumps zod's issue list.
      expect(e.message).toMatch(/^tariff catalog /);
      expect(e.message).not.toMatch(/"code":/);
      tally.refused++;
      return undefined;
    }
    throw e;
  }
}

// --- generators -------------------------------------------------------------------------------

const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** Dates of the right shape, mostly impossible ones. */
const dateLike = fc
  .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))
  .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);
/** Decimal strings of any length, so that some overflow safe integer micros. */
const amountLike = fc
  .tuple(fc.stringMatching(/^-?\d{1,25}$/), fc.option(fc.stringMatching(/^\d{1,8}$/), { nil: undefined }))
  .map(([u, f]) => (f === undefined ? u : `${u}.${f}`));
/** Values the loaders are likely to trip on: names of the catalog, edge numbers and strings. */
const tricky = fc.constantFrom<unknown>(
  '2026-13-45',
  '2024-13-25',
  '2025-02-29',
  '2024-02-29',
  '0000-01-01',
  '9999-12-31',
  '99999999999999999999',
  '9007199254.740992',
  '1e400',
  '-5',
  'NaN',
  'Infinity',
  '150',
  '100',
  '',
  ' ',
  '__proto__',
  'constructor',
  'fr-start',
  'fr-pro',
  'be-retail',
  'call-recording',
  'acme-fr',
  'acme-fr-sales',
  'annual',
  'XX',
  'PL',
  'FR',
  'Mars/Olympus',
  0,
  -1,
  1.5,
  3601,
  1e300,
  Number.MAX_SAFE_INTEGER + 2,
  null,
  true,
  [],
  {},
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: tricky },
  { weight: 2, arbitrary: dateLike },
  { weight: 2, arbitrary: amountLike },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

type Mutation =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'duplicate'; at: number; which: number }
  | { kind: 'reverse'; at: number }
  | { kind: 'add-key'; at: number; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: anyValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reverse' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('add-key' as const),
      at: fc.nat(),
      key: fc.oneof(fc.constantFrom('extra', 'effective_to', 'deactivated', 'plan_changes'), fc.string({ maxLength: 6 })),
      value: anyValue,
    }),
  },
);

/** Every path of containers and leaves in `v`, root first. */
function pathsOf(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) for (const [i, x] of v.entries()) pathsOf(x, [...at, i], out);
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) pathsOf(v[k], [...at, k], out);
  return out;
}

function getAt(root: Json, path: (string | number)[]): Json {
  return path.reduce((v, k) => (v === null || typeof v !== 'object' ? undefined : v[k]), root);
}

/** Applies `m` to a path of `root` (chosen by m.at among all paths); returns the new root. */
function mutate(root: Json, m: Mutation): Json {
  const paths = pathsOf(root);
  const path = paths[m.at % paths.length] as (string | number)[];
  const target = getAt(root, path);
  const parent = path.length ? getAt(root, path.slice(0, -1)) : undefined;
  const key = path[path.length - 1] as string | number;
  switch (m.kind) {
    case 'replace':
      if (!parent) return structuredClone(m.value);
      parent[key] = structuredClone(m.value);
      return root;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else if (parent) delete parent[key];
      return root;
    case 'duplicate':
      // Repeats an element of an array: the way ids, users and options end up listed twice.
      if (Array.isArray(target) && target.length) target.push(structuredClone(target[m.which % target.length]));
      return root;
    case 'reverse':
      if (Array.isArray(target)) target.reverse();
      return root;
    case 'add-key':
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) target[m.key] = structuredClone(m.value);
      return root;
  }
}

/** A file's text: the base JSON with 1-4 mutations, or random JSON, or broken JSON. */
function jsonText(base: Json): fc.Arbitrary<string> {
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.array(mutation, { minLength: 1, maxLength: 4 }).map((ms) => JSON.stringify(ms.reduce(mutate, structuredClone(base)))),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.nat(), fc.string({ maxLength: 3 })).map(([cut, junk]) => {
        const text = JSON.stringify(base);
        const at = cut % (text.length + 1);
        return text.slice(0, at) + junk + text.slice(at + 1);
      }),
    },
  );
}

type CsvMutation = { line: number; cell: number; value: unknown; op: 'cell' | 'dup-line' | 'drop-line' };
const csvMutation: fc.Arbitrary<CsvMutation> = fc.record({
  line: fc.nat(),
  cell: fc.nat(),
  value: anyValue,
  op: fc.constantFrom<CsvMutation['op']>('cell', 'cell', 'cell', 'dup-line', 'drop-line'),
});

/** Applies cell edits and line repeats/drops to a CSV text (a cell edit may hit the header too). */
function mutateCsv(text: string, ms: CsvMutation[]): string {
  const lines = text.trimEnd().split('\n');
  for (const m of ms) {
    const i = m.line % lines.length;
    if (m.op === 'dup-line') lines.push(lines[i] as string);
    else if (m.op === 'drop-line' && i > 0) lines.splice(i, 1);
    else if (m.op === 'cell') {
      const cells = (lines[i] as string).split(',');
      const value = typeof m.value === 'string' ? m.value : JSON.stringify(m.value);
      cells[m.cell % cells.length] = value ?? '';
      lines[i] = cells.join(',');
    }
  }
  return `${lines.join('\n')}\n`;
}

const DECK = [
  'prefix,destination,class,country,rate_per_min,connect_fee,min_charge,first_increment,next_increment,band,effective_from,effective_to',
  '3247012,Test carrier,mobile,BE,0.011,0.01,0,30,6,any,2024-01-01,2025-01-01',
  '3247012,Test carrier,mobile,BE,0.012,,,1,1,any,2025-01-01,',
  '3247013,Test carrier peak,mobile,BE,0.02,,,1,1,peak,2024-06-01,',
  '44,UK,fixed,GB,0.05,0.02,,60,60,,2024-01-01,',
].join('\n');

/** A CSV file's text: `base` with 1-4 edits, random text, or random rows under its header. */
function csvText(base: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.array(csvMutation, { minLength: 1, maxLength: 4 }).map((ms) => mutateCsv(base, ms)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.array(anyValue, { maxLength: 12 }), { maxLength: 4 })
        .map((rows) => `${base.split('\n')[0]}\n${rows.map((r) => r.map(String).join(',')).join('\n')}\n`),
    },
  );
}

// --- what a successful load must hold ----------------------------------------------------------

function checkBook(book: AccountBook): void {
  for (const a of book.values()) {
    expect(isCalendarDate(a.activated), a.activated).toBe(true);
    if (a.deactivated !== null) expect(a.deactivated >= a.activated).toBe(true);
    expect(Number.isSafeInteger(a.creditLimitMicros)).toBe(true);
    expect(new Set(a.options).size).toBe(a.options.length);
    for (const l of a.userCreditLimitMicros) expect(l === Number.POSITIVE_INFINITY || Number.isSafeInteger(l)).toBe(true);
  }
}

function checkCatalog(c: Catalog): void {
  for (const p of c.plans.values()) expect(Number.isSafeInteger(p.monthlyMicros)).toBe(true);
  for (const bp of c.vatBp.values()) expect(bp >= 0 && bp <= 10_000).toBe(true);
}

// --- the properties -----------------------------------------------------------------------------

/**
 * A copy of the shipped catalog with a deck beside be-retail and the numbering plan cut down to
 * a few countries: a load then takes milliseconds instead of a fifth of a second, so the budget
 * covers many more mutations. Every rule of the loader still applies to the smaller files.
 */
function fuzzCatalog(): string {
  return copyCatalog((d) => {
    const world = join(d, 'numbering', 'world.csv');
    const [header, ...rows] = readFileSync(world, 'utf8').trimEnd().split('\n');
    const kept = rows.filter((r) => /^\d+,(FR|BE|DE|GB|LU|NL),/.test(r));
    writeFileSync(world, `${[header, ...kept].join('\n')}\n`);
    writeFileSync(join(d, 'tariffs', 'be-retail.csv'), `${DECK}\n`);
  });
}

let catalog: Catalog;
beforeAll(() => {
  catalog = loadCatalog();
});

describe('fuzzed loaders refuse broken input with CATALOG_INVALID only', () => {
  it(
    'accounts: loadAccounts and accountBook agree, and refuse only with CATALOG_INVALID',
    () => {
      const base = JSON.parse(readFileSync(join(DEFAULT_CATALOG_DIR, '..', 'examples', 'accounts.json'), 'utf8'));
      const file = join(tempDir(), 'accounts.json');
      fc.assert(
        fc.property(jsonText(base), (text) => {
          writeFileSync(file, text);
          const fromFile = loadOrRefuse(() => loadAccounts(file, catalog));
          if (fromFile) checkBook(fromFile);
          // The same accounts as objects must load, or be refused, alike.
          let parsed: Json;
          try {
            parsed = JSON.parse(text);
          } catch {
            return;
          }
          if (parsed === null || typeof parsed !== 'object' || !Array.isArray(parsed.accounts) || Object.keys(parsed).length !== 1) return;
          const fromObjects = loadOrRefuse(() => accountBook(parsed.accounts as AccountEntry[], catalog, file));
          expect(fromObjects === undefined).toBe(fromFile === undefined);
        }),
        runFor(0.4),
      );
      report('accounts');
    },
    TEST_TIMEOUT,
  );

  it(
    'catalog: mutated plans.json, tariff JSON, vat.json, numbering CSVs and CSV decks',
    () => {
      const dir = fuzzCatalog();
      const original = (name: string) => ({ file: join(dir, name), text: readFileSync(join(dir, name), 'utf8') });
      const jsonTargets = ['plans.json', join('tariffs', 'fr-retail.json'), join('tariffs', 'be-retail.json'), 'vat.json'].map(original);
      const csvTargets = [
        join('tariffs', 'be-retail.csv'),
        ...['world.csv', 'short-codes.csv', 'overrides.csv'].map((f) => join('numbering', f)),
      ].map(original);
      const edit = fc.oneof(
        ...jsonTargets.map((t) => jsonText(JSON.parse(t.text)).map((text) => ({ ...t, mutated: text }))),
        ...csvTargets.map((t) => csvText(t.text).map((text) => ({ ...t, mutated: text }))),
      );
      fc.assert(
        fc.property(edit, ({ file, text, mutated }) => {
          writeFileSync(file, mutated);
          try {
            const c = loadOrRefuse(() => loadCatalog(dir));
            if (c) checkCatalog(c);
          } finally {
            writeFileSync(file, text);
          }
        }),
        runFor(0.4),
      );
      report('catalog');
    },
    TEST_TIMEOUT,
  );

  it(
    'CSV decks on their own (loadDeckCsv)',
    () => {
      const file = join(tempDir(), 'deck.csv');
      fc.assert(
        fc.property(csvText(DECK), (text) => {
          writeFileSync(file, text);
          const rows = loadOrRefuse(() => loadDeckCsv(file));
          for (const r of rows ?? []) {
            expect(Number.isFinite(r.fromMs)).toBe(true);
            expect(r.toMs > r.fromMs).toBe(true);
            expect(Number.isSafeInteger(r.rateMicrosPerMin)).toBe(true);
          }
        }),
        runFor(0.2),
      );
      report('decks');
    },
    TEST_TIMEOUT,
  );
});
