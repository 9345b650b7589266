import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Sanity checks of the generated world numbering plan (rater/catalog/numbering/world.csv, built
// by rater/scripts/build-numbering-plan.mjs from libphonenumber metadata). Lookups are done by
// brute force here, independently of the rater's trie.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIR = join(ROOT, 'rater', 'catalog', 'numbering');
const SCRIPT = join(ROOT, 'rater', 'scripts', 'build-numbering-plan.mjs');
const CLASSES = ['fixed', 'mobile', 'freephone', 'premium', 'special'];

interface Row {
  prefix: string;
  country: string;
  name: string;
  cls: string;
}

function parse(text: string): { header: string; rows: Row[] } {
  const lines = text.split('\n');
  expect(lines.at(-1)).toBe(''); // trailing newline
  const [header, ...body] = lines.slice(0, -1);
  const rows = body.map((line) => {
    const cells = line.split(',');
    expect(cells, line).toHaveLength(4);
    const [prefix = '', country = '', name = '', cls = ''] = cells;
    return { prefix, country, name, cls };
  });
  return { header: header ?? '', rows };
}

const text = readFileSync(join(DIR, 'world.csv'), 'utf8');
const { header, rows } = parse(text);
const byPrefix = new Map(rows.map((r) => [r.prefix, r]));

function lookup(e164: string): Row | undefined {
  const digits = e164.replace(/^\+/, '');
  for (let len = digits.length; len > 0; len--) {
    const row = byPrefix.get(digits.slice(0, len));
    if (row) return row;
  }
  return undefined;
}

describe('world numbering plan (generated from libphonenumber)', () => {
  it('has the expected header and a plausible size', () => {
    expect(header).toBe('prefix,country,name,class');
    expect(rows.length).toBeGreaterThan(1_000);
    expect(rows.length).toBeLessThan(200_000);
  });

  it('has well-formed, unique, sorted rows', () => {
    for (const r of rows) {
      expect(r.prefix, JSON.stringify(r)).toMatch(/^[1-9]\d{0,14}$/);
      expect(r.country, JSON.stringify(r)).toMatch(/^[A-Z]{2}$/);
      expect(CLASSES, JSON.stringify(r)).toContain(r.cls);
      expect(r.name.endsWith(` ${r.cls}`), JSON.stringify(r)).toBe(true);
    }
    expect(byPrefix.size).toBe(rows.length);
    for (let i = 1; i < rows.length; i++) expect((rows[i - 1] as Row).prefix < (rows[i] as Row).prefix, (rows[i] as Row).prefix).toBe(true);
  });

  it.each([
    ['+33612345678', 'FR', 'mobile'],
    ['+33712345678', 'FR', 'mobile'],
    ['+33145678901', 'FR', 'fixed'],
    ['+33800123456', 'FR', 'freephone'],
    ['+3280012345', 'BE', 'freephone'],
    ['+32470123456', 'BE', 'mobile'],
    ['+3222345678', 'BE', 'fixed'],
    ['+3290312345', 'BE', 'premium'],
    ['+81312345678', 'JP', 'fixed'],
    ['+819012345678', 'JP', 'mobile'],
    ['+12125551234', 'US', 'fixed'], // NANP is FIXED_LINE_OR_MOBILE in libphonenumber -> fixed
    ['+14165551234', 'CA', 'fixed'],
    ['+18085551234', 'US', 'fixed'], // Hawaii
    ['+18002345678', 'US', 'freephone'],
    ['+14414123456', 'BM', 'fixed'], // Bermuda
    ['+14412921234', 'BM', 'mobile'],
    ['+442012345678', 'GB', 'fixed'],
    ['+447712345678', 'GB', 'mobile'],
    ['+447912345678', 'GB', 'mobile'],
    ['+447911123456', 'GG', 'mobile'], // +44 shared with Guernsey, Jersey, Isle of Man
    ['+447797123456', 'JE', 'mobile'],
    ['+590590123456', 'GP', 'fixed'], // Guadeloupe
    ['+590690123456', 'GP', 'mobile'],
    ['+262262123456', 'RE', 'fixed'], // Réunion
    ['+262269601234', 'YT', 'fixed'], // Mayotte
    ['+262639012345', 'YT', 'mobile'],
    ['+594594101010', 'GF', 'fixed'], // French Guiana
    ['+594694201234', 'GF', 'mobile'],
    ['+79161234567', 'RU', 'mobile'],
    ['+74951234567', 'RU', 'fixed'],
    ['+77011234567', 'KZ', 'mobile'], // +7 shared by RU and KZ
    ['+4915112345678', 'DE', 'mobile'],
    ['+493012345678', 'DE', 'fixed'],
  ])('%s -> %s %s', (number, country, cls) => {
    const row = lookup(number);
    expect(row, number).toBeDefined();
    expect({ country: row?.country, cls: row?.cls }).toEqual({ country, cls });
  });

  it('separates NANP area codes by region', () => {
    expect(lookup('+12125551234')?.country).toBe('US'); // New York
    expect(lookup('+14165551234')?.country).toBe('CA'); // Toronto
    expect(lookup('+18085551234')?.country).toBe('US'); // Hawaii, not a separate region
    expect(lookup('+18765551234')?.country).toBe('JM');
    expect(lookup('+12425021234')?.country).toBe('BS');
  });

  it('maps Belgian mobile to 45x-49x only (Belgian contract: 32 45x-49x)', () => {
    for (const d of '56789') expect(lookup(`+324${d}0123456`)?.cls, `+324${d}`).toBe('mobile');
    for (const d of '01234') expect(lookup(`+324${d}0123456`)?.cls, `+324${d}`).not.toBe('mobile');
  });

  it('covers every inhabited French overseas department with its own region', () => {
    const regions = new Set(rows.map((r) => r.country));
    for (const r of ['FR', 'GP', 'MQ', 'GF', 'RE', 'YT', 'BL', 'MF', 'PM']) expect(regions, r).toContain(r);
    expect(lookup('+596596301234')).toMatchObject({ country: 'MQ', cls: 'fixed' }); // Martinique
  });

  it('is up to date and reproducible: regenerating gives the checked-in plan', () => {
    const out = mkdtempSync(join(tmpdir(), 'numbering-plan-'));
    try {
      const log = execFileSync(process.execPath, [SCRIPT, '--out', out], { encoding: 'utf8' });
      expect(log).toMatch(new RegExp(`numbering_prefixes=${rows.length}\\b`));
      // Names come from the runtime's ICU data, which can differ between Node versions; the
      // prefix/region/class content must not.
      const strip = (csv: string) => parse(csv).rows.map((r) => `${r.prefix},${r.country},${r.cls}`);
      expect(strip(readFileSync(join(out, 'world.csv'), 'utf8'))).toEqual(strip(text));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
