/**
 * Golden files of the CDR sources (ingest/src/sources/): one folder per format and mapping
 * feature under golden/, each with its input, its mapping (generic formats) and case.json: what
 * every line must become, worked out by hand (`why` says how). Accounts and their subscriber
 * directory: golden/accounts.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { directoryOf, LineSplitter, sources } from '@ratel/ingest';
import { loadAccounts, loadCatalog } from '@ratel/rater';
import type { Cdr } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';

const GOLDEN = join(import.meta.dirname, 'golden');
const catalog = loadCatalog();
const accounts = loadAccounts(join(GOLDEN, 'accounts.json'), catalog);
const directory = directoryOf(accounts, 'golden/accounts.json');

interface Expected {
  line: number;
  cdr?: Record<string, unknown>;
  idPattern?: string;
  rejected?: string;
  reason?: string;
}
interface Case {
  format: sources.FormatName;
  why: string;
  filtered?: number;
  expected: Expected[];
}

type Got = { line: number; cdr: Cdr } | { line: number; code: string; reason: string };

/** Reads a file through a source, as `ratel import` does (in one chunk), and returns what each line became. */
function readAll(source: sources.CdrSource, text: string): { got: Got[]; filtered: number } {
  const res = sources.newLineResult();
  const got: Got[] = [];
  let filtered = 0;
  const split = new LineSplitter();
  const sink = {
    line(l: string, n: number) {
      source.read(l, n, res);
      if (res.status === sources.LineStatus.CDR) got.push({ line: n, cdr: res.cdr as Cdr });
      else if (res.status === sources.LineStatus.REJECTED) got.push({ line: n, code: res.code, reason: res.reason });
      else if (res.status === sources.LineStatus.FILTERED) filtered++;
    },
    tooLong(_h: string, bytes: number, n: number) {
      got.push({ line: n, code: 'CDR_MALFORMED', reason: `too long: ${bytes}` });
    },
  };
  source.startFile('input');
  split.push(Buffer.from(text), sink);
  split.end(sink);
  return { got, filtered };
}

describe('golden files of the CDR sources', () => {
  for (const name of readdirSync(GOLDEN)
    .filter((n) => !n.includes('.'))
    .sort()) {
    const dir = join(GOLDEN, name);
    const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Case;
    it(`${name} (${c.format}): ${c.why.slice(0, 90)}…`, () => {
      const input = readdirSync(dir).find((f) => f.startsWith('input.')) as string;
      const mapping = sources.needsMapping(c.format) ? join(dir, 'mapping.json') : undefined;
      const source = sources.createSource({ format: c.format, mapping, accounts, directory });
      const { got, filtered } = readAll(source, readFileSync(join(dir, input), 'utf8'));
      expect(got.map((g) => g.line)).toEqual(c.expected.map((e) => e.line));
      for (const e of c.expected) {
        const g = got.find((x) => x.line === e.line) as Got;
        if (e.rejected !== undefined) {
          expect(g, `line ${e.line}`).toMatchObject({ code: e.rejected });
          if ('reason' in g && e.reason !== undefined) expect(g.reason, `line ${e.line}`).toContain(e.reason);
        } else {
          expect('cdr' in g, `line ${e.line}: ${'reason' in g ? g.reason : ''}`).toBe(true);
          const cdr = (g as { cdr: Cdr }).cdr;
          expect(cdr, `line ${e.line}`).toMatchObject(e.cdr ?? {});
          if (e.idPattern) expect(cdr.id).toMatch(new RegExp(e.idPattern));
        }
      }
      expect(filtered).toBe(c.filtered ?? 0);
    });
  }
});
