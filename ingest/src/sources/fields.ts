/**
 * Field parsers shared by the sources. Each reads the characters s[a, b) in place (no slice, no
 * regular expression, no Date): integers, decimals scaled to an integer unit, ISO 8601 instants,
 * local date-times by layout, and the local time of a named zone to UTC (DST included).
 * They return NaN when the text is not what they read.
 *
 * The `…To` forms write their result to a Float64Array slot instead of returning it: a time in
 * ms since 1970 is no small integer, and a double returned from a call (or passed to one) that
 * the compiler does not inline is boxed on the heap, once per field of every line.
 */

/** Integer digits with an optional leading "-" (NaN otherwise, and beyond 2^53). */
export function parseInt10(s: string, a: number, b: number): number {
  if (a >= b) return Number.NaN;
  let neg = false;
  if (s.charCodeAt(a) === 45) {
    neg = true;
    a++;
    if (a >= b) return Number.NaN;
  }
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    v = v * 10 + c;
  }
  if (v > Number.MAX_SAFE_INTEGER) return Number.NaN;
  return neg ? -v : v;
}

/**
 * A decimal ("12", "12.5", "-3") times 10^scale, as an integer: the fraction's digits beyond
 * `scale` round up (a call of 12.0001 s lasts 12.001 ms at scale 3, never less). NaN otherwise.
 */
export function parseScaled(s: string, a: number, b: number, scale: number): number {
  scaledTo(s, a, b, scale, SCRATCH, 0);
  return SCRATCH[0] as number;
}

/** One number, for the plain forms of the `…To` parsers. */
const SCRATCH = new Float64Array(1);

/** parseScaled into out[k]. */
export function scaledTo(s: string, a: number, b: number, scale: number, out: Float64Array, k: number): void {
  out[k] = Number.NaN;
  if (a >= b) return;
  let neg = false;
  if (s.charCodeAt(a) === 45) {
    neg = true;
    a++;
  }
  let v = 0;
  let digits = 0;
  let frac = -1;
  let up = false;
  for (let i = a; i < b; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 46 && frac < 0) {
      frac = 0;
      continue;
    }
    const c = ch - 48;
    if (c < 0 || c > 9) return;
    digits++;
    if (frac >= 0) {
      if (frac >= scale) {
        if (c !== 0) up = true;
        continue;
      }
      frac++;
    }
    v = v * 10 + c;
  }
  if (digits === 0) return;
  for (let j = Math.max(frac, 0); j < scale; j++) v *= 10;
  if (up) v += 1;
  if (v > Number.MAX_SAFE_INTEGER) return;
  out[k] = neg ? -v : v;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (valid or not: check with validDate). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
export function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : (MONTH_DAYS[m - 1] as number));
}

function digitsAt(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** The two digits at s[i, i + 2) (both within the string) as a number, or -1. */
function two(s: string, i: number): number {
  const x = s.charCodeAt(i) - 48;
  const y = s.charCodeAt(i + 1) - 48;
  return x >>> 0 > 9 || y >>> 0 > 9 ? -1 : x * 10 + y;
}

/** The last date converted: the records of a file mostly share their day. */
let lastDate = -1;
let lastDays = 0;

/** Milliseconds of a wall-clock date-time as if it were UTC, or NaN when it is not a real one. */
function wallMs(y: number, mo: number, d: number, h: number, mi: number, sec: number, ms: number): number {
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return Number.NaN;
  const date = (y * 100 + mo) * 100 + d;
  if (date !== lastDate) {
    if (!validDate(y, mo, d)) return Number.NaN;
    lastDays = daysFromCivil(y, mo, d);
    lastDate = date;
  }
  return ((lastDays * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms;
}

/** Reads ".fff…" at i: milliseconds (digits beyond the third dropped) in `frac`, returns the next index. */
function fraction(s: string, i: number, b: number, out: { ms: number }): number {
  out.ms = 0;
  if (i >= b || (s.charCodeAt(i) !== 46 && s.charCodeAt(i) !== 44)) return i;
  i++;
  let k = 0;
  let ms = 0;
  while (i < b) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    if (k < 3) ms = ms * 10 + c;
    k++;
    i++;
  }
  if (k === 0) return -1;
  for (; k < 3; k++) ms *= 10;
  out.ms = ms;
  return i;
}
const fracOut = { ms: 0 };

/**
 * ISO 8601 date-time "YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM|±HHMM|±HH]" ("T" or a space). With
 * `needOffset` the zone designator is required; without one the wall-clock time is returned as if
 * UTC and `hadOffset` is false. NaN when it is not one.
 */
export function parseIsoWall(s: string, a: number, b: number, needOffset: boolean, state: { hadOffset: boolean }): number {
  const r = isoWallTo(s, a, b, needOffset, SCRATCH, 0);
  if (r !== ISO_UNREAD) state.hadOffset = r === ISO_OFFSET;
  return SCRATCH[0] as number;
}

/** isoWallTo: NaN before the zone designator was reached (hadOffset untouched), then without and with an offset. */
export const ISO_UNREAD = -1;
export const ISO_NO_OFFSET = 0;
export const ISO_OFFSET = 1;

/**
 * parseIsoWall into out[k]; returns ISO_UNREAD (out[k] NaN), or whether the text carried an
 * offset (ISO_OFFSET) or not (ISO_NO_OFFSET; out[k] may still be NaN: an impossible date, or a
 * zone designator that does not read).
 */
export function isoWallTo(s: string, a: number, b: number, needOffset: boolean, out: Float64Array, k: number): number {
  out[k] = Number.NaN;
  if (b - a < 19) return ISO_UNREAD;
  // The 19 characters of the date and time are within the string: read two digits at a time.
  const y0 = two(s, a);
  const y1 = two(s, a + 2);
  const y = y0 < 0 || y1 < 0 ? -1 : y0 * 100 + y1;
  const mo = two(s, a + 5);
  const d = two(s, a + 8);
  const h = two(s, a + 11);
  const mi = two(s, a + 14);
  const sec = two(s, a + 17);
  const sep = s.charCodeAt(a + 10);
  if (
    y < 0 ||
    mo < 0 ||
    d < 0 ||
    h < 0 ||
    mi < 0 ||
    sec < 0 ||
    s.charCodeAt(a + 4) !== 45 ||
    s.charCodeAt(a + 7) !== 45 ||
    (sep !== 84 && sep !== 32) ||
    s.charCodeAt(a + 13) !== 58 ||
    s.charCodeAt(a + 16) !== 58
  )
    return ISO_UNREAD;
  let i = fraction(s, a + 19, b, fracOut);
  if (i < 0) return ISO_UNREAD;
  let wall = wallMs(y, mo, d, h, mi, sec, fracOut.ms);
  if (i === b) {
    if (!needOffset) out[k] = wall;
    return ISO_NO_OFFSET;
  }
  const z = s.charCodeAt(i);
  if (z === 90 /* Z */ && i + 1 === b) {
    out[k] = wall;
    return ISO_OFFSET;
  }
  if (z !== 43 && z !== 45) return ISO_NO_OFFSET;
  const oh = digitsAt(s, i + 1, 2);
  i += 3;
  let om = 0;
  if (i < b) {
    if (s.charCodeAt(i) === 58) i++;
    om = digitsAt(s, i, 2);
    i += 2;
  }
  if (oh < 0 || oh > 23 || om < 0 || om > 59 || i !== b) return ISO_NO_OFFSET;
  const off = (oh * 60 + om) * 60_000;
  wall += z === 43 ? -off : off;
  out[k] = wall;
  return ISO_OFFSET;
}

/** A compiled date-time layout: tokens YYYY MM DD HH mm ss SSS (fraction, any digits), any other character literal. */
export interface Layout {
  text: string;
  /** Per part: 0 literal (char code in `lit`), or a field id with its width. */
  parts: { field: number; width: number; lit: number }[];
}
const F_LIT = 0;
const F_YEAR = 1;
const F_MONTH = 2;
const F_DAY = 3;
const F_HOUR = 4;
const F_MIN = 5;
const F_SEC = 6;
const F_FRAC = 7;
const TOKENS: [string, number][] = [
  ['YYYY', F_YEAR],
  ['SSS', F_FRAC],
  ['MM', F_MONTH],
  ['DD', F_DAY],
  ['HH', F_HOUR],
  ['mm', F_MIN],
  ['ss', F_SEC],
];

/** Compiles a layout, or returns why it is not one (it must hold YYYY, MM, DD, HH and mm). */
export function compileLayout(text: string): Layout | string {
  const parts: Layout['parts'] = [];
  const seen = new Set<number>();
  for (let i = 0; i < text.length; ) {
    const tok = TOKENS.find(([t]) => text.startsWith(t, i));
    if (tok) {
      if (seen.has(tok[1])) return `"${tok[0]}" appears twice`;
      seen.add(tok[1]);
      parts.push({ field: tok[1], width: tok[0].length, lit: 0 });
      i += tok[0].length;
    } else {
      parts.push({ field: F_LIT, width: 1, lit: text.charCodeAt(i) });
      i++;
    }
  }
  for (const [name, f] of [
    ['YYYY', F_YEAR],
    ['MM', F_MONTH],
    ['DD', F_DAY],
    ['HH', F_HOUR],
    ['mm', F_MIN],
  ] as const)
    if (!seen.has(f)) return `the layout has no ${name}`;
  return { text, parts };
}

/** Wall-clock milliseconds (as if UTC) of s[a, b) read with `layout`, NaN when it does not fit. */
export function parseLayout(s: string, a: number, b: number, layout: Layout): number {
  layoutTo(s, a, b, layout, SCRATCH, 0);
  return SCRATCH[0] as number;
}

/** parseLayout into out[k]. */
export function layoutTo(s: string, a: number, b: number, layout: Layout, out: Float64Array, k: number): void {
  out[k] = Number.NaN;
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let sec = 0;
  let ms = 0;
  let i = a;
  const parts = layout.parts;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p] as Layout['parts'][number];
    if (part.field === F_LIT) {
      if (i >= b || s.charCodeAt(i) !== part.lit) return;
      i++;
      continue;
    }
    if (part.field === F_FRAC) {
      let k = 0;
      ms = 0;
      while (i < b) {
        const c = s.charCodeAt(i) - 48;
        if (c < 0 || c > 9) break;
        if (k < 3) ms = ms * 10 + c;
        k++;
        i++;
      }
      if (k === 0) return;
      for (; k < 3; k++) ms *= 10;
      continue;
    }
    if (i + part.width > b) return;
    const v = digitsAt(s, i, part.width);
    if (v < 0) return;
    i += part.width;
    switch (part.field) {
      case F_YEAR:
        y = v;
        break;
      case F_MONTH:
        mo = v;
        break;
      case F_DAY:
        d = v;
        break;
      case F_HOUR:
        h = v;
        break;
      case F_MIN:
        mi = v;
        break;
      case F_SEC:
        sec = v;
        break;
    }
  }
  if (i !== b) return;
  out[k] = wallMs(y, mo, d, h, mi, sec, ms);
}

const SLOT_MS = 15 * 60_000;
/** Four years of quarter hours. */
const NEAR_SLOTS = 4 * 366 * 96;
const DAY_MS = 86_400_000;

/**
 * A named time zone (IANA), converting local wall-clock times to UTC. Offsets come from Intl once
 * per quarter hour met (every real zone changes its offset on a quarter hour) and are kept.
 *
 * A local time that happens twice (the hour repeated when clocks go back) is read as its first
 * occurrence (summer time); a local time that never happens (the hour skipped when clocks go
 * forward) is read with the offset before the change, so 02:30 in Paris on the last Sunday of
 * March is 01:30 UTC (03:30 summer time). This is what ISO 8601 libraries call "compatible".
 */
export class Zone {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly utcOffsets = new Map<number, number>();
  private readonly localOffsets = new Map<number, number>();
  private lastSlot = Number.NaN;
  private near: Float64Array | null = null;
  private nearBase = 0;
  private lastOffset = 0;

  constructor(readonly name: string) {
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Whether `name` is a time zone Intl knows. */
  static valid(name: string): boolean {
    try {
      new Intl.DateTimeFormat('en', { timeZone: name });
      return true;
    } catch {
      return false;
    }
  }

  /** The zone's offset from UTC at instant `utcMs`, in ms (positive east of Greenwich). */
  offsetAt(utcMs: number): number {
    const slot = Math.floor(utcMs / SLOT_MS);
    let off = this.utcOffsets.get(slot);
    if (off === undefined) {
      const at = slot * SLOT_MS;
      const p: Record<string, number> = {};
      for (const part of this.fmt.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
      const wall = wallMs(
        p.year as number,
        p.month as number,
        p.day as number,
        p.hour as number,
        p.minute as number,
        p.second as number,
        0,
      );
      off = wall - at;
      this.utcOffsets.set(slot, off);
    }
    return off;
  }

  /** UTC milliseconds of wall-clock milliseconds `localMs` (as returned by parseLayout) in this zone. */
  toUtc(localMs: number): number {
    SCRATCH[0] = localMs;
    this.toUtcAt(SCRATCH, 0);
    return SCRATCH[0] as number;
  }

  /** toUtc of t[k], in place. */
  toUtcAt(t: Float64Array, k: number): void {
    const localMs = t[k] as number;
    const slot = Math.floor(localMs / SLOT_MS);
    if (slot === this.lastSlot) {
      t[k] = localMs - this.lastOffset;
      return;
    }
    // Slots near the first one met are kept in a typed array (two years either side), others in a map.
    if (this.near === null) {
      this.nearBase = slot - NEAR_SLOTS / 2;
      this.near = new Float64Array(NEAR_SLOTS).fill(Number.NaN);
    }
    const j = slot - this.nearBase;
    let off: number | undefined = j >= 0 && j < NEAR_SLOTS ? (this.near[j] as number) : this.localOffsets.get(slot);
    if (off === undefined || Number.isNaN(off)) {
      off = this.resolve(slot * SLOT_MS);
      if (j >= 0 && j < NEAR_SLOTS) this.near[j] = off;
      else this.localOffsets.set(slot, off);
    }
    this.lastSlot = slot;
    this.lastOffset = off;
    t[k] = localMs - off;
  }

  private resolve(local: number): number {
    const before = this.offsetAt(local - DAY_MS);
    const after = this.offsetAt(local + DAY_MS);
    if (before === after) return before;
    const okBefore = this.offsetAt(local - before) === before;
    const okAfter = this.offsetAt(local - after) === after;
    if (okBefore && okAfter) return Math.max(before, after); // repeated hour: the earlier instant
    if (okAfter) return after;
    return before; // in force before the change (also for a skipped hour)
  }
}

/**
 * 128 bits of a string's characters as 32 hex digits: four 32-bit multiplicative hashes with
 * different seeds and multipliers. Stable across runs and machines (ids of imported CDRs).
 */
export function hash128(s: string, a = 0, b = s.length): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x2545f491;
  let h3 = 0x9e3779b9;
  let h4 = 0x6a09e667;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h3 = Math.imul(h3 ^ c, 0x85ebca6b);
    h4 = Math.imul(h4 ^ c, 0xc2b2ae35);
  }
  h1 = fmix(h1 ^ (b - a));
  h2 = fmix(h2 ^ h1);
  h3 = fmix(h3 ^ h2);
  h4 = fmix(h4 ^ h3);
  return hex8(h1) + hex8(h2) + hex8(h3) + hex8(h4);
}

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
const hex8 = (h: number): string => (h >>> 0).toString(16).padStart(8, '0');
