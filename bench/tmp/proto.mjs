// Prototype: typed-array account state, columnar output. Not product code.
import { Rng } from '@ratel/ingest';
import { compileTrie, StringIndex, KeyIndex, HeldCdrs, callPrice, normalise, keyNumber } from '@ratel/rater';
import { cdrType } from '@ratel/schemas';
import { syntheticDeck } from '../dist/deck.js';
const nCdrs = Number(process.argv[2] ?? 1_000_000), nPrefixes = 100000, nAccounts = Number(process.argv[3] ?? 100000);
const deck = syntheticDeck(nPrefixes);
const trie = compileTrie(deck);
const rng = new Rng(5);
const start = Date.parse('2026-10-01T00:00:00Z'); const span = 30 * 86_400_000;
const cdrAt = (i) => {
  const a = rng.int(0, nAccounts - 1);
  const p = deck[rng.int(0, deck.length - 1)].prefix;
  const d = rng.next() < 0.1 ? 0 : rng.int(1, 900);
  const s = start + Math.floor((i / nCdrs) * span);
  return { id: `c${i}`, kind: 'VOICE', account_id: `a${a}`, user_id: `a${a}u`, start_ms: s, roaming_country: null,
    voice: { sip_call_id: `c${i}`, trunk_id: 't', caller: '+33612345678', callee: `+${p}${rng.digits(12 - p.length)}`, forwarded_from: null,
      direction: 'OUTBOUND', answer_ms: d ? s + 5000 : null, end_ms: s + 5000 + d * 1000, duration_s: d + 5, billable_s: d,
      disposition: d ? 'ANSWERED' : 'NO_ANSWER', sip_status: d ? 200 : 480 }, message: null, data: null, event: null };
};
const parts = []; const ends = new Float64Array(nCdrs + 1);
for (let i = 0, at = 0; i < nCdrs; i++) { const b = cdrType.toBuffer(cdrAt(i)); parts.push(b); at += b.length; ends[i + 1] = at; }
const wire = Buffer.concat(parts); parts.length = 0;
const dial = { cc: '33', trunk: '0', intl: '00' };
// state
const acc = new StringIndex(); const userIds = [];
for (let i = 0; i < nAccounts; i++) { acc.add(`a${i}`); userIds.push(`a${i}u`); }
const RS = 8; const run = new Float64Array(nAccounts * RS); // from,to,month,lastStart,tail,seconds,cost,calleeCount
run.fill(0);
const idRows = new KeyIndex(); const held = new HeldCdrs();
let tabCap = 1 << 22; let tab = new Float64Array(tabCap * 2); let tabN = 0;
const hashN = (x) => { let h = (x | 0) ^ Math.imul((x / 4294967296) | 0, 0x9e3779b1); h = Math.imul(h ^ (h >>> 16), 0x85ebca6b); h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35); return (h ^ (h >>> 16)) >>> 0; };
function calleeAdd(owner, callee) { // returns true if new
  const mask = tabCap - 1;
  for (let i = (hashN(callee) ^ Math.imul(owner + 1, 0x27d4eb2d)) & mask; ; i = (i + 1) & mask) {
    const o = tab[2 * i]; if (o === 0) { tab[2 * i] = owner + 1; tab[2 * i + 1] = callee; tabN++; return true; }
    if (o === owner + 1 && tab[2 * i + 1] === callee) return false;
  }
}
function idKey(id) { let a = 0x811c9dc5, b = 0x2545f491; for (let i = 0; i < id.length; i++) { const c = id.charCodeAt(i); a = Math.imul(a ^ c, 0x01000193); b = Math.imul(b ^ c, 0x5bd1e995); } return (a >>> 6) * 67_108_864 + (b >>> 6) + 1; }
const OFF = new Set((process.env.OFF ?? '').split(','));
const B = 10000; const outInc = new Float64Array(B), outBil = new Float64Array(B), outCost = new Float64Array(B), outRow = new Int32Array(B), outWhy = new Int32Array(B);
let ms = 0, total = 0;
for (let i = 0; i < nCdrs; i += B) {
  const end = Math.min(nCdrs, i + B);
  const cdrs = new Array(end - i);
  for (let k = i; k < end; k++) cdrs[k - i] = cdrType.decode(wire, ends[k]).value;
  const t = performance.now();
  for (let j = 0; j < cdrs.length; j++) {
    const cdr = cdrs[j];
    const n = OFF.has('acc') ? (j * 7919) % nAccounts : acc.get(cdr.account_id); if (n < 0) throw new Error('acct');
    const o = n * RS;
    const st = cdr.start_ms;
    if (!(st >= run[o] && st < run[o + 1])) { run[o] = start; run[o + 1] = start + span; run[o + 2] = 202610; run[o + 4] = -1; }
    if (cdr.user_id !== userIds[n]) throw new Error('user');
    const key = idKey(cdr.id);
    if (!OFF.has('id') && idRows.get(key) !== -1) continue;
    const v = cdr.voice;
    const k = normalise(v.callee, dial);
    const row = OFF.has('trie') ? 5 : trie.lookup(k, st, 0);
    let why = 0, inc = 0, cost = 0; const billable = v.billable_s;
    if (billable > 0) {
      const callee = keyNumber(k);
      if (OFF.has('callee') || run[o + 7] < 100 || !calleeAdd(n, callee) ) { if (run[o+7] < 100 && calleeAdd(n, callee)) run[o + 7]++; inc = Math.min(billable, 3600, Math.max(0, 360000 - run[o + 5])); run[o + 5] += inc; why |= 1; } else why |= 2;
      cost = callPrice(billable - inc, trie.rate(row), trie.connect(row), trie.minCharge(row), trie.firstIncr(row), trie.nextIncr(row), inc === 0);
    }
    run[o + 6] += cost;
    const r = OFF.has('held') ? 0 : held.append(cdr, key, wire.subarray(ends[i + j], ends[i + j + 1]));
    held.prev[r] = run[o + 4]; run[o + 4] = r; run[o + 3] = st;
    if (!OFF.has('id')) idRows.add(key, r);
    outInc[j] = inc; outBil[j] = billable - inc; outCost[j] = cost; outRow[j] = row; outWhy[j] = why; total += cost;
  }
  ms += performance.now() - t;
}
console.log(`proto_cdrs_per_sec=${Math.round(nCdrs / (ms / 1000))} total=${total}`);
