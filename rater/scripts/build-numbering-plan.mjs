#!/usr/bin/env node
// Compiles the world numbering plan (rater/catalog/numbering/world.csv) from libphonenumber
// metadata, as shipped in the npm package libphonenumber-js ("max" metadata). Nothing in the
// output is typed by hand: country codes, regions and fixed/mobile/... splits all come from
// libphonenumber.
//
// Method, per country calling code (all regions sharing a calling code are handled together):
//   * Every number-type pattern of every region (FIXED_LINE, MOBILE, TOLL_FREE, ...) is compiled
//     into a small automaton over digits. The patterns only use a finite regex subset (no * or +),
//     so for a national-number prefix p we can tell exactly which (region, type) patterns still
//     have at least one completion of p at one of the type's possible lengths ("feasible").
//   * Depth-first over national-number digit prefixes p. No feasible pattern -> emit nothing.
//     Otherwise draw deterministic pseudo-random completions of p, a few guided through each
//     feasible pattern (so narrow ranges such as 800 freephone are never missed), and classify
//     each full number with libphonenumber itself (parsePhoneNumber + PhoneNumber#getType(), which
//     also picks the region for shared calling codes). If every valid completion agrees on one
//     (region, class) -> emit p; otherwise descend to the next digit, up to MAX_DEPTH national
//     digits, where the majority (region, class) is emitted.
//   * Siblings: when all 10 children of a prefix carry the same (region, class) they are merged
//     into their parent.
// Output is sorted by prefix and fully deterministic (fixed-seed PRNG, no clock, no Map-order
// dependence). Run: node rater/scripts/build-numbering-plan.mjs

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import parsePhoneNumber, { getCountries, getCountryCallingCode, Metadata } from 'libphonenumber-js/max';
import metadataJson from 'libphonenumber-js/metadata.max.json';

const started = performance.now();
const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const OUT_DIR = join(HERE, '..', 'catalog', 'numbering');

const MAX_DEPTH = 6; // national-number digits
const SAMPLES_PER_PATTERN = 3; // guided completions per feasible (region, type) pattern
const MIN_SAMPLES = 8; // at least this many completions per prefix
const MAX_DEPTH_EXTRA_SAMPLES = 16; // more samples when a majority vote has to be taken

// libphonenumber type -> ratel class
const CLASS_OF = {
  FIXED_LINE: 'fixed',
  FIXED_LINE_OR_MOBILE: 'fixed', // libphonenumber cannot tell (e.g. whole NANP): rated as fixed
  MOBILE: 'mobile',
  TOLL_FREE: 'freephone',
  PREMIUM_RATE: 'premium',
  SHARED_COST: 'special',
  VOIP: 'special',
  PERSONAL_NUMBER: 'special',
  PAGER: 'special',
  UAN: 'special',
  VOICEMAIL: 'special',
};
const TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'TOLL_FREE',
  'PREMIUM_RATE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

// ---------------------------------------------------------------------------------------------
// Regex subset -> NFA -> lazily determinised automaton with "remaining length" masks.
// Supported syntax (everything libphonenumber's number patterns use): digits, \d, [..] with
// ranges, (...) and (?:...), |, ?, {n}, {n,m}. Anything else throws, so a metadata format change
// fails loudly instead of silently producing a wrong plan.

function parseRegex(src) {
  let i = 0;
  const fail = (msg) => {
    throw new Error(`unsupported pattern syntax (${msg}) at ${i} in /${src}/`);
  };
  function alternation() {
    const alts = [sequence()];
    while (src[i] === '|') {
      i++;
      alts.push(sequence());
    }
    return alts.length === 1 ? alts[0] : { t: 'alt', alts };
  }
  function sequence() {
    const items = [];
    while (i < src.length && src[i] !== '|' && src[i] !== ')') items.push(quantified(atom()));
    return { t: 'seq', items };
  }
  function atom() {
    const c = src[i];
    if (c >= '0' && c <= '9') {
      i++;
      return { t: 'set', mask: 1 << (c.charCodeAt(0) - 48) };
    }
    if (c === '\\') {
      if (src[i + 1] !== 'd') fail('escape');
      i += 2;
      return { t: 'set', mask: 0x3ff };
    }
    if (c === '[') {
      i++;
      let mask = 0;
      while (src[i] !== ']') {
        if (i >= src.length) fail('unterminated class');
        let lo;
        if (src[i] === '\\' && src[i + 1] === 'd') {
          mask |= 0x3ff;
          i += 2;
          continue;
        }
        lo = src.charCodeAt(i) - 48;
        if (lo < 0 || lo > 9) fail('class member');
        i++;
        let hi = lo;
        if (src[i] === '-') {
          hi = src.charCodeAt(i + 1) - 48;
          if (hi < 0 || hi > 9) fail('class range');
          i += 2;
        }
        for (let d = lo; d <= hi; d++) mask |= 1 << d;
      }
      i++;
      return { t: 'set', mask };
    }
    if (c === '(') {
      i++;
      if (src[i] === '?') {
        if (src[i + 1] !== ':') fail('group kind');
        i += 2;
      }
      const node = alternation();
      if (src[i] !== ')') fail('unbalanced group');
      i++;
      return node;
    }
    return fail(`unexpected '${c}'`);
  }
  function quantified(node) {
    if (src[i] === '?') {
      i++;
      return { t: 'rep', node, min: 0, max: 1 };
    }
    if (src[i] === '{') {
      const m = /^\{(\d+)(?:,(\d+))?\}/.exec(src.slice(i));
      if (!m) fail('quantifier');
      i += m[0].length;
      const min = Number(m[1]);
      return { t: 'rep', node, min, max: m[2] === undefined ? min : Number(m[2]) };
    }
    if (src[i] === '*' || src[i] === '+') fail('unbounded quantifier');
    return node;
  }
  const tree = alternation();
  if (i !== src.length) fail('trailing input');
  return tree;
}

class Automaton {
  constructor(pattern) {
    this.eps = [];
    this.edges = [];
    const start = this.state();
    this.accept = this.build(parseRegex(pattern), start);
    // lens[s]: bit k set <=> an accepting path of exactly k digits starts at NFA state s
    this.lens = new Int32Array(this.eps.length).fill(-1);
    this.states = new Map(); // DFA states, interned by key
    this.root = this.intern(this.closure([start]));
  }
  state() {
    this.eps.push([]);
    this.edges.push([]);
    return this.eps.length - 1;
  }
  build(node, s) {
    switch (node.t) {
      case 'set': {
        const e = this.state();
        this.edges[s].push(node.mask, e);
        return e;
      }
      case 'seq': {
        let cur = s;
        for (const item of node.items) cur = this.build(item, cur);
        return cur;
      }
      case 'alt': {
        const e = this.state();
        for (const alt of node.alts) {
          const a = this.state();
          this.eps[s].push(a);
          this.eps[this.build(alt, a)].push(e);
        }
        return e;
      }
      case 'rep': {
        let cur = s;
        for (let k = 0; k < node.min; k++) cur = this.build(node.node, cur);
        if (node.max === node.min) return cur;
        const e = this.state();
        this.eps[cur].push(e);
        for (let k = node.min; k < node.max; k++) {
          cur = this.build(node.node, cur);
          this.eps[cur].push(e);
        }
        return e;
      }
    }
    throw new Error(`bad node ${node.t}`);
  }
  lensOf(s) {
    if (this.lens[s] !== -1) return this.lens[s];
    let m = s === this.accept ? 1 : 0;
    for (const t of this.eps[s]) m |= this.lensOf(t);
    const ed = this.edges[s];
    for (let k = 0; k < ed.length; k += 2) m |= this.lensOf(ed[k + 1]) << 1;
    this.lens[s] = m;
    return m;
  }
  closure(seeds) {
    const seen = new Set(seeds);
    const stack = [...seeds];
    while (stack.length) {
      for (const t of this.eps[stack.pop()]) {
        if (!seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
    return [...seen].sort((a, b) => a - b);
  }
  intern(set) {
    if (set.length === 0) return null;
    const key = set.join(',');
    let st = this.states.get(key);
    if (!st) {
      let lens = 0;
      for (const s of set) lens |= this.lensOf(s);
      if (lens === 0) return null; // cannot reach acceptance any more
      st = { set, lens, next: new Array(10) };
      this.states.set(key, st);
    }
    return st;
  }
  step(st, d) {
    let nx = st.next[d];
    if (nx === undefined) {
      const bit = 1 << d;
      const targets = [];
      for (const s of st.set) {
        const ed = this.edges[s];
        for (let k = 0; k < ed.length; k += 2) if (ed[k] & bit) targets.push(ed[k + 1]);
      }
      nx = targets.length ? this.intern(this.closure(targets)) : null;
      st.next[d] = nx;
    }
    return nx;
  }
}

// ---------------------------------------------------------------------------------------------
// Deterministic PRNG (mulberry32) seeded from a string (FNV-1a).

function seedOf(str) {
  let h = 0x811c9dc5;
  for (let k = 0; k < str.length; k++) {
    h ^= str.charCodeAt(k);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (rand, arr) => arr[Math.floor(rand() * arr.length)];

// cnt[r] = how many digit strings of length r the pattern accepts from automaton state `st`.
const MAX_LEN = 20;
function counts(auto, st) {
  if (st.cnt) return st.cnt;
  const cnt = new Float64Array(MAX_LEN);
  if (st.lens & 1) cnt[0] = 1;
  for (let d = 0; d < 10; d++) {
    const nx = auto.step(st, d);
    if (!nx) continue;
    const sub = counts(auto, nx);
    for (let r = 1; r < MAX_LEN; r++) cnt[r] += sub[r - 1];
  }
  st.cnt = cnt;
  return cnt;
}
// Size of the pattern's language under `prefix` (state `st`), restricted to the allowed lengths.
function weightOf(auto, st, depth, allowedMask) {
  const cnt = counts(auto, st);
  let w = 0;
  for (let len = depth; len < depth + MAX_LEN; len++) if (allowedMask & (1 << len)) w += cnt[len - depth];
  return w;
}
// Uniformly random completion of `prefix` (automaton state `st`) among the numbers the pattern
// accepts at one of the allowed total lengths. Returns null if there is none.
function complete(auto, st, prefix, allowedMask, rand) {
  const depth = prefix.length;
  const cnt = counts(auto, st);
  let total = 0;
  for (let len = depth; len < depth + MAX_LEN; len++) if (allowedMask & (1 << len)) total += cnt[len - depth];
  if (total === 0) return null;
  let x = rand() * total;
  let len = -1;
  for (let l = depth; l < depth + MAX_LEN; l++) {
    if (!(allowedMask & (1 << l))) continue;
    len = l;
    x -= cnt[l - depth];
    if (x < 0 && cnt[l - depth] > 0) break;
  }
  while (cnt[len - depth] === 0) len--; // float guard: last non-empty length
  let out = prefix;
  let cur = st;
  for (let pos = depth; pos < len; pos++) {
    const rem = len - pos - 1;
    const opts = [];
    let sum = 0;
    for (let d = 0; d < 10; d++) {
      const nx = auto.step(cur, d);
      const c = nx ? counts(auto, nx)[rem] : 0;
      if (c > 0) {
        opts.push(d, c);
        sum += c;
      }
    }
    let y = rand() * sum;
    let d = opts[opts.length - 2];
    for (let k = 0; k < opts.length; k += 2) {
      y -= opts[k + 1];
      if (y < 0) {
        d = opts[k];
        break;
      }
    }
    out += d;
    cur = auto.step(cur, d);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Classification with libphonenumber itself.

let parses = 0;
function classify(cc, national) {
  parses++;
  const n = parsePhoneNumber(`+${cc}${national}`);
  if (!n || !n.country) return null;
  const type = n.getType();
  if (!type) return null;
  if (!CLASS_OF[type]) throw new Error(`unmapped libphonenumber type ${type}`);
  return { region: n.country, cls: CLASS_OF[type], type };
}

// ---------------------------------------------------------------------------------------------

const metadata = new Metadata(metadataJson);
const regions = getCountries(); // geographic regions only (non-geographic 800/808/870/88x are "001")
const byCallingCode = new Map();
for (const region of regions) {
  const cc = getCountryCallingCode(region);
  if (!byCallingCode.has(cc)) byCallingCode.set(cc, metadataJson.country_calling_codes[cc]);
}
const callingCodes = [...byCallingCode.keys()].sort();

function lengthMask(lengths) {
  let m = 0;
  for (const l of lengths || []) m |= 1 << l;
  return m;
}

// Builds the (region, type) pattern channels of one calling code.
function channelsFor(cc) {
  const out = [];
  for (const region of byCallingCode.get(cc)) {
    if (!regions.includes(region)) continue;
    metadata.selectNumberingPlan(region);
    const generalLengths = metadata.numberingPlan.possibleLengths();
    for (const type of TYPES) {
      const def = metadata.numberingPlan.type(type);
      const pattern = def?.pattern();
      if (!pattern) continue; // absent, or "" = same as FIXED_LINE (-> FIXED_LINE_OR_MOBILE)
      const auto = new Automaton(pattern);
      if (!auto.root) continue;
      out.push({ region, type, auto, allowed: lengthMask(def.possibleLengths() || generalLengths) });
    }
  }
  return out;
}


// True if a further digit cannot split this pattern off: every extension of the prefix (state
// `st` at `depth` digits) down to MAX_DEPTH digits is still feasible, or the pattern's numbers end
// right here (a complete number is a prefix of the longer ones; children cannot hold it).
function universal(ch, st, depth) {
  if (depth >= MAX_DEPTH) return true;
  if ((((st.lens >> 1) << (depth + 1)) & ch.allowed) === 0) return true;
  st.univ ??= new Map();
  let u = st.univ.get(depth);
  if (u === undefined) {
    u = true;
    for (let d = 0; d < 10 && u; d++) {
      const nx = ch.auto.step(st, d);
      u = !!nx && ((nx.lens << (depth + 1)) & ch.allowed) !== 0 && universal(ch, nx, depth + 1);
    }
    st.univ.set(depth, u);
  }
  return u;
}

// Picks the class of a prefix whose completions disagree and cannot be split further.
// If all contenders occur at the dominant contender's lengths, the largest share of the number
// space wins. Otherwise the contenders are (at least partly) different-length numbers sharing the
// prefix; then the ordinary classes win over service numbers: fixed/mobile, then freephone/premium,
// then special (e.g. German 13-digit mobile voicemail numbers under 11-digit mobile ranges, Irish
// 10-digit 15xx premium numbers over 9-digit Dublin numbers), by share within a tier.
const TIER = { fixed: 0, mobile: 0, freephone: 1, premium: 1, special: 2 };
function resolve(ranked) {
  const top = ranked[0];
  if (ranked.every((v) => [...v.lens].some((l) => top.lens.has(l)))) return top;
  return [...ranked].sort((x, y) => TIER[x.cls] - TIER[y.cls] || y.weight - x.weight || (x.key < y.key ? -1 : 1))[0];
}

const stats = { perCc: {}, nodes: 0, majorityMixed: [], inseparable: [], fixedOrMobile: new Map() };

function buildCallingCode(cc) {
  const channels = channelsFor(cc);
  const emitted = new Map(); // national prefix -> { region, cls }

  function visit(prefix, states) {
    stats.nodes++;
    stats.perCc[cc] = (stats.perCc[cc] || 0) + 1;
    const depth = prefix.length;
    const feasible = [];
    for (let k = 0; k < channels.length; k++) {
      const st = states[k];
      if (st && (st.lens << depth) & channels[k].allowed) feasible.push(k);
    }
    if (!feasible.length) return;

    const rand = rng(seedOf(`${cc}:${prefix}`));
    const atMax = depth >= MAX_DEPTH;
    const wanted = Math.max(MIN_SAMPLES, SAMPLES_PER_PATTERN * feasible.length) + (atMax ? MAX_DEPTH_EXTRA_SAMPLES : 0);
    const samples = []; // { k, c, len }
    const drawnPer = new Map();
    for (let n = 0; n < wanted; n++) {
      // round-robin over feasible patterns so every one of them is exercised
      const k = feasible[n % feasible.length];
      const ch = channels[k];
      const number = complete(ch.auto, states[k], prefix, ch.allowed, rand);
      if (number === null) continue;
      drawnPer.set(k, (drawnPer.get(k) || 0) + 1);
      samples.push({ k, c: classify(cc, number), len: number.length });
    }
    if (!samples.length) return;

    // Votes, each sample weighted by the share of the number space it stands for: the size of its
    // pattern's language under this prefix divided by the number of samples drawn from it.
    const votes = new Map();
    let total = 0;
    for (const { k, c, len } of samples) {
      if (!c) continue;
      const ch = channels[k];
      const w = weightOf(ch.auto, states[k], depth, ch.allowed) / drawnPer.get(k);
      total += w;
      const key = `${c.region},${c.cls}`;
      let v = votes.get(key);
      if (!v) {
        v = { key, region: c.region, cls: c.cls, weight: 0, fom: 0, lens: new Set() };
        votes.set(key, v);
      }
      v.weight += w;
      v.lens.add(len);
      if (c.type === 'FIXED_LINE_OR_MOBILE') v.fom++;
    }

    if (votes.size === 1) {
      const [v] = votes.values();
      emitted.set(prefix, v);
      return;
    }
    const ranked = [...votes.values()].sort((x, y) => y.weight - x.weight || (x.key < y.key ? -1 : 1));
    // Descending only helps if some feasible pattern can still be told apart by a further digit.
    // When every feasible pattern accepts every extension of the prefix down to MAX_DEPTH, the
    // mix is inseparable by prefix (typically numbers of different lengths sharing a prefix, such as
    // Canada's 7-digit 310-xxxx inside the 10-digit 1-310 Los Angeles area code).
    const separable = !atMax && !feasible.every((k) => universal(channels[k], states[k], depth));
    if (separable || (!atMax && !ranked.length)) {
      for (let d = 0; d < 10; d++) {
        const next = states.map((st, k) => (st ? channels[k].auto.step(st, d) : null));
        if (next.some((st) => st)) visit(prefix + d, next);
      }
      return;
    }
    if (!ranked.length) return;
    const winner = resolve(ranked);
    const how = ranked.every((v) => [...v.lens].some((l) => ranked[0].lens.has(l))) ? 'weight' : 'tier';
    (atMax ? stats.majorityMixed : stats.inseparable).push(
      `${cc}${prefix}:${how}->${winner.key} ${ranked.map((v) => `${v.key}@${[...v.lens].sort().join('/')}=${(v.weight / total).toPrecision(2)}`).join(' ')}`,
    );
    emitted.set(prefix, winner);
  }

  visit(
    '',
    channels.map((ch) => ch.auto.root),
  );

  // Merge complete sibling sets that agree into their parent, deepest first.
  const keyOf = (v) => `${v.region},${v.cls}`;
  for (let len = MAX_DEPTH; len >= 1; len--) {
    const parents = new Set();
    for (const p of emitted.keys()) if (p.length === len) parents.add(p.slice(0, -1));
    for (const parent of [...parents].sort()) {
      if (emitted.has(parent)) continue;
      const kids = [];
      for (let d = 0; d < 10; d++) kids.push(emitted.get(parent + d));
      if (kids.some((v) => !v)) continue;
      const k0 = keyOf(kids[0]);
      if (!kids.every((v) => keyOf(v) === k0)) continue;
      const merged = { ...kids[0], fom: kids.reduce((s, v) => s + v.fom, 0) };
      for (let d = 0; d < 10; d++) emitted.delete(parent + d);
      emitted.set(parent, merged);
    }
  }
  return emitted;
}

const names = new Intl.DisplayNames(['en'], { type: 'region' });
const rows = [];
for (const cc of callingCodes) {
  for (const [national, v] of buildCallingCode(cc)) {
    const country = names.of(v.region);
    if (!country || country === v.region || /[,"\n]/.test(country)) throw new Error(`no usable English name for ${v.region}`);
    rows.push({ prefix: cc + national, region: v.region, name: `${country} ${v.cls}`, cls: v.cls });
    if (v.fom > 0) stats.fixedOrMobile.set(v.region, (stats.fixedOrMobile.get(v.region) || 0) + 1);
  }
}
rows.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
for (let k = 1; k < rows.length; k++) {
  if (rows[k].prefix === rows[k - 1].prefix) throw new Error(`duplicate prefix ${rows[k].prefix}`);
}

const csv = `prefix,country,name,class\n${rows.map((r) => `${r.prefix},${r.region},${r.name},${r.cls}`).join('\n')}\n`;
mkdirSync(OUT_DIR, { recursive: true });
writeFileSync(join(OUT_DIR, 'world.csv'), csv);

// ---------------------------------------------------------------------------------------------
// SOURCE.md (deterministic: no dates, no timings)

const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('libphonenumber-js'));
const lpnVersion = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
const byClass = {};
for (const r of rows) byClass[r.cls] = (byClass[r.cls] || 0) + 1;
const regionsCovered = new Set(rows.map((r) => r.region));
const fom = [...stats.fixedOrMobile.keys()].sort();
const script = relative(REPO, fileURLToPath(import.meta.url));

const source = `# World numbering plan — provenance

\`world.csv\` is **generated**; do not edit it by hand. It was produced by \`${script}\` from the
libphonenumber metadata shipped in the npm package **libphonenumber-js ${lpnVersion}** ("max" metadata,
format version ${metadataJson.version}), with English destination names from \`Intl.DisplayNames\`
(ICU ${process.versions.icu}).

- Columns: \`prefix\` (E.164 digits, no \`+\`, starting with the country calling code), \`country\`
  (ISO 3166-1 alpha-2 region as attributed by libphonenumber), \`name\`, \`class\`
  (fixed | mobile | freephone | premium | special). Look numbers up by longest prefix.
- ${rows.length} prefixes covering ${regionsCovered.size} regions (${Object.entries(byClass)
  .sort()
  .map(([c, n]) => `${c} ${n}`)
  .join(', ')}).
- Method: per calling code, depth-first over national-number digit prefixes (max ${MAX_DEPTH} digits).
  Each libphonenumber type pattern is compiled to an automaton to know which (region, type) patterns
  are still possible under a prefix; deterministic pseudo-random completions guided through each of
  them are classified with libphonenumber's \`parsePhoneNumber(...).getType()\` (which also picks the
  region for shared codes such as NANP +1, +7, +44, +262, +590). A prefix is emitted when all valid
  completions agree on (region, class), else the search descends; at max depth the majority wins.
  Ten agreeing siblings are merged into their parent.
- Type mapping: FIXED_LINE -> fixed, MOBILE -> mobile, TOLL_FREE -> freephone, PREMIUM_RATE -> premium,
  SHARED_COST/VOIP/PERSONAL_NUMBER/PAGER/UAN/VOICEMAIL -> special. FIXED_LINE_OR_MOBILE (libphonenumber
  cannot tell fixed from mobile, e.g. the whole NANP) -> **fixed**; regions with such prefixes:
  ${fom.join(' ')}.
- Not included: emergency/short codes, and non-geographic calling codes (+800, +808, +870, +878,
  +881, +882, +883, +888, +979), which have no ISO region.
- Regenerate (after bumping libphonenumber-js): \`node ${script}\`. Output is deterministic
  (fixed-seed sampling), so an unchanged library gives byte-identical files.
`;
writeFileSync(join(OUT_DIR, 'SOURCE.md'), source);

const elapsed = (performance.now() - started) / 1000;
console.log(`classes: ${JSON.stringify(byClass)}`);
console.log(`search_nodes=${stats.nodes} libphonenumber_parses=${parses} max_depth_mixed=${stats.majorityMixed.length} inseparable=${stats.inseparable.length}`);
if (process.env.VERBOSE) {
  console.log(`  nodes ${JSON.stringify(Object.entries(stats.perCc).sort((a, b) => b[1] - a[1]).slice(0, 25))}`);
  for (const m of stats.majorityMixed) console.log(`  majority ${m}`);
  for (const m of stats.inseparable) console.log(`  inseparable ${m}`);
}
console.log(`numbering_prefixes=${rows.length}`);
console.log(`elapsed=${elapsed.toFixed(1)}s`);
