/**
 * The fixtures of the switch formats: tests/ingest/sources/fixtures/<format>/<case>/ holds the
 * switch's files (written line by line from its documented format), an optional profile.json
 * (`ratel import --mapping`), and expected.json: what each line of each file must become, worked
 * out by hand (`why` says how). Accounts and their subscriber directory: fixtures/accounts.json.
 *
 * An expected CDR lists what it is about; the fields it leaves out are the CDR of an answered
 * voice call's: kind VOICE, no roaming, sip_call_id the CDR id, no trunk, not forwarded,
 * disposition ANSWERED, SIP status 200 (a call not answered gives its disposition and status,
 * and no answer time). `refused` says the code the rater refuses a CDR with at import. With `idPattern` the id (and so the sip_call_id) holds a
 * hash of the line and is matched, not given.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { directoryOf, LineSplitter, sources } from '@ratel/ingest';
import { loadAccounts, loadCatalog } from '@ratel/rater';
import type { Cdr } from '@ratel/schemas';
import { expect } from 'vitest';

export const FIXTURES = join(import.meta.dirname, 'fixtures');
export const catalog = loadCatalog();
export const ACCOUNTS_FILE = join(FIXTURES, 'accounts.json');
export const accounts = loadAccounts(ACCOUNTS_FILE, catalog);
export const directory = directoryOf(accounts, 'fixtures/accounts.json');

export interface Outcome {
  line: number;
  why?: string;
  cdr?: Partial<Cdr> & { voice?: Partial<NonNullable<Cdr['voice']>> };
  idPattern?: string;
  filtered?: string;
  rejected?: string;
  reason?: string;
  /** A CDR the rater refuses at import (a dead letter with this code), e.g. a callee that is no phone number. */
  refused?: string;
}

export interface Expected {
  format: sources.FormatName;
  why: string;
  files: Record<string, Outcome[]>;
}

export interface Case {
  name: string;
  dir: string;
  expected: Expected;
  profile: string | undefined;
  /** The switch's files of the case, by name. */
  inputs: string[];
}

/** The cases of a format's fixtures. */
export function cases(format: string): Case[] {
  const root = join(FIXTURES, format);
  return readdirSync(root)
    .sort()
    .map((name) => {
      const dir = join(root, name);
      const files = readdirSync(dir);
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
      return {
        name,
        dir,
        expected,
        profile: files.includes('profile.json') ? join(dir, 'profile.json') : undefined,
        inputs: files.filter((f) => f !== 'expected.json' && f !== 'profile.json').sort(),
      };
    });
}

export type Got = { line: number; cdr: Cdr } | { line: number; filtered: string } | { line: number; rejected: string; reason: string };

/** Reads a file through a source as `ratel import` does (in chunks of `chunk` bytes), and returns what each line became. */
export function readAll(source: sources.CdrSource, file: string, bytes: Buffer, chunk = bytes.length || 1): Got[] {
  const res = sources.newLineResult();
  const got: Got[] = [];
  const split = new LineSplitter();
  const sink = {
    line(l: string, n: number) {
      source.read(l, n, res);
      if (res.status === sources.LineStatus.CDR) got.push({ line: n, cdr: res.cdr as Cdr });
      else if (res.status === sources.LineStatus.REJECTED) got.push({ line: n, rejected: res.code, reason: res.reason });
      else if (res.status === sources.LineStatus.FILTERED) got.push({ line: n, filtered: res.reason });
    },
    tooLong(_h: string, bytes: number, n: number) {
      got.push({ line: n, rejected: 'CDR_MALFORMED', reason: `too long: ${bytes}` });
    },
  };
  source.startFile(file);
  for (let i = 0; i < bytes.length; i += chunk) split.push(bytes.subarray(i, i + chunk), sink);
  split.end(sink);
  return got;
}

/** An expected CDR with the defaults of an answered call filled in (the header says which). */
export function complete(e: NonNullable<Outcome['cdr']>, id: string): Cdr {
  const v = e.voice ?? {};
  return {
    id,
    kind: 'VOICE',
    account_id: '',
    user_id: '',
    start_ms: 0,
    roaming_country: null,
    message: null,
    data: null,
    event: null,
    ...e,
    voice: {
      sip_call_id: id,
      trunk_id: '',
      caller: '',
      callee: '',
      forwarded_from: null,
      direction: 'OUTBOUND',
      answer_ms: null,
      end_ms: 0,
      duration_s: 0,
      billable_s: 0,
      disposition: 'ANSWERED',
      sip_status: 200,
      ...v,
    },
  } as Cdr;
}

/** Checks a file's lines against their expected outcomes, in order: every line that is not blank is listed. */
export function check(got: Got[], outcomes: Outcome[], file: string): void {
  expect(
    got.map((g) => g.line),
    `${file}: the lines that are not blank`,
  ).toEqual(outcomes.map((o) => o.line));
  for (const o of outcomes) {
    const g = got.find((x) => x.line === o.line) as Got;
    const at = `${file}:${o.line}${o.why ? ` (${o.why})` : ''}`;
    if (o.rejected !== undefined) {
      expect(g, at).toMatchObject({ rejected: o.rejected });
      expect((g as { reason: string }).reason, at).toContain(o.reason ?? '');
    } else if (o.filtered !== undefined) {
      expect(g, at).toEqual({ line: o.line, filtered: o.filtered });
    } else {
      expect('cdr' in g, `${at}: ${'reason' in g ? g.reason : JSON.stringify(g)}`).toBe(true);
      const cdr = (g as { cdr: Cdr }).cdr;
      if (o.idPattern !== undefined) expect(cdr.id, at).toMatch(new RegExp(o.idPattern));
      const id = o.idPattern !== undefined ? cdr.id : (o.cdr?.id as string);
      expect(cdr, at).toEqual(complete(o.cdr ?? {}, id));
    }
  }
}

/** Runs a case: each of its files through a fresh source (whole, then 7 bytes at a time), against expected.json. */
export function runCase(c: Case): void {
  expect(c.inputs.sort(), `${c.name}: the files expected.json names`).toEqual(Object.keys(c.expected.files).sort());
  for (const file of c.inputs) {
    const bytes = readFileSync(join(c.dir, file));
    for (const chunk of [bytes.length, 7]) {
      const source = sources.createSource({ format: c.expected.format, mapping: c.profile, accounts, directory });
      check(readAll(source, file, bytes, chunk), c.expected.files[file] as Outcome[], file);
    }
  }
}
