/**
 * Fixtures for the loader validation tests: private copies of the shipped catalog, accounts
 * files written to a temp dir, and an assertion that a load fails with CATALOG_INVALID naming
 * the file and the place.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CATALOG_DIR } from '@ratel/rater';
import { isRatelError, type RatelError } from '@ratel/schemas';
import { afterAll, expect } from 'vitest';

const temps: string[] = [];
afterAll(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temp dir, removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ratel-loaders-'));
  temps.push(dir);
  return dir;
}

/** A private copy of the shipped catalog, changed by `edit`. */
export function copyCatalog(edit: (dir: string) => void = () => {}): string {
  const dir = tempDir();
  cpSync(DEFAULT_CATALOG_DIR, dir, { recursive: true });
  edit(dir);
  return dir;
}

/** A JSON value as the tests edit it: free-form on purpose, to write what the schema refuses. */
// biome-ignore lint/suspicious/noExplicitAny: free-form edits of catalog JSON
export type Json = any;

export function editJson(file: string, change: (j: Json) => void): void {
  const j = JSON.parse(readFileSync(file, 'utf8'));
  change(j);
  writeFileSync(file, JSON.stringify(j, null, 1));
}

/** An account with only the required fields, `over` replacing some of them. */
export function minimalAccount(id: string, users: string[], over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    plan: 'fr-start',
    activated: '2025-01-01',
    country: 'FR',
    time_zone: 'Europe/Paris',
    vat_country: 'FR',
    users: users.map((u) => ({ id: u })),
    ...over,
  };
}

/** Writes `{ accounts }` to `name` in a temp dir and returns the file's path. */
export function accountsFile(accounts: unknown[], name = 'accounts.json'): string {
  const file = join(tempDir(), name);
  writeFileSync(file, JSON.stringify({ accounts }, null, 1));
  return file;
}

/**
 * Runs `load`, expecting a RatelError CATALOG_INVALID whose message names `file` and `place`
 * (and matches `rule` when given); returns it. Anything else thrown, or no throw, fails.
 */
export function expectCatalogInvalid(load: () => unknown, file: string, place: string, rule?: RegExp): RatelError {
  let err: unknown;
  try {
    load();
  } catch (e) {
    err = e;
  }
  expect(err, 'the load was expected to fail').toBeDefined();
  expect(isRatelError(err), `not a RatelError: ${String(err)}`).toBe(true);
  const e = err as RatelError;
  expect(e.code).toBe('CATALOG_INVALID');
  expect(e.message).toContain(file);
  expect(e.message).toContain(place);
  if (rule) expect(e.message).toMatch(rule);
  return e;
}
