#!/usr/bin/env node
// Compiles the world numbering plan (rater/catalog/numbering/world.csv) from libphonenumber
// metadata, as shipped in the npm package libphonenumber-js ("max" metadata). Nothing in the
// output is typed by hand: calling codes, regions and fixed/mobile/... splits all come from
// libphonenumber. Run: node rater/scripts/build-numbering-plan.mjs [--out <dir>]
//
// Method, per country calling code (all regions sharing a calling code are handled together):
//   * Every pattern libphonenumber uses to attribute a number (each region's leading digits, its
//     general national-number pattern and its FIXED_LINE, MOBILE, TOLL_FREE, ... patterns with their
//     possible lengths) is compiled into an automaton over digits. The patterns use a finite regex
//     subset (no * or +), so the automata are acyclic and exact.
//   * They are run in lock-step (a lazily built product automaton). In every product state we know,
//     for each completion of the digits read so far, the (region, class) libphonenumber would give
//     it: same rules as libphonenumber-js (region = first region of the calling code whose leading
//     digits match or, without leading digits, whose patterns accept the number; type = FIXED_LINE
//     first, then MOBILE, PREMIUM_RATE, TOLL_FREE, SHARED_COST, VOIP, PERSONAL_NUMBER, PAGER, UAN,
//     VOICEMAIL). Per state we count the valid completions of each (region, class) exactly.
//   * Depth-first over national-number digit prefixes p: no valid completion -> nothing; one
//     (region, class) -> emit p; several -> descend one digit, unless no further digit can separate
//     them (numbers of different lengths sharing a prefix) or MAX_DEPTH national digits are reached,
//     in which case one class is picked (see resolve()).
//   * Ten children that agree are merged into their parent.
//   * Cross-check: completions of every emitted prefix are drawn (deterministic PRNG) and classified
//     with libphonenumber itself, parsePhoneNumber(...).getType(); disagreements are counted and
//     printed; more than a handful fails the build.
// Output is sorted by prefix and deterministic (no clock, fixed seeds, sorted iteration).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import parsePhoneNumber, { getCountries, getCountryCallingCode, Metadata } from 'libphonenumber-js/max';
import metadataJson from 'libphonenumber-js/metadata.max.json';

const started = performance.now();
const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
// --out <dir> writes elsewhere (the test uses it to check the checked-in files are up to date)
const outArg = process.argv.indexOf('--out');
const OUT_DIR = outArg > 0 && process.argv[outArg + 1] ? process.argv[outArg + 1] : join(HERE, '..', 'catalog', 'numbering');

const MAX_DEPTH = 7; // national-number digits (7 = NANP area code + exchange + thousands block)
const CHECK_SAMPLES = 4; // libphonenumber cross-check completions per emitted prefix
const MAX_CHECK_MISMATCH = 0.001; // tolerated share of cross-check disagreements
const MAX_LEN = 20; // longer than any national number

// libphonenumber type -> ratel class
const CLASS_OF = {
  FIXED_LINE: 'fixed',
  FIXED_LINE_OR_MOBILE: 'fixed', // libphonenumber cannot tell (e.g. the whole NANP): rated as fixed
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
// libphonenumber-js getNumberType() order: FIXED_LINE first, then these.
const NON_FIXED_TYPES = ['MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];

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

let nextStateId = 0;

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
      st = { id: nextStateId++, set, lens, next: new Array(10) };
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

// ---------------------------------------------------------------------------------------------
// The product automaton of one calling code.

const metadata = new Metadata(metadataJson);
const regions = getCountries(); // geographic regions only; non-geographic +800, +808, +870, ... are "001"
const regionSet = new Set(regions);
const byCallingCode = new Map();
for (const region of regions) {
  const cc = getCountryCallingCode(region);
  if (!byCallingCode.has(cc))
    byCallingCode.set(
      cc,
      metadataJson.country_calling_codes[cc].filter((r) => regionSet.has(r)),
    );
}
const callingCodes = [...byCallingCode.keys()].sort();

function lengthMask(lengths) {
  let m = 0;
  for (const l of lengths || []) m |= 1 << l;
  return m;
}

const MATCHED = 'matched'; // leading-digits component that has matched a prefix of the number

class Plan {
  constructor(cc) {
    this.cc = cc;
    this.comps = []; // { auto, kind: 'ld' | 'gen' | 'type', allowed? }
    this.regions = [];
    for (const region of byCallingCode.get(cc)) {
      metadata.selectNumberingPlan(region);
      const plan = metadata.numberingPlan;
      const add = (kind, pattern, allowed) => {
        this.comps.push({ kind, auto: new Automaton(pattern), allowed });
        return this.comps.length - 1;
      };
      const r = { region, ld: -1, gen: -1, fixed: -1, others: [] };
      // like libphonenumber-js, leading digits only matter when several regions share the code
      if (plan.leadingDigits() && byCallingCode.get(cc).length > 1) r.ld = add('ld', plan.leadingDigits());
      r.gen = add('gen', plan.nationalNumberPattern());
      const typeComp = (type) => {
        const def = plan.type(type);
        const pattern = def?.pattern();
        // "" = removed as a duplicate of FIXED_LINE (libphonenumber then says FIXED_LINE_OR_MOBILE)
        if (!pattern) return -1;
        // libphonenumber-js checks the type's own possible lengths when it has any, else none
        return add('type', pattern, def.possibleLengths() ? lengthMask(def.possibleLengths()) : 0x7fffffff);
      };
      r.fixed = typeComp('FIXED_LINE');
      for (const type of NON_FIXED_TYPES) {
        const k = typeComp(type);
        if (k >= 0) r.others.push({ k, cls: CLASS_OF[type] });
      }
      this.regions.push(r);
    }
    this.states = new Map();
    this.infoMemo = new Map();
    this.sepMemo = new Map();
    const idx = [];
    const st = [];
    this.comps.forEach((c, k) => {
      if (c.auto.root) {
        idx.push(k);
        st.push(c.auto.root);
      }
    });
    this.root = this.intern(idx, st, 0);
  }

  intern(idx, st, depth) {
    if (!idx.length) return null;
    const key = `${depth}|${idx.map((k, n) => `${k}:${st[n] === MATCHED ? 'm' : st[n].id}`).join(',')}`;
    let p = this.states.get(key);
    if (!p) {
      p = { key, depth, idx, st, next: new Array(10), info: null };
      this.states.set(key, p);
    }
    return p;
  }

  step(p, d) {
    let nx = p.next[d];
    if (nx !== undefined) return nx;
    const depth = p.depth + 1;
    const idx = [];
    const st = [];
    for (let n = 0; n < p.idx.length; n++) {
      const k = p.idx[n];
      const c = this.comps[k];
      let s = p.st[n];
      if (s !== MATCHED) {
        s = c.auto.step(s, d);
        if (!s) continue;
        if (c.kind === 'ld' && s.lens & 1) s = MATCHED;
        // a type pattern with no completion at one of its possible lengths is dead
        else if (c.kind === 'type' && ((s.lens << depth) & c.allowed) === 0) continue;
      }
      idx.push(k);
      st.push(s);
    }
    // leading-digits components alone cannot make a valid number
    nx = idx.some((k) => this.comps[k].kind !== 'ld') ? this.intern(idx, st, depth) : null;
    p.next[d] = nx;
    return nx;
  }

  // (region, class) libphonenumber gives the number that ends in state p, or null if invalid.
  classify(p) {
    const at = new Map();
    for (let n = 0; n < p.idx.length; n++) at.set(p.idx[n], p.st[n]);
    const len = p.depth;
    const accepts = (k) => {
      const s = at.get(k);
      if (!s || s === MATCHED || !(s.lens & 1)) return false;
      const c = this.comps[k];
      return c.kind !== 'type' || (c.allowed & (1 << len)) !== 0;
    };
    const typeIn = (r) => {
      if (!accepts(r.gen)) return null;
      if (r.fixed >= 0 && accepts(r.fixed)) return 'fixed';
      for (const o of r.others) if (accepts(o.k)) return o.cls;
      return null;
    };
    for (const r of this.regions) {
      if (r.ld >= 0) {
        const s = at.get(r.ld);
        if (s === MATCHED) {
          const cls = typeIn(r);
          return cls ? `${r.region},${cls}` : null;
        }
        continue;
      }
      const cls = typeIn(r);
      if (cls) return `${r.region},${cls}`;
    }
    return null;
  }

  // Map "region,class" -> { count, lens } over all valid completions of state p: how many numbers
  // and at which total national lengths (bit mask).
  info(p) {
    if (p.info) return p.info;
    const out = new Map();
    const own = this.classify(p);
    if (own) out.set(own, { count: 1, lens: 1 << p.depth });
    for (let d = 0; d < 10; d++) {
      const nx = this.step(p, d);
      if (!nx) continue;
      for (const [key, v] of this.info(nx)) {
        const o = out.get(key);
        if (o) {
          o.count += v.count;
          o.lens |= v.lens;
        } else out.set(key, { count: v.count, lens: v.lens });
      }
    }
    p.info = out;
    return out;
  }

  // True if no further digit (down to MAX_DEPTH) can split the classes of state p: every child with
  // valid completions has the same set of classes and is itself inseparable.
  inseparable(p) {
    if (p.depth >= MAX_DEPTH) return true;
    let v = this.sepMemo.get(p.key);
    if (v !== undefined) return v;
    const mine = [...this.info(p).keys()].sort().join(' ');
    v = true;
    for (let d = 0; d < 10 && v; d++) {
      const nx = this.step(p, d);
      if (!nx) continue;
      const inf = this.info(nx);
      if (!inf.size) continue;
      v = [...inf.keys()].sort().join(' ') === mine && this.inseparable(nx);
    }
    this.sepMemo.set(p.key, v);
    return v;
  }

  // Uniformly random valid completion of state p (its digits appended to `prefix`).
  sample(p, prefix, rand) {
    let cur = p;
    let out = prefix;
    for (;;) {
      const total = [...this.info(cur).values()].reduce((s, v) => s + v.count, 0);
      let x = rand() * total;
      if (this.classify(cur)) {
        x -= 1;
        if (x < 0) return { number: out, key: this.classify(cur) };
      }
      let chosen = -1;
      let last = -1;
      for (let d = 0; d < 10; d++) {
        const nx = this.step(cur, d);
        if (!nx) continue;
        const c = [...this.info(nx).values()].reduce((s, v) => s + v.count, 0);
        if (c === 0) continue;
        last = d;
        x -= c;
        if (x < 0) {
          chosen = d;
          break;
        }
      }
      if (chosen < 0) chosen = last; // float rounding
      if (chosen < 0) return { number: out, key: this.classify(cur) };
      out += chosen;
      cur = this.step(cur, chosen);
    }
  }
}

// Picks the class of a prefix whose completions disagree and cannot (or may no longer) be split.
// If every contender has numbers at the lengths of the biggest one, the largest share of the number
// space wins. Otherwise the contenders are (at least partly) numbers of different lengths sharing the
// prefix, and the share would just favour the longest numbers: then ordinary numbers win over
// service numbers - fixed/mobile, then freephone/premium, then special - by share within a tier
// (e.g. Canada's 7-digit 310-xxxx "special" numbers inside the 10-digit Los Angeles area code 1-310,
// German 13-digit mobile voicemail numbers inside 11-digit mobile ranges).
const TIER = { fixed: 0, mobile: 0, freephone: 1, premium: 1, special: 2 };
function resolve(info) {
  const ranked = [...info.entries()]
    .map(([key, v]) => ({ key, cls: key.split(',')[1], ...v }))
    .sort((x, y) => y.count - x.count || (x.key < y.key ? -1 : 1));
  const top = ranked[0];
  if (ranked.every((v) => (v.lens & top.lens) !== 0)) return { winner: top, how: 'share', ranked };
  const byTier = [...ranked].sort((x, y) => TIER[x.cls] - TIER[y.cls] || y.count - x.count || (x.key < y.key ? -1 : 1));
  return { winner: byTier[0], how: 'tier', ranked };
}

// ---------------------------------------------------------------------------------------------

const stats = { nodes: 0, resolved: [], checks: 0, mismatches: [], fixedOrMobile: new Map(), perCc: {} };
const lensText = (m) => [...Array(MAX_LEN).keys()].filter((l) => m & (1 << l)).join('/');

function buildCallingCode(cc) {
  const plan = new Plan(cc);
  const emitted = new Map(); // national prefix -> "region,class"

  function visit(prefix, p) {
    stats.nodes++;
    stats.perCc[cc] = (stats.perCc[cc] || 0) + 1;
    const info = plan.info(p);
    if (!info.size) return;
    if (info.size === 1) {
      emitted.set(prefix, [...info.keys()][0]);
      return;
    }
    const endsHere = [...info.values()].some((v) => v.lens & (1 << p.depth));
    if (p.depth >= MAX_DEPTH || endsHere || plan.inseparable(p)) {
      const { winner, how, ranked } = resolve(info);
      const total = ranked.reduce((s, v) => s + v.count, 0);
      stats.resolved.push(
        `+${cc} ${prefix || '-'}: ${how} -> ${winner.key}  [${ranked.map((v) => `${v.key}@${lensText(v.lens)}=${(v.count / total).toPrecision(2)}`).join(' ')}]`,
      );
      emitted.set(prefix, winner.key);
      return;
    }
    for (let d = 0; d < 10; d++) {
      const nx = plan.step(p, d);
      if (nx) visit(prefix + d, nx);
    }
  }
  if (plan.root) visit('', plan.root);

  // Merge complete sibling sets that agree into their parent, deepest first.
  for (let len = MAX_DEPTH; len >= 1; len--) {
    const parents = new Set();
    for (const p of emitted.keys()) if (p.length === len) parents.add(p.slice(0, -1));
    for (const parent of [...parents].sort()) {
      if (emitted.has(parent)) continue;
      const kids = [];
      for (let d = 0; d < 10; d++) kids.push(emitted.get(parent + d));
      if (kids.some((v) => v !== kids[0])) continue;
      for (let d = 0; d < 10; d++) emitted.delete(parent + d);
      emitted.set(parent, kids[0]);
    }
  }

  // Cross-check against libphonenumber itself.
  for (const prefix of [...emitted.keys()].sort()) {
    let p = plan.root;
    for (const ch of prefix) p = plan.step(p, Number(ch));
    const rand = rng(seedOf(`${cc}:${prefix}`));
    for (let n = 0; n < CHECK_SAMPLES; n++) {
      const { number, key } = plan.sample(p, prefix, rand);
      const parsed = parsePhoneNumber(`+${cc}${number}`);
      const type = parsed?.getType();
      const theirs = type && parsed.country ? `${parsed.country},${CLASS_OF[type]}` : null;
      stats.checks++;
      if (theirs !== key) stats.mismatches.push(`+${cc} ${number}: automaton ${key}, libphonenumber ${theirs} (${type})`);
      if (type === 'FIXED_LINE_OR_MOBILE') stats.fixedOrMobile.set(parsed.country, true);
    }
  }
  return emitted;
}

const names = new Intl.DisplayNames(['en'], { type: 'region' });
const rows = [];
for (const cc of callingCodes) {
  for (const [national, key] of buildCallingCode(cc)) {
    const [region, cls] = key.split(',');
    const country = names.of(region);
    if (!country || country === region || /[,"\n]/.test(country)) throw new Error(`no usable English name for ${region}`);
    rows.push({ prefix: cc + national, region, name: `${country} ${cls}`, cls });
  }
}
rows.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
for (let k = 1; k < rows.length; k++) {
  if (rows[k].prefix === rows[k - 1].prefix) throw new Error(`duplicate prefix ${rows[k].prefix}`);
}

if (stats.mismatches.length > MAX_CHECK_MISMATCH * stats.checks) {
  for (const m of stats.mismatches.slice(0, 50)) console.error(`  mismatch ${m}`);
  throw new Error(`${stats.mismatches.length}/${stats.checks} libphonenumber cross-checks disagree`);
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
const script = relative(REPO, fileURLToPath(import.meta.url));
const mismatchGroups = [...new Set(stats.mismatches.map((m) => m.split(':')[0].slice(0, m.indexOf(' ') + 4)))].sort();
let mismatchNote = mismatchGroups.length ? `, all under ${mismatchGroups.join(', ')}` : '';
if (mismatchGroups.join() === '+375 810') {
  mismatchNote +=
    ": Belarus premium per libphonenumber's own BY PREMIUM_RATE pattern, but its parser strips the" +
    ' leading 8 of +375 810... as a trunk prefix and then finds the number invalid; kept as premium';
}

const source = `# World numbering plan: provenance

\`world.csv\` is **generated**; do not edit it by hand. Generator: \`${script}\`.
Source: libphonenumber metadata from the npm package **libphonenumber-js ${lpnVersion}** ("max" metadata,
format ${metadataJson.version}); English destination names from \`Intl.DisplayNames\` (ICU ${process.versions.icu}).

- Columns: \`prefix\` (E.164 digits without \`+\`, starting with the country calling code), \`country\`
  (ISO 3166-1 alpha-2 region libphonenumber attributes the numbers to), \`name\`, \`class\`
  (fixed | mobile | freephone | premium | special). Look numbers up by longest prefix.
- ${rows.length} prefixes, ${regionsCovered.size} regions (${Object.entries(byClass)
  .sort()
  .map(([c, n]) => `${c} ${n}`)
  .join(', ')}).
- Method: libphonenumber's leading-digits, national-number and per-type patterns of every region of a
  calling code are compiled to automata and walked together over national-number digit prefixes (at
  most ${MAX_DEPTH} digits). A prefix is emitted as soon as all valid numbers under it have the same
  (region, class), with libphonenumber's precedence rules (region order for shared codes such as +1,
  +7, +44, +262, +590; FIXED_LINE before MOBILE before the service types). Classes that no further
  digit can separate (numbers of different lengths sharing a prefix) or still mixed at ${MAX_DEPTH} digits get
  the class with most numbers, or, across different lengths, fixed/mobile over freephone/premium
  over special. Ten agreeing siblings are merged into their parent. Every emitted prefix is
  cross-checked on ${CHECK_SAMPLES} sample numbers with libphonenumber's \`parsePhoneNumber().getType()\`
  (${stats.checks} checks, ${stats.mismatches.length} disagreements${mismatchNote}).
- Regions with no prefix of their own: ${regions.filter((r) => !regionsCovered.has(r)).join(' ') || 'none'} (libphonenumber attributes their
  numbers to another region of the same calling code, e.g. all +212 numbers to MA).
- Type mapping: FIXED_LINE -> fixed, MOBILE -> mobile, TOLL_FREE -> freephone, PREMIUM_RATE -> premium,
  SHARED_COST/VOIP/PERSONAL_NUMBER/PAGER/UAN/VOICEMAIL -> special. FIXED_LINE_OR_MOBILE (libphonenumber
  cannot tell fixed from mobile, e.g. all of US and CA) -> **fixed**. Regions where libphonenumber
  returns it for at least some numbers: ${[...stats.fixedOrMobile.keys()].sort().join(' ')}.
- Not included: emergency and other short codes; non-geographic calling codes (+800, +808, +870, +878,
  +881, +882, +883, +888, +979), which have no ISO region.
- Regenerate (e.g. after bumping libphonenumber-js): \`node ${script}\`. The output is deterministic:
  the same library version gives byte-identical files.
`;
writeFileSync(join(OUT_DIR, 'SOURCE.md'), source);

const elapsed = (performance.now() - started) / 1000;
console.log(`classes: ${JSON.stringify(byClass)}`);
console.log(
  `search_nodes=${stats.nodes} resolved_mixed=${stats.resolved.length} libphonenumber_checks=${stats.checks} mismatches=${stats.mismatches.length}`,
);
if (process.env.VERBOSE) {
  console.log(
    `  nodes ${JSON.stringify(
      Object.entries(stats.perCc)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 20),
    )}`,
  );
  for (const m of stats.resolved) console.log(`  resolved ${m}`);
  for (const m of stats.mismatches) console.log(`  mismatch ${m}`);
}
console.log(`numbering_prefixes=${rows.length}`);
console.log(`elapsed=${elapsed.toFixed(1)}s`);
