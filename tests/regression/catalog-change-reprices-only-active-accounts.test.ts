/**
 * Finding: after a catalog change, history was re-priced only for the accounts that had new
 * traffic (a restore re-rates with the running catalog), so the same call ended up with two
 * prices. Now the month records its catalog: a rater running another refuses the month's CDRs
 * (CATALOG_CHANGED, nothing re-priced), and `ratel rerate` re-prices every account alike.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchema, openChdbStore, ratingCatalogs, recordRatingCatalog, type Store, writeCdrs, writeRated } from '@ratel/aggregator';
import { createLogger, rerateMonth } from '@ratel/ingest';
import { accountBook, DEFAULT_CATALOG_DIR, loadCatalog, newOutput, RatingEngine } from '@ratel/rater';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountInput, voice } from '../rater/helpers.js';

const MONTH = 202610;
const dir = mkdtempSync(join(tmpdir(), 'ratel-catalog-change-'));
const before = loadCatalog();
/** The same catalog with every French retail rate doubled. */
function doubledCatalog() {
  const to = join(dir, 'catalog');
  cpSync(DEFAULT_CATALOG_DIR, to, { recursive: true });
  const file = join(to, 'tariffs/fr-retail.json');
  const t = JSON.parse(readFileSync(file, 'utf8')) as { versions: { rules: { rate_per_min: string }[] }[] };
  for (const v of t.versions) for (const r of v.rules) r.rate_per_min = String(Number(r.rate_per_min) * 2);
  writeFileSync(file, JSON.stringify(t));
  return loadCatalog(to);
}
const inputs = [accountInput('busy', 'fr-start', ['b1']), accountInput('quiet', 'fr-start', ['q1'])];
// Calls to Spanish mobiles: outside Forfait Start's pack, so each is priced (SPEC §4).
const call = (id: string, user: string, account: string, day: number) =>
  voice(id, user, '+34612345678', `2026-10-${String(day).padStart(2, '0')}T10:00:00`, 120, { account });
let store: Store;

const costs = async (): Promise<Record<string, number>> => {
  const rows = await store.query<{ cdr_id: string; cost_micros: number }>(
    `SELECT cdr_id, cost_micros FROM rated_events FINAL WHERE month = ${MONTH} ORDER BY cdr_id`,
  );
  return Object.fromEntries(rows.map((r) => [r.cdr_id, Number(r.cost_micros)]));
};

beforeAll(async () => {
  store = await openChdbStore(join(dir, 'chdb'));
  await createSchema(store);
  // The month as the pipeline rated it with the first catalog: ratings, archive, catalog recorded.
  const accounts = accountBook(inputs, before);
  const out = newOutput();
  new RatingEngine({ catalog: before, accounts }).addAll([call('b-1', 'b1', 'busy', 3), call('q-1', 'q1', 'quiet', 4)], out);
  await writeRated(store, out.events);
  await writeCdrs(store, out.accepted);
  await recordRatingCatalog(store, MONTH, before.version);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('regression: catalog change re-prices only active accounts', () => {
  it('a rater on the new catalog refuses the month; rerate then re-prices both accounts alike', async () => {
    const was = await costs();
    expect(was['b-1']).toBe(was['q-1']);
    const after = doubledCatalog();
    expect(after.version).not.toBe(before.version);
    const accounts = accountBook(inputs, after);
    // New traffic for the busy account only, on a rater with the new catalog.
    const engine = new RatingEngine({ catalog: after, accounts });
    const ratedWith = (await ratingCatalogs(store)).get(MONTH);
    expect(ratedWith).toBe(before.version);
    engine.refuseMonth(MONTH, ratedWith as string);
    const out = newOutput();
    engine.addAll([call('b-2', 'b1', 'busy', 5)], out);
    expect(out.dead.map((d) => [d.cdr_id, d.code])).toEqual([['b-2', 'CATALOG_CHANGED']]);
    expect(out.dead[0]?.reason).toContain('ratel rerate --month 2026-10');
    expect(out.events).toEqual([]);
    expect(await costs()).toEqual(was);

    const r = await rerateMonth(store, after, accounts, MONTH, createLogger('silent'));
    expect([r.accounts, r.cdrs, r.changed]).toEqual([2, 2, 2]);
    const now = await costs();
    expect(now['b-1']).toBe(now['q-1']);
    expect(now['b-1']).toBeGreaterThan(was['b-1'] as number);
    expect(r.deltaMicros).toBe((now['b-1'] as number) - (was['b-1'] as number) + (now['q-1'] as number) - (was['q-1'] as number));
    expect((await ratingCatalogs(store)).get(MONTH)).toBe(after.version);
    // A second rerate changes nothing.
    expect((await rerateMonth(store, after, accounts, MONTH, createLogger('silent'))).changed).toBe(0);
  });
});
