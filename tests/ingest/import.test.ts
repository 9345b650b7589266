/**
 * `ratel import` into the embedded store (ingest/src/import.ts): malformed lines each rejected
 * with their line and reason while the good lines around them are rated; a property: any CDRs
 * written in ratel's CSV and imported rate as the CDR objects do, and a second import changes
 * nothing; overlapping rotations bill nothing twice; a store failing while batches are in flight.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '@ratel/aggregator';
import { type Config, importFiles, sources } from '@ratel/ingest';
import { type AccountEntry, accountBook, latestVersions, loadAccounts, loadCatalog, rateAll } from '@ratel/rater';
import { type Cdr, voiceCdr } from '@ratel/schemas';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { embeddedStore } from '../embedded-store.js';

const dir = embeddedStore('ratel-import-', (c, s) => {
  cfg = c;
  store = s;
});
const catalog = loadCatalog();
let cfg: Config;
let store: Store;
// Rated as at 1 December 2026: the window of accepted start dates holds October and November.
const NOW = Date.UTC(2026, 11, 1);

const run = (
  paths: string[],
  format: sources.FormatName,
  accounts: ReturnType<typeof accountBook>,
  extra: { mapping?: string; dead?: string } = {},
) =>
  importFiles(
    cfg,
    {
      paths,
      format,
      mapping: extra.mapping,
      to: 'store',
      deadLetterFile: extra.dead ?? join(dir, 'dead.jsonl'),
      progress: false,
      now: () => NOW,
      batchSize: 7,
    },
    { catalog, accounts, accountsFile: 'accounts', store, print: () => {} },
  );

interface Row {
  cdr_id: string;
  version: number;
  cost_micros: number;
  included_qty: number;
  billed_qty: number;
  reasons: string[];
}
const stored = async (accountIds: string[]): Promise<Map<string, Row>> => {
  const rows = await store.query<Row>(
    `SELECT cdr_id, version, cost_micros, included_qty, billed_qty, reasons FROM rated_events FINAL WHERE account_id IN (${accountIds.map((a) => `'${a}'`).join(',')})`,
  );
  return new Map(
    rows.map((r) => [
      r.cdr_id,
      {
        ...r,
        version: Number(r.version),
        cost_micros: Number(r.cost_micros),
        included_qty: Number(r.included_qty),
        billed_qty: Number(r.billed_qty),
      },
    ]),
  );
};

describe('ratel import: malformed lines', () => {
  it('rejects each bad line with its file:line and reason, and rates the good lines around them', async () => {
    const accounts = loadAccounts(join(import.meta.dirname, '../../examples/cdrs/accounts.json'), catalog);
    const mapping = join(import.meta.dirname, '../../examples/cdrs/sbc-export.mapping.json');
    const good = (id: string) => `${id},A,2026-11-03 09:15:02,2026-11-03 09:15:09,2026-11-03 09:17:14,0140000010,0612345678,,200`;
    const garbage = Buffer.from([0x00, 0xff, 0xfe, 0x2c, 0x9c, 0x0d, 0x41, 0x2c, 0x80, 0x81]).toString('latin1');
    const lines = [
      'CallId,Leg,StartTime,AnswerTime,EndTime,Calling,Called,Redirecting,SipCode',
      good('g-1'),
      'g-x,A,2026-11-03 09:15:02,0140000010', // wrong column count
      good('g-2'),
      'g-y,A,2026-11-31 09:15:02,2026-11-03 09:15:09,2026-11-03 09:17:14,0140000010,0612345678,,200', // 31 November
      good('g-3'),
      'g-z,A,2026-11-03 09:15:02,2026-11-03 09:20:00,2026-11-03 09:17:14,0140000010,0612345678,,200', // ends before its answer
      good('g-4'),
      garbage,
      good('g-5'),
      `g-w,A,2026-11-03 09:15:02,2026-11-03 09:15:09,2026-11-03 09:17:14,0140000010,0612${'3'.repeat(1_000_000)},,200`, // a 1 MB field
      good('g-6'),
    ];
    const file = join(dir, 'malformed.csv');
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from(`${lines.slice(0, 8).join('\n')}\n`),
        Buffer.from([0x00, 0xff, 0xfe, 0x2c, 0x9c, 0x0d, 0x41, 0x2c, 0x80, 0x81, 0x0a]),
        Buffer.from(`${lines.slice(9).join('\n')}\n`),
      ]),
    );
    expect(garbage.length).toBe(10);
    const dead = join(dir, 'malformed.dead.jsonl');
    const r = await run([file], 'csv', accounts, { mapping, dead });
    expect(r.files[0]).toMatchObject({ lines: 12, cdrs: 6, filtered: 0, rejected: { CDR_MALFORMED: 4, CDR_OUT_OF_RANGE: 1 } });
    const rejected = readFileSync(dead, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { at: string; code: string; reason: string; line: string });
    expect(rejected.map((x) => [x.at, x.code])).toEqual([
      [`${file}:3`, 'CDR_MALFORMED'],
      [`${file}:5`, 'CDR_MALFORMED'],
      [`${file}:7`, 'CDR_MALFORMED'],
      [`${file}:9`, 'CDR_MALFORMED'],
      [`${file}:11`, 'CDR_OUT_OF_RANGE'],
    ]);
    expect(rejected[0]?.reason).toBe('4 columns, the header has 9');
    expect(rejected[0]?.line).toBe(lines[2]);
    expect(rejected[1]?.reason).toBe('start: not a time of format local');
    expect(rejected[2]?.reason).toBe('negative duration');
    expect(rejected[3]?.reason).toMatch(/columns, the header has 9/);
    expect(rejected[4]?.reason).toBe('voice.callee longer than 256 characters (limits.maxFieldChars)');
    // The raw line is cut, its size said; the reason is whole.
    expect(rejected[4]?.line.length).toBeLessThan(1100);
    expect(rejected[4]?.line).toMatch(/… \(1000\d\d\d bytes, cut\)$/);
    const rated = await stored(['acme-fr']);
    expect([...rated.keys()].filter((k) => k.startsWith('sbc1:g-')).sort()).toEqual(
      ['g-1', 'g-2', 'g-3', 'g-4', 'g-5', 'g-6'].map((g) => `sbc1:${g}|A`),
    );
  });
});

describe('ratel import: ratel CSV', () => {
  const FR_CALLEES = ['+33612345678', '0612345679', '0145678901', '+34911234567', '0033140000001', '112', '+442071234567', '0899123456'];
  let runs = 0;

  it('any CDRs written in ratel CSV and imported rate as the objects do; imported again, nothing changes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            user: fc.integer({ min: 0, max: 1 }),
            callee: fc.constantFrom(...FR_CALLEES),
            day: fc.integer({ min: 1, max: 30 }),
            second: fc.integer({ min: 0, max: 86_399 }),
            seconds: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4000 })),
            direction: fc.constantFrom('OUTBOUND', 'OUTBOUND', 'INBOUND', 'FORWARDED' as const),
            trunk: fc.string({ maxLength: 6 }).filter((s) => !/[\r\n]/.test(s)),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        async (calls) => {
          const a = `prop-${runs++}`;
          const inputs: AccountEntry[] = [
            {
              id: a,
              plan: 'fr-start',
              activated: '2025-01-01',
              country: 'FR',
              time_zone: 'Europe/Paris',
              vat_country: 'FR',
              users: [{ id: `${a}-u0` }, { id: `${a}-u1`, plan: 'fr-pro' }],
            },
          ];
          const accounts = accountBook(inputs, catalog);
          const cdrs: Cdr[] = calls.map((c, i) => {
            const cdr = voiceCdr({
              id: `${a}-c${i}`,
              account: a,
              user: `${a}-u${c.user}`,
              start: Date.UTC(2026, 10, c.day, 0, 0, 0) + c.second * 1000,
              callee: c.callee,
              caller: '+33140000000',
              seconds: c.seconds,
              direction: c.direction,
              ringSeconds: 3,
            });
            (cdr.voice as NonNullable<Cdr['voice']>).trunk_id = c.trunk;
            return cdr;
          });
          const file = join(dir, `${a}.csv`);
          writeFileSync(file, `${[sources.ratelCsvHeader(), ...cdrs.map(sources.ratelCsvLine)].join('\n')}\n`);
          const first = await run([file], 'ratel-csv', accounts);
          expect(first.rejected).toBe(0);
          const expected = latestVersions(rateAll({ catalog, accounts }, cdrs, () => NOW).events);
          const got = await stored([a]);
          expect(got.size).toBe(expected.size);
          for (const [id, e] of expected) {
            expect(got.get(id), id).toMatchObject({
              cost_micros: e.cost_micros,
              included_qty: e.included_qty,
              billed_qty: e.billed_qty,
              reasons: e.reasons,
            });
          }
          const again = await run([file], 'ratel-csv', accounts);
          expect(again.replays).toBe(cdrs.length);
          expect(await stored([a])).toEqual(got);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('two rotations that overlap bill nothing twice: the second file rates only its new CDRs, in start order with the first', async () => {
    const accounts = accountBook(
      [
        {
          id: 'rot',
          plan: 'fr-start',
          activated: '2025-01-01',
          country: 'FR',
          time_zone: 'Europe/Paris',
          vat_country: 'FR',
          users: [{ id: 'rot-u' }],
        },
      ],
      catalog,
    );
    const cdrs = Array.from({ length: 30 }, (_, i) =>
      voiceCdr({
        id: `rot-${i}`,
        account: 'rot',
        user: 'rot-u',
        start: Date.UTC(2026, 10, 2, 8, i),
        callee: '+34911234567',
        seconds: 30 + i,
      }),
    );
    const write = (name: string, part: Cdr[]) => {
      const f = join(dir, name);
      writeFileSync(f, `${[sources.ratelCsvHeader(), ...part.map(sources.ratelCsvLine)].join('\n')}\n`);
      return f;
    };
    const r1 = await run([write('rot.1.csv', cdrs.slice(0, 20))], 'ratel-csv', accounts);
    const r2 = await run([write('rot.2.csv', cdrs.slice(12))], 'ratel-csv', accounts);
    expect([r1.cdrs, r1.replays, r2.cdrs, r2.replays]).toEqual([20, 0, 18, 8]);
    const got = await stored(['rot']);
    const expected = latestVersions(rateAll({ catalog, accounts }, cdrs, () => NOW).events);
    expect(got.size).toBe(30);
    for (const [id, e] of expected) expect(got.get(id)?.cost_micros, id).toBe(e.cost_micros);
  });
});

describe('ratel import: batches in flight', () => {
  it('a store failing while later batches rate: the import fails with it once they settle, and importing again rates each CDR once', async () => {
    const accounts = loadAccounts(join(import.meta.dirname, '../../examples/cdrs/accounts.json'), catalog);
    const mapping = join(import.meta.dirname, '../../examples/cdrs/sbc-export.mapping.json');
    const line = (id: string, day: string) => `${id},A,${day} 09:15:02,${day} 09:15:09,${day} 09:17:14,0140000010,0612345678,,200`;
    const lines = ['CallId,Leg,StartTime,AnswerTime,EndTime,Calling,Called,Redirecting,SipCode'];
    for (let i = 0; i < 60; i++) lines.push(line(`f-${i}`, '2026-11-04'));
    // Line 32 (batch 5 of 7 CDRs): a start before the window of accepted dates, refused by the rating.
    lines.splice(32, 0, line('f-late', '2026-06-04'));
    const file = join(dir, 'in-flight.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    let failures = 0;
    const failing: Store = new Proxy(store, {
      get(target, key, receiver) {
        if (key === 'insert')
          return async (table: string, rows: unknown[]) => {
            if (table === 'dead_letters' && failures++ === 0) throw new Error('store down while writing dead letters');
            return target.insert(table as never, rows as never);
          };
        return Reflect.get(target, key, receiver);
      },
    });
    const opts = (dead: string) => ({
      paths: [file],
      format: 'csv' as const,
      mapping,
      to: 'store' as const,
      deadLetterFile: dead,
      progress: false,
      now: () => NOW,
      batchSize: 7,
    });
    const deps = (s: Store) => ({ catalog, accounts, accountsFile: 'accounts', store: s, print: () => {} });
    await expect(importFiles(cfg, opts(join(dir, 'in-flight.1.jsonl')), deps(failing))).rejects.toThrow(
      'store down while writing dead letters',
    );
    expect(failures).toBe(1);
    const again = await importFiles(cfg, opts(join(dir, 'in-flight.2.jsonl')), deps(store));
    expect(again.files[0]).toMatchObject({ lines: 62, cdrs: 61 });
    const dead = readFileSync(join(dir, 'in-flight.2.jsonl'), 'utf8').trim().split('\n');
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0] as string)).toMatchObject({ at: `${file}:33` });
    const rated = await stored(['acme-fr']);
    expect([...rated.keys()].filter((k) => k.startsWith('sbc1:f-')).sort()).toEqual(
      Array.from({ length: 60 }, (_, i) => `sbc1:f-${i}|A`).sort(),
    );
  });
});
