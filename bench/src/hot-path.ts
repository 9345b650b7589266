/**
 * hot_path_cdrs_per_sec: an upper bound for bench:rater on this machine. The same CDRs, deck,
 * catalog and accounts, rated with only the memory accesses rating cannot avoid and nothing
 * allocated per CDR: account lookup (StringIndex), user check, account-month state in one
 * Float64Array, replay probe (KeyIndex), normalise, trie lookup, the plan's inclusion mask,
 * distinct callees (one table for all account-months), the per-call and monthly caps, price, hold
 * (HeldCdrs), the results as columns. Left out, unlike the engine: rated-event objects, reason
 * codes, alerts, credit limits, late CDRs and re-rating, plan changes, other CDR kinds. Decoding
 * is outside the timed section, as in bench:rater.
 *
 * Each piece is then left out in turn (hot_path_without_<piece>_cdrs_per_sec): what it costs.
 *   node bench/dist/hot-path.js [cdrs] [prefixes] [accounts]
 */
import {
  callPrice,
  compileTrie,
  HeldCdrs,
  idKey,
  KeyIndex,
  keyNumber,
  normalise,
  type Resolved,
  resolve,
  StringIndex,
  type Trie,
} from '@ratel/rater';
import { type Cdr, cdrType } from '@ratel/schemas';
import { syntheticDeck } from './deck.js';
import { avroBodies, catalogWith, MONTH_START_MS, voiceAccounts, voiceCdrs } from './voice-cdrs.js';

const nCdrs = Number(process.argv[2] ?? 2_000_000);
const nPrefixes = Number(process.argv[3] ?? 100_000);
const nAccounts = Number(process.argv[4] ?? 100_000);
const BATCH = 10_000;
const MONTH = 202610;

const deck = syntheticDeck(nPrefixes);
const trie = compileTrie(deck);
const catalog = catalogWith(trie);
const book = voiceAccounts(nAccounts, catalog);
const cdrAt = voiceCdrs(deck, nCdrs, nAccounts);
const { wire, ends } = avroBodies(nCdrs, cdrAt);
// Plans and account fields resolved once per account, outside the timed section.
const probe = cdrAt(0);
const resolved: Resolved[] = [...book.values()].map((a) =>
  resolve({ ...probe, account_id: a.id, user_id: `${a.id}u` }, { catalog, accounts: book }, MONTH),
);
const userOf: string[] = [...book.values()].map((a) => [...a.users.keys()][0] as string);

type Piece = 'trie' | 'replay' | 'hold' | 'callees' | 'account';

/** Account-month state per account: month, seconds used, distinct callees, cost, last held row. */
const S_MONTH = 0;
const S_SECONDS = 1;
const S_CALLEES = 2;
const S_COST = 3;
const S_TAIL = 4;
const STRIDE = 8;

function hash(owner: number, key: number): number {
  let h = Math.imul((key | 0) ^ Math.imul((key / 4294967296) | 0, 0x9e3779b1) ^ Math.imul(owner, 0x27d4eb2d), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Adds (owner, key) to an open-addressing table of pairs; false when it was there. */
function addPair(table: Float64Array, owner: number, key: number): boolean {
  const mask = (table.length >> 1) - 1;
  for (let i = hash(owner, key) & mask; ; i = (i + 1) & mask) {
    const o = table[2 * i] as number;
    if (o === 0) {
      table[2 * i] = owner + 1;
      table[2 * i + 1] = key;
      return true;
    }
    if (o === owner + 1 && table[2 * i + 1] === key) return false;
  }
}

/** Rates every CDR once; returns CDR/s of the timed sections and the total cost (a checksum). */
function run(without: Piece | null): { perSec: number; cost: number } {
  const accounts = new StringIndex();
  for (const id of book.keys()) accounts.add(id);
  const state = new Float64Array(nAccounts * STRIDE);
  const callees = new Float64Array(2 * 2 ** Math.ceil(Math.log2(4 * nCdrs)));
  const ids = new KeyIndex();
  const held = new HeldCdrs();
  const included = new Float64Array(BATCH);
  const billed = new Float64Array(BATCH);
  const cost = new Float64Array(BATCH);
  const rows = new Int32Array(BATCH);
  const fixedRow = trie.lookup((deck[0] as { prefix: string }).prefix, MONTH_START_MS);
  let total = 0;
  let ms = 0;
  for (let i = 0; i < nCdrs; i += BATCH) {
    const end = Math.min(nCdrs, i + BATCH);
    const cdrs: Cdr[] = new Array(end - i);
    for (let k = i; k < end; k++) cdrs[k - i] = cdrType.decode(wire, ends[k]).value as Cdr;
    const t = performance.now();
    for (let j = 0; j < cdrs.length; j++) {
      const cdr = cdrs[j] as Cdr;
      const a = without === 'account' ? j % nAccounts : accounts.get(cdr.account_id);
      if (a === -1) throw new Error(`unknown account ${cdr.account_id}`);
      const r = resolved[a] as Resolved;
      if (without !== 'account' && cdr.user_id !== userOf[a]) throw new Error(`unknown user ${cdr.user_id}`);
      const s = a * STRIDE;
      if (state[s + S_MONTH] !== MONTH) {
        state.fill(0, s, s + STRIDE);
        state[s + S_MONTH] = MONTH;
        state[s + S_TAIL] = -1;
      }
      const key = idKey(cdr.id);
      if (without !== 'replay' && ids.get(key) !== -1) continue;
      const v = cdr.voice as NonNullable<Cdr['voice']>;
      const number = normalise(v.callee, r.dialling);
      if (number === null) throw new Error(`bad callee ${v.callee}`);
      const row = without === 'trie' ? fixedRow : trie.lookup(number, cdr.start_ms);
      if (row < 0) throw new Error(`unknown destination ${v.callee}`);
      const billable = v.billable_s;
      let inc = 0;
      const trieOf: Trie = r.tariff.trie;
      if (billable > 0 && ((r.included[trieOf.countryId(row)] as number) & (1 << trieOf.cls(row))) !== 0) {
        const callee = keyNumber(number);
        const known = without === 'callees' || !addPair(callees, a, callee);
        if (known || (state[s + S_CALLEES] as number) < r.plan.caps.distinctCallees) {
          if (!known) state[s + S_CALLEES] = (state[s + S_CALLEES] as number) + 1;
          const used = state[s + S_SECONDS] as number;
          inc = Math.min(billable, r.plan.caps.perCallSeconds, Math.max(0, r.plan.caps.monthlySeconds - used));
          state[s + S_SECONDS] = used + inc;
        }
      }
      const price = callPrice(
        billable - inc,
        trieOf.rate(row),
        trieOf.connect(row),
        trieOf.minCharge(row),
        trieOf.firstIncr(row),
        trieOf.nextIncr(row),
        inc === 0,
      );
      state[s + S_COST] = (state[s + S_COST] as number) + price;
      if (without !== 'hold') {
        const h = held.append(cdr, key, wire.subarray(ends[i + j], ends[i + j + 1]));
        held.prev[h] = state[s + S_TAIL] as number;
        state[s + S_TAIL] = h;
        if (without !== 'replay') ids.add(key, h);
      }
      included[j] = inc;
      billed[j] = billable - inc;
      cost[j] = price;
      rows[j] = row;
      total += price;
    }
    ms += performance.now() - t;
  }
  return { perSec: Math.round(nCdrs / (ms / 1000)), cost: total };
}

const full = run(null);
console.log(`hot_path_cdrs=${nCdrs}`);
console.log(`hot_path_cost_micros=${full.cost}`);
console.log(`hot_path_cdrs_per_sec=${full.perSec}`);
for (const piece of ['trie', 'replay', 'hold', 'callees', 'account'] as const)
  console.log(`hot_path_without_${piece}_cdrs_per_sec=${run(piece).perSec}`);
