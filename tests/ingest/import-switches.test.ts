/**
 * `ratel import` of switch CDR files (FreeSWITCH mod_cdr_csv and mod_json_cdr, Asterisk cdr_csv
 * and cdr_custom) into the embedded store: every call of the fixtures rated once, those not
 * answered (and answered for 0 s) at no charge with the reason UNANSWERED and counted in the
 * summary by disposition and SIP status, the lines that are no call (B legs) counted as filtered,
 * bad lines dead letters with file:line; imported again, nothing changes. Then, per format, malformed lines (wrong shape, bad date,
 * negative billsec, binary garbage, a 1 MB field) among good ones.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '@ratel/aggregator';
import { type Config, importFiles, sources } from '@ratel/ingest';
import type { Cdr } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';
import { embeddedStore } from '../embedded-store.js';
import { ACCOUNTS_FILE, accounts, cases, catalog, directory, FIXTURES, type Outcome, readAll } from './sources/switch-fixtures.js';

const dir = embeddedStore('ratel-import-switches-', (c, s) => {
  cfg = c;
  store = s;
});
let cfg: Config;
let store: Store;
// Rated as at 1 December 2026: the window of accepted start dates holds the fixtures' November.
const NOW = Date.UTC(2026, 11, 1);

const run = (paths: string[], format: sources.FormatName, mapping: string | undefined, dead: string, printed: string[] = []) =>
  importFiles(
    cfg,
    { paths, format, mapping, to: 'store', deadLetterFile: dead, progress: false, now: () => NOW, batchSize: 5 },
    { catalog, accounts, accountsFile: ACCOUNTS_FILE, store, print: (s) => void printed.push(s) },
  );

const deadLetters = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { at: string; code: string; reason: string; line: string });

interface Rated {
  cdr_id: string;
  version: number;
  cost_micros: number;
  billed_qty: number;
  reasons: string[];
}
const rated = async (ids: string[]): Promise<Rated[]> =>
  ids.length === 0
    ? []
    : (
        await store.query<Rated>(
          `SELECT cdr_id, version, cost_micros, billed_qty, reasons FROM rated_events FINAL WHERE cdr_id IN (${ids.map((i) => `'${i.replace(/'/g, "''")}'`).join(',')}) ORDER BY cdr_id`,
        )
      ).map((r) => ({ ...r, version: Number(r.version), cost_micros: Number(r.cost_micros), billed_qty: Number(r.billed_qty) }));

const count = <T>(xs: T[], key: (x: T) => string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
};

// The dst case's calls span ten months (January to October), beyond limits.maxAgeDays of any one
// reference date: it is read by the source tests (sources/freeswitch-csv.test.ts) only.
const OUT_OF_WINDOW = new Set(['freeswitch-csv/dst', 'freeswitch-csv/dst-utc']);

describe('ratel import: switch fixtures', () => {
  for (const format of sources.SWITCH_FORMATS)
    for (const c of cases(format).filter((x) => !OUT_OF_WINDOW.has(`${format}/${x.name}`)))
      it(`${format}/${c.name}: every call rated once, the unanswered at no charge and counted, bad lines dead letters with file:line; again, nothing changes`, async () => {
        const paths = c.inputs.map((f) => join(c.dir, f));
        const dead = join(dir, `${format}-${c.name}.dead.jsonl`);
        const printed: string[] = [];
        const r = await run(paths, format, c.profile, dead, printed);
        /** The ids of the CDRs rated, and of those with nothing billable (not answered, or answered for 0 s). */
        const ids: string[] = [];
        const unanswered: string[] = [];
        const rejected: { at: string; line: number; code: string }[] = [];
        for (const [k, file] of c.inputs.entries()) {
          const outcomes = c.expected.files[file] as Outcome[];
          const s = r.files[k] as (typeof r.files)[number];
          // The CDR ids, as the source makes them (sources/*.test.ts check them against expected.json).
          const source = sources.createSource({ format, mapping: c.profile, accounts, directory });
          const got = readAll(source, file, readFileSync(paths[k] as string));
          const outcomeOf = (line: number) => outcomes.find((o) => o.line === line) as Outcome;
          for (const g of got) {
            if (!('cdr' in g)) continue;
            const o = outcomeOf(g.line);
            if (o.refused !== undefined) continue;
            ids.push(g.cdr.id);
            if (o.cdr?.voice?.billable_s === 0) unanswered.push(g.cdr.id);
          }
          const filtered = outcomes.filter((o) => o.filtered !== undefined);
          // A dead letter: a line the source rejects, or a CDR the rater refuses (`refused`).
          const letters = outcomes.flatMap((o) => {
            const code = o.rejected ?? o.refused;
            return code === undefined ? [] : [{ at: `${paths[k]}:${o.line}`, line: o.line, code }];
          });
          const free = outcomes.filter((o) => o.cdr?.voice?.billable_s === 0 && o.refused === undefined);
          expect(s, file).toMatchObject({
            cdrs: outcomes.filter((o) => o.cdr !== undefined).length,
            filtered: filtered.length,
            filteredBy: count(filtered, (o) => o.filtered as string),
            rejected: count(letters, (d) => d.code),
            replays: 0,
            unanswered: count(free, (o) => {
              const v: Partial<NonNullable<Cdr['voice']>> = o.cdr?.voice ?? {};
              return v.disposition === undefined ? 'ANSWERED 0 s' : `${v.disposition} ${v.sip_status}`;
            }),
          });
          const line = printed.find((p) => p.startsWith(`${paths[k]}:`)) as string;
          for (const [reason, n] of Object.entries(s.filteredBy)) expect(line).toContain(`${reason} ${n}`);
          for (const [why, n] of Object.entries(s.unanswered)) expect(line).toMatch(new RegExp(`; unanswered, no charge: .*${why} ${n}`));
          rejected.push(...letters);
        }
        // The rater's refusals are written as their batch is rated: compared by file and line.
        const order = (x: { at: string }) => x.at.replace(/:(\d+)$/, (_, n: string) => `:${n.padStart(6, '0')}`);
        const sorted = <T extends { at: string }>(xs: T[]) => [...xs].sort((a, b) => (order(a) < order(b) ? -1 : 1));
        expect(sorted(deadLetters(dead)).map((d) => ({ at: d.at, code: d.code }))).toEqual(
          sorted(rejected).map(({ at, code }) => ({ at, code })),
        );
        const first = await rated(ids);
        expect(first.map((x) => x.cdr_id)).toEqual([...ids].sort());
        expect(first.every((x) => x.version === 1)).toBe(true);
        // Stored with no charge and a reason: nothing billed, UNANSWERED (an attempt at a blocked premium number is flagged instead).
        for (const x of first.filter((e) => unanswered.includes(e.cdr_id))) {
          expect([x.cost_micros, x.billed_qty], x.cdr_id).toEqual([0, 0]);
          expect(
            x.reasons.some((why) => why === 'UNANSWERED' || why === 'PREMIUM_BLOCKED'),
            `${x.cdr_id}: ${x.reasons}`,
          ).toBe(true);
        }

        const again = await run(paths, format, c.profile, join(dir, `${format}-${c.name}.again.jsonl`));
        expect(again.replays).toBe(ids.length);
        expect(again.files.reduce((n, f) => n + f.rated, 0)).toBe(0);
        expect(await rated(ids)).toEqual(first);
      });
});

/** Per format: a good line (n makes its call id), and the malformed lines put between good ones. */
const MALFORMED: Record<
  sources.SwitchFormat,
  { profile?: string; good: (n: number) => string; shape: string; badDate: string; negative: string; huge: string; reasons: RegExp[] }
> = {
  'freeswitch-csv': {
    good: (n) =>
      `"Sales","0140000042","0612345678","default","2026-11-03 09:15:02","2026-11-03 09:15:09","2026-11-03 09:17:14","132","125","NORMAL_CLEARING","m-${n}","","","PCMA","PCMA"`,
    shape:
      '"Sales","0140000042","0612345678","default","2026-11-03 09:15:02","2026-11-03 09:15:09","2026-11-03 09:17:14","132","125","NORMAL_CLEARING","m-x","","","PCMA"',
    badDate:
      '"Sales","0140000042","0612345678","default","2026-11-31 09:15:02","2026-11-31 09:15:09","2026-11-31 09:17:14","132","125","NORMAL_CLEARING","m-y","","","PCMA","PCMA"',
    negative:
      '"Sales","0140000042","0612345678","default","2026-11-03 09:15:02","2026-11-03 09:15:09","2026-11-03 09:17:14","132","-1","NORMAL_CLEARING","m-z","","","PCMA","PCMA"',
    huge: `"Sales","0140000042","0612${'3'.repeat(1_000_000)}","default","2026-11-03 09:15:02","2026-11-03 09:15:09","2026-11-03 09:17:14","132","125","NORMAL_CLEARING","m-w","","","PCMA","PCMA"`,
    reasons: [
      /^only 14 of the template's 15 fields/,
      /^start_stamp: "2026-11-31 09:15:02" is not a time$/,
      /^billsec: negative \(-1\)$/,
      /^the line does not begin with the template's '"'$/,
      /^voice\.callee longer than 256 characters \(limits\.maxFieldChars\)$/,
    ],
  },
  'freeswitch-json': {
    good: (n) =>
      JSON.stringify({
        variables: {
          uuid: `m-${n}`,
          start_uepoch: '1793693702000000',
          billusec: '125000000',
          uduration: '132000000',
          hangup_cause: 'NORMAL_CLEARING',
        },
        callflow: { caller_profile: { caller_id_number: '0140000042', destination_number: '0612345678' } },
      }),
    shape: '{"variables":{"uuid":"m-x","start_uepoch":"1793693702000000","billusec":"125',
    badDate: '{"variables":{"uuid":"m-y","start_uepoch":"2026-11-03 09:15:02","billusec":"125000000"}}',
    negative: '{"variables":{"uuid":"m-z","start_uepoch":"1793693702000000","billusec":"-1","hangup_cause":"NORMAL_CLEARING"}}',
    huge: JSON.stringify({
      variables: { uuid: 'm-w', start_uepoch: '1793693702000000', billusec: '125000000', hangup_cause: 'NORMAL_CLEARING' },
      callflow: { caller_profile: { caller_id_number: '0140000042', destination_number: `0612${'3'.repeat(1_000_000)}` } },
    }),
    reasons: [
      /^not JSON: /,
      /^start_uepoch: not a time$/,
      /^billusec: negative$/,
      /^not JSON: /,
      /^voice\.callee longer than 256 characters/,
    ],
  },
  'asterisk-csv': {
    good: (n) =>
      `"","1042","0612345678","from-internal","""Sales"" <1042>","PJSIP/1042-00000001","PJSIP/carrier-00000002","Dial","x","2026-11-03 08:15:02","2026-11-03 08:15:09","2026-11-03 08:17:14",132,125,"ANSWERED","DOCUMENTATION","m.${n}",""`,
    shape:
      '"","1042","0612345678","from-internal","""Sales"" <1042>","PJSIP/1042-00000001","PJSIP/carrier-00000002","Dial","x","2026-11-03 08:15:02","2026-11-03 08:15:09","2026-11-03 08:17:14",132,125,"ANSWERED","DOCUMENTATION","m.x"',
    badDate:
      '"","1042","0612345678","from-internal","","PJSIP/1042-00000001","","Dial","x","2026-11-31 08:15:02","2026-11-31 08:15:09","2026-11-31 08:17:14",132,125,"ANSWERED","DOCUMENTATION","m.y",""',
    negative:
      '"","1042","0612345678","from-internal","","PJSIP/1042-00000001","","Dial","x","2026-11-03 08:15:02","2026-11-03 08:15:09","2026-11-03 08:17:14",132,-1,"ANSWERED","DOCUMENTATION","m.z",""',
    huge: `"","1042","0612${'3'.repeat(1_000_000)}","from-internal","","PJSIP/1042-00000001","","Dial","x","2026-11-03 08:15:02","2026-11-03 08:15:09","2026-11-03 08:17:14",132,125,"ANSWERED","DOCUMENTATION","m.w",""`,
    reasons: [
      /^17 columns, cdr_csv writes 18/,
      /^start: "2026-11-31 08:15:02" is not a time$/,
      /^billsec: negative \(-1\)$/,
      /^3 columns, cdr_csv writes 18/,
      /^voice\.callee longer than 256 characters/,
    ],
  },
  'asterisk-custom': {
    profile: join(FIXTURES, 'asterisk-custom/sample/profile.json'),
    good: (n) =>
      `"""Sales"" <1042>","1042","0612345678","from-internal","PJSIP/1042-00000021","PJSIP/carrier-00000022","Dial","x","2026-11-03 09:15:02","2026-11-03 09:15:09","2026-11-03 09:17:14","131.750000","124.500000","ANSWERED","DOCUMENTATION","","m.${n}","",${n}`,
    shape:
      '"""Sales"" <1042>","1042","0612345678","from-internal","PJSIP/1042-00000021","PJSIP/carrier-00000022","Dial","x","2026-11-03 09:15:02"',
    badDate:
      '"","1042","0612345678","from-internal","PJSIP/1042-00000021","","Dial","x","2026-11-31 09:15:02","2026-11-31 09:15:09","2026-11-31 09:17:14","131.75","124.5","ANSWERED","DOCUMENTATION","","m.y","",90',
    negative:
      '"","1042","0612345678","from-internal","PJSIP/1042-00000021","","Dial","x","2026-11-03 09:15:02","2026-11-03 09:15:09","2026-11-03 09:17:14","131.75","-1","ANSWERED","DOCUMENTATION","","m.z","",91',
    huge: `"","1042","0612${'3'.repeat(1_000_000)}","from-internal","PJSIP/1042-00000021","","Dial","x","2026-11-03 09:15:02","2026-11-03 09:15:09","2026-11-03 09:17:14","131.75","124.5","ANSWERED","DOCUMENTATION","","m.w","",92`,
    reasons: [
      /^9 columns, the template has 19$/,
      /^start: "2026-11-31 09:15:02" is not a time$/,
      /^billsec: negative \(-1\)$/,
      /^3 columns, the template has 19$/,
      /^voice\.callee longer than 256 characters/,
    ],
  },
};

const GARBAGE = Buffer.from([0x00, 0xff, 0xfe, 0x2c, 0x9c, 0x0d, 0x41, 0x2c, 0x80, 0x81, 0x0a]);

describe('ratel import: malformed switch lines', () => {
  for (const format of sources.SWITCH_FORMATS)
    it(`${format}: wrong shape, bad date, negative billsec, binary garbage and a 1 MB field each rejected with file:line and reason; the good lines around them rated`, async () => {
      const m = MALFORMED[format];
      const text = (lines: string[]) => Buffer.from(`${lines.join('\n')}\n`);
      const file = join(dir, `malformed-${format}.txt`);
      writeFileSync(
        file,
        Buffer.concat([
          text([m.good(1), m.shape, m.good(2), m.badDate, m.good(3), m.negative, m.good(4)]),
          GARBAGE,
          text([m.good(5), m.huge, m.good(6)]),
        ]),
      );
      const dead = join(dir, `malformed-${format}.dead.jsonl`);
      const r = await run([file], format, m.profile, dead);
      expect(r.files[0]).toMatchObject({ lines: 11, cdrs: 6, filtered: 0, rejected: { CDR_MALFORMED: 4, CDR_OUT_OF_RANGE: 1 } });
      const d = deadLetters(dead);
      expect(d.map((x) => x.at)).toEqual([2, 4, 6, 8, 10].map((n) => `${file}:${n}`));
      d.forEach((x, k) => {
        expect(x.reason, x.at).toMatch(m.reasons[k] as RegExp);
      });
      // The raw line is in the dead letter, cut to 1,000 characters with its size said.
      expect(d[4]?.line).toMatch(/… \(1000\d\d\d bytes, cut\)$/);
      const source = sources.createSource({ format, mapping: m.profile, accounts, directory });
      const ids = readAll(source, file, readFileSync(file)).flatMap((g) => ('cdr' in g ? [(g.cdr as Cdr).id] : []));
      expect(ids).toHaveLength(7); // the six good lines, and the 1 MB one the importer refuses
      const stored = await rated(ids);
      expect(stored.map((x) => x.cdr_id)).toEqual(ids.filter((_, k) => k !== 5).sort());
    });
});

describe('ratel import: filtered reasons', () => {
  it('counts filtered lines by reason, the first 100 reasons of a file by name and the others together', async () => {
    const n = 102;
    const cols = Array.from({ length: n }, (_, k) => `c${k}`);
    const mapping = join(dir, 'many-filters.mapping.json');
    writeFileSync(
      mapping,
      JSON.stringify({
        caller: 'from',
        callee: 'to',
        start: { field: 'start', format: 'epoch_s' },
        billable: { field: 'secs', unit: 's' },
        filters: cols.map((c) => ({ field: c, in: ['y'] })),
      }),
    );
    // Line k fails filter k first (its column says n): reason `filter on "ck"`; the last line passes them all.
    const rows = Array.from(
      { length: n + 1 },
      (_, k) => `0140000042,0612345678,1793693702,60,${cols.map((_, j) => (j === k ? 'n' : 'y')).join(',')}`,
    );
    const file = join(dir, 'many-filters.csv');
    writeFileSync(file, `${['from,to,start,secs', ...cols].join(',')}\n${rows.join('\n')}\n`);
    const r = await run([file], 'csv', mapping, join(dir, 'many-filters.dead.jsonl'));
    const s = r.files[0] as (typeof r.files)[number];
    expect([s.cdrs, s.filtered]).toEqual([1, n]);
    expect(Object.keys(s.filteredBy)).toHaveLength(101);
    expect(s.filteredBy['filter on "c0"']).toBe(1);
    expect(s.filteredBy['filter on "c99"']).toBe(1);
    expect(s.filteredBy['filter on "c100"']).toBeUndefined();
    expect(s.filteredBy['other reasons']).toBe(2);
  });
});
