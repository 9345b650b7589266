/**
 * rater_cdrs_per_sec: normalise + trie lookup + price + allowances, one core, with a
 * 100,000-prefix deck and 100,000 accounts, as the pipeline's rating thread rates them (batches
 * of 10,000 with their Avro bodies; decoding is not part of the figure). Also trie_mb and
 * trie_compile_ms, trie_lookup_ns (one longest-prefix lookup of a random number), and
 * rater_held_mb: the CDRs the engine holds for re-rating.
 *   node bench/dist/rater.js [cdrs] [prefixes] [accounts]
 */

import { Rng } from '@ratel/ingest';
import type { AccountInput } from '@ratel/rater';
import { accountBook, compileTrie, loadCatalog, newOutput, RatingEngine } from '@ratel/rater';
import { type Cdr, cdrType } from '@ratel/schemas';
import { syntheticDeck } from './deck.js';
import { profileSection } from './profile.js';

const nCdrs = Number(process.argv[2] ?? 2_000_000);
const nPrefixes = Number(process.argv[3] ?? 100_000);
const nAccounts = Number(process.argv[4] ?? 100_000);

const deck = syntheticDeck(nPrefixes);
const t0 = performance.now();
const trie = compileTrie(deck);
const compileMs = performance.now() - t0;

// One trie lookup on its own: random numbers under the deck's prefixes, as the CDRs' callees.
const lookupRng = new Rng(7);
const lookupKeys = Array.from({ length: 1_000_000 }, () => {
  const p = (deck[lookupRng.int(0, deck.length - 1)] as { prefix: string }).prefix;
  return `${p}${lookupRng.digits(12 - p.length)}`;
});
const lookupAt = Date.parse('2026-10-15T00:00:00Z');
let found = 0;
const t3 = performance.now();
for (const k of lookupKeys) if (trie.lookup(k, lookupAt) >= 0) found++;
const lookupNs = ((performance.now() - t3) * 1e6) / lookupKeys.length;
if (found !== lookupKeys.length) throw new Error(`trie lookup bench: ${lookupKeys.length - found} numbers not found`);
lookupKeys.length = 0;

// The shipped catalog, with its fr-retail tariff replaced by the synthetic deck.
const catalog = loadCatalog();
const fr = catalog.tariffs.get('fr-retail');
if (!fr) throw new Error('fr-retail tariff missing');
catalog.tariffs.set('fr-retail', { ...fr, trie });

const accounts: AccountInput[] = Array.from({ length: nAccounts }, (_, i) => ({
  id: `a${i}`,
  name: '',
  plan: i % 2 ? 'fr-start' : 'fr-pro',
  billing: 'monthly',
  activated: '2025-01-01',
  country: 'FR',
  time_zone: 'Europe/Paris',
  vat_country: 'FR',
  credit_limit: '100.00',
  options: [],
  users: [{ id: `a${i}u` }],
}));
const book = accountBook(accounts, catalog);

const rng = new Rng(5);
const start = Date.parse('2026-10-01T00:00:00Z');
const span = 30 * 86_400_000;
const cdrAt = (i: number): Cdr => {
  const a = rng.int(0, nAccounts - 1);
  const p = (deck[rng.int(0, deck.length - 1)] as { prefix: string }).prefix;
  const d = rng.next() < 0.1 ? 0 : rng.int(1, 900);
  const s = start + Math.floor((i / nCdrs) * span);
  return {
    id: `c${i}`,
    kind: 'VOICE',
    account_id: `a${a}`,
    user_id: `a${a}u`,
    start_ms: s,
    roaming_country: null,
    voice: {
      sip_call_id: `c${i}`,
      trunk_id: 't',
      caller: '+33612345678',
      callee: `+${p}${rng.digits(12 - p.length)}`,
      forwarded_from: null,
      direction: 'OUTBOUND',
      answer_ms: d ? s + 5000 : null,
      end_ms: s + 5000 + d * 1000,
      duration_s: d + 5,
      billable_s: d,
      disposition: d ? 'ANSWERED' : 'NO_ANSWER',
      sip_status: d ? 200 : 480,
    },
    message: null,
    data: null,
    event: null,
  };
};

// The CDRs as the pipeline receives them: Avro bodies (one buffer here, `ends` marks each end).
// Decoding is not part of the figure: it is done batch by batch outside the timed section, so
// the CDR objects live as long as in the pipeline (one batch). The timed section is the rating
// proper: take each body's view, rate, hold.
const parts: Buffer[] = [];
const ends = new Float64Array(nCdrs + 1);
for (let i = 0, at = 0; i < nCdrs; i++) {
  const body = cdrType.toBuffer(cdrAt(i));
  parts.push(body);
  at += body.length;
  ends[i + 1] = at;
}
const wire = Buffer.concat(parts);
parts.length = 0;

const engine = new RatingEngine({ catalog, accounts: book }, () => 0);
const batch = 10_000;
let events = 0;
let dead = 0;
let rateMs = 0;
const profile = await profileSection();
for (let i = 0; i < nCdrs; i += batch) {
  const end = Math.min(nCdrs, i + batch);
  const cdrs: Cdr[] = new Array(end - i);
  for (let k = i; k < end; k++) cdrs[k - i] = cdrType.decode(wire, ends[k]).value as Cdr;
  const t1 = performance.now();
  const bodies: Buffer[] = new Array(end - i);
  for (let k = i; k < end; k++) bodies[k - i] = wire.subarray(ends[k], ends[k + 1]);
  const out = newOutput();
  engine.addAll(cdrs, out, bodies);
  events += out.events.length;
  dead += out.dead.length;
  rateMs += performance.now() - t1;
}
await profile.stop();

// Replays after an incident: one account-month of 50,000 CDRs sent again in full. Each replay is
// found through the id index in one probe (it once walked the whole account-month).
const bigN = 50_000;
const big: Cdr[] = [];
for (let i = 0; i < bigN; i++) {
  const c = cdrAt(i);
  const v = c.voice as NonNullable<Cdr['voice']>;
  const shift = start + i * 50_000 - c.start_ms; // spread over the month, times kept consistent
  big.push({
    ...c,
    id: `big${i}`,
    account_id: 'a0',
    user_id: 'a0u',
    start_ms: c.start_ms + shift,
    voice: { ...v, answer_ms: v.answer_ms === null ? null : v.answer_ms + shift, end_ms: v.end_ms + shift },
  });
}
const bigEngine = new RatingEngine({ catalog, accounts: book }, () => 0);
for (let i = 0; i < bigN; i += batch) bigEngine.addAll(big.slice(i, i + batch), newOutput());
const replayed = newOutput();
const t2 = performance.now();
for (let i = 0; i < bigN; i += batch) bigEngine.addAll(big.slice(i, i + batch), replayed);
const replayMs = performance.now() - t2;
if (replayed.replays !== bigN || replayed.events.length !== 0)
  throw new Error(`replay bench: ${replayed.replays} replays, ${replayed.events.length} events`);

console.log(`trie_prefixes=${nPrefixes}`);
console.log(`trie_nodes=${trie.nodeCount}`);
console.log(`trie_compile_ms=${compileMs.toFixed(0)}`);
console.log(`trie_mb=${(trie.byteLength / 1048576).toFixed(1)}`);
console.log(`trie_lookup_ns=${lookupNs.toFixed(0)}`);
console.log(`rater_accounts=${nAccounts}`);
console.log(`rater_cdrs=${nCdrs}`);
console.log(`rater_events=${events}`);
console.log(`rater_dead=${dead}`);
console.log(`rater_held_mb=${(engine.heldBytes / 1048576).toFixed(0)}`);
console.log(`replay_cdrs_per_sec=${Math.round(bigN / (replayMs / 1000))}`);
console.log(`rater_cdrs_per_sec=${Math.round(nCdrs / (rateMs / 1000))}`);
