/**
 * Mapping files: how the columns of a generic CSV / TSV / pipe-separated file, or the fields of a
 * JSON Lines file, become cdr.v1 records. A mapping is JSON, checked by `mappingSchema`; a
 * mistake is CONFIG_INVALID naming the file and the key. The keys are documented in the README
 * ("Mapping files") and in ingest/src/sources/README.md.
 *
 * A compiled mapping (MappedReader) reads a Row: the text of each column it uses, as bounds in a
 * string (no copy), filled by the format's source. It builds the CDR: times, durations, numbers
 * cleaned, the subscriber and direction from the directory when the mapping names no account.
 */
import { readFileSync } from 'node:fs';
import { type AccountBook, AMBIGUOUS, type Dialling, type Directory, diallingOf, NO_SUBSCRIBER, normalise } from '@ratel/rater';
import type { Cdr, Direction, Disposition, UsageKind, Voice } from '@ratel/schemas';
import { errors } from '@ratel/schemas';
import { z } from 'zod';
import { compileLayout, hash128, ISO_OFFSET, isoWallTo, type Layout, layoutTo, parseInt10, scaledTo, Zone } from './fields.js';
import { filter as filterLine, type LineResult, LineStatus, reject } from './source.js';

/** A column: its header name (or a JSON field, dotted for nested ones), or its number from 1 (files without header). */
const column = z.union([z.string().min(1), z.number().int().min(1).max(1024)]);
const constant = z.strictObject({ value: z.union([z.string(), z.number()]) });
const mapped = z.strictObject({
  field: column,
  /** Values of the file to values of the CDR (e.g. "ANSWER" → "ANSWERED"); others kept as they are, or `default`. */
  map: z.record(z.string(), z.string()).optional(),
  default: z.string().optional(),
});
const text = z.union([column, mapped, constant]);
type TextSpec = z.infer<typeof text>;

const TIME_FORMATS = ['epoch_s', 'epoch_ms', 'epoch_us', 'iso', 'local'] as const;
const timeSpec = z
  .strictObject({
    field: column,
    /** epoch_s / epoch_ms / epoch_us (integers or decimals), iso (ISO 8601 with Z or an offset), local (wall clock in `zone`). */
    format: z.enum(TIME_FORMATS),
    /** IANA zone of local times, e.g. "Europe/Paris". */
    zone: z.string().optional(),
    /** Layout of local times: YYYY MM DD HH mm ss SSS, other characters literal (default: ISO-like "YYYY-MM-DD HH:mm:ss[.SSS]"). */
    layout: z.string().optional(),
  })
  .superRefine((t, ctx) => {
    if (t.format === 'local' && t.zone === undefined)
      ctx.addIssue({ code: 'custom', path: ['zone'], message: 'format "local" needs a zone (e.g. "Europe/Paris")' });
    if (t.zone !== undefined && t.format !== 'local')
      ctx.addIssue({ code: 'custom', path: ['zone'], message: `a zone applies to format "local" only, not "${t.format}"` });
    if (t.zone !== undefined && !Zone.valid(t.zone))
      ctx.addIssue({ code: 'custom', path: ['zone'], message: `unknown time zone "${t.zone}"` });
    if (t.layout !== undefined) {
      if (t.format !== 'local') ctx.addIssue({ code: 'custom', path: ['layout'], message: 'a layout applies to format "local" only' });
      const l = compileLayout(t.layout);
      if (typeof l === 'string') ctx.addIssue({ code: 'custom', path: ['layout'], message: l });
    }
  });
type TimeSpec = z.infer<typeof timeSpec>;

const durationSpec = z.union([
  /** A column of seconds, milliseconds or microseconds (integers or decimals). */
  z.strictObject({ field: column, unit: z.enum(['s', 'ms', 'us']) }),
  /** The difference of two of the record's times. */
  z.strictObject({ from: z.enum(['start', 'answer']), to: z.literal('end') }),
]);
type DurationSpec = z.infer<typeof durationSpec>;

const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code');

const filter = z
  .strictObject({ field: column, in: z.array(z.string()).min(1).optional(), not_in: z.array(z.string()).min(1).optional() })
  .refine((f) => (f.in === undefined) !== (f.not_in === undefined), 'a filter has exactly one of "in" and "not_in"');

export const mappingSchema = z
  .strictObject({
    /** What the mapping is for (free text). */
    description: z.string().optional(),
    /** Delimited files: the first line names the columns (default true); false: columns are numbered from 1. */
    header: z.boolean().default(true),
    /** Delimited files: the field separator (default "," for csv, tab for tsv, "|" for psv). */
    delimiter: z.string().length(1).optional(),
    /** Delimited files: the quote character (default "). */
    quote: z.string().length(1).default('"'),
    /** The CDR id: `prefix` and the values of `fields` joined by "|" (default: prefix and a 128-bit hash of the whole line). */
    id: z.strictObject({ fields: z.array(column).min(1).optional(), prefix: z.string().max(64).default('') }).default({ prefix: '' }),
    kind: text.optional(),
    /** Account and user ids of the file; without them the subscriber directory finds them. */
    account: text.optional(),
    user: text.optional(),
    /** The SIP user of the subscriber (users[].sip_users of the accounts file). */
    sip_user: text.optional(),
    /** Data and event records: the subscriber's number (MSISDN). */
    subscriber: text.optional(),
    caller: text.optional(),
    callee: text.optional(),
    forwarded_from: text.optional(),
    direction: text.optional(),
    start: timeSpec,
    answer: timeSpec.optional(),
    end: timeSpec.optional(),
    billable: durationSpec.optional(),
    duration: durationSpec.optional(),
    disposition: text.optional(),
    sip_status: text.optional(),
    sip_call_id: text.optional(),
    trunk_id: text.optional(),
    roaming_country: text.optional(),
    parts: text.optional(),
    bytes_up: text.optional(),
    bytes_down: text.optional(),
    apn: text.optional(),
    service: text.optional(),
    quantity: text.optional(),
    reference: text.optional(),
    numbers: z
      .strictObject({
        /** Removed from the front of every number, the first that matches (e.g. "sip:", "tel:", a routing prefix). */
        strip_prefixes: z.array(z.string().min(1)).default([]),
        /** The number ends at the first of these characters ("sip:0140@host;user=phone" → "0140"). */
        cut_at: z
          .string()
          .regex(/^[\x21-\x7e]*$/, 'ASCII characters')
          .default('@;'),
        /** Read national numbers with this country's rules (default: the subscriber's account's country). */
        country: country.optional(),
      })
      .default({ strip_prefixes: [], cut_at: '@;' }),
    /** Lines kept: every filter must hold (e.g. answered calls only: { "field": "sip_code", "in": ["200"] }). */
    filters: z.array(filter).default([]),
  })
  .superRefine((m, ctx) => {
    if ((m.account === undefined) !== (m.user === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [m.account === undefined ? 'account' : 'user'],
        message: 'account and user go together (or neither: the subscriber directory finds them)',
      });
    if (m.billable === undefined && (m.answer === undefined || m.end === undefined) && m.duration === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['billable'],
        message: 'voice records need their billable time: "billable", or "answer" and "end", or "duration"',
      });
    for (const key of ['billable', 'duration'] as const) {
      const d = m[key];
      if (d && 'from' in d && (m.end === undefined || (d.from === 'answer' && m.answer === undefined)))
        ctx.addIssue({ code: 'custom', path: [key], message: `"${d.from}" to "end" needs the mapping's ${d.from} and end times` });
    }
    if (m.numbers.country !== undefined) {
      try {
        diallingOf(m.numbers.country);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['numbers', 'country'], message: `no dialling rules for country "${m.numbers.country}"` });
      }
    }
  });
export type Mapping = z.infer<typeof mappingSchema>;

/** Checks a mapping object; a mistake is CONFIG_INVALID naming `file` and the key. */
export function parseMapping(raw: unknown, file: string): Mapping {
  const res = mappingSchema.safeParse(raw);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const key = (issue?.path ?? []).map(String).join('.') || '(top level)';
  throw errors.configInvalid(`mapping ${file} at ${key}`, issue?.message ?? 'invalid');
}

/** Reads and checks a mapping file. */
export function loadMapping(file: string): Mapping {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw errors.configInvalid(`mapping ${file}`, `not a JSON file: ${(e as Error).message}`);
  }
  return parseMapping(raw, file);
}

/** The columns of one line, as the format's source found them: column k is src[k] from beg[k] to fin[k]. */
export interface Row {
  src: string[];
  beg: Int32Array;
  fin: Int32Array;
}

export const newRow = (n: number): Row => ({ src: new Array(n).fill(''), beg: new Int32Array(n), fin: new Int32Array(n) });

/** A text spec compiled: the slot of its column (-1 for a constant), its value map, its constant. */
interface TextField {
  slot: number;
  map: Map<string, string> | null;
  fallback: string | null;
  constant: string | null;
}

interface TimeField {
  slot: number;
  format: (typeof TIME_FORMATS)[number];
  zone: Zone | null;
  layout: Layout | null;
  name: string;
}

type DurationField = { slot: number; scale: number; name: string } | { from: 'start' | 'answer'; name: string };

const KINDS = new Set<string>(['VOICE', 'SMS', 'MMS', 'DATA', 'EVENT']);
const DIRECTIONS = new Set<string>(['OUTBOUND', 'INBOUND', 'FORWARDED']);
const DISPOSITIONS = new Set<string>(['ANSWERED', 'NO_ANSWER', 'BUSY', 'FAILED', 'CANCELLED']);

/** The disposition a SIP final response means (RFC 3261 codes as SBCs export them). */
export function dispositionOfSip(code: number): Disposition {
  if (code >= 200 && code < 300) return 'ANSWERED';
  if (code === 486 || code === 600) return 'BUSY';
  if (code === 480 || code === 408 || code === 603) return 'NO_ANSWER';
  if (code === 487) return 'CANCELLED';
  return 'FAILED';
}
const SIP_OF: Record<Disposition, number> = { ANSWERED: 200, NO_ANSWER: 480, BUSY: 486, FAILED: 500, CANCELLED: 487 };

/** Whether s[a, b) is digits only (and not empty). */
const allDigits = (s: string, a: number, b: number): boolean => {
  if (b <= a) return false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
};

/** An empty field (times and durations). */
const EMPTY = Number.NEGATIVE_INFINITY;

/** Slots of MappedReader.times: UTC ms of the line's start, answer and end, µs of its billable time and duration. */
const T_START = 0;
const T_ANSWER = 1;
const T_END = 2;
const T_BILL = 3;
const T_DUR = 4;

/** Spans of MappedReader's cleaned numbers; NONE is a number the record does not have. */
const N_CALLER = 0;
const N_CALLEE = 1;
const N_FORWARDED = 2;
const N_SUBSCRIBER = 3;
const NONE = -1;

/** Rejects the line; null, for the readers of a CDR's part. */
function rejectedNull(out: LineResult, reason: string): null {
  reject(out, reason);
  return null;
}

/** Whether s[a, b) starts with p (a short prefix: compared by character codes, no call). */
function startsAt(s: string, a: number, b: number, p: string): boolean {
  const n = p.length;
  if (b - a < n) return false;
  for (let k = 0; k < n; k++) if (s.charCodeAt(a + k) !== p.charCodeAt(k)) return false;
  return true;
}

/** Whether s[a, b) equals t. */
function eq(s: string, a: number, b: number, t: string): boolean {
  return b - a === t.length && s.startsWith(t, a);
}

/**
 * A compiled mapping. `columns` lists the columns it reads (slot k = columns[k]); the source
 * fills a Row with them, and `read` builds the line's CDR. A source whose records are split
 * into values already (Kamailio's) gives `slotOf` instead, the slot of each column in its own
 * values, and hands those to `read` as the row: nothing is copied.
 */
export class MappedReader {
  readonly columns: (string | number)[] = [];
  private readonly slots = new Map<string, number>();
  private readonly kind: TextField | null;
  private readonly account: TextField | null;
  private readonly user: TextField | null;
  private readonly sipUser: TextField | null;
  private readonly subscriberNo: TextField | null;
  private readonly caller: TextField | null;
  private readonly callee: TextField | null;
  private readonly forwardedFrom: TextField | null;
  private readonly direction: TextField | null;
  private readonly start: TimeField;
  private readonly answer: TimeField | null;
  private readonly end: TimeField | null;
  private readonly billable: DurationField | null;
  private readonly duration: DurationField | null;
  private readonly disposition: TextField | null;
  private readonly sipStatus: TextField | null;
  private readonly sipCallId: TextField | null;
  private readonly trunkId: TextField | null;
  private readonly roaming: TextField | null;
  private readonly parts: TextField | null;
  private readonly bytesUp: TextField | null;
  private readonly bytesDown: TextField | null;
  private readonly apn: TextField | null;
  private readonly service: TextField | null;
  private readonly quantity: TextField | null;
  private readonly reference: TextField | null;
  private readonly idSlots: number[] | null;
  private readonly idPrefix: string;
  private readonly filters: { slot: number; values: string[]; keep: boolean; reason: string }[];
  private readonly strip: string[];
  /** Flags by character code (ASCII) of the first characters of strip_prefixes, and whether one is not ASCII. */
  private readonly stripFirst = new Uint8Array(128);
  private readonly stripWide: boolean;
  /** Whether the answer is read as the start is (the same column, format, zone and layout): read once. */
  private readonly answerIsStart: boolean;
  /** cut_at as flags by character code (ASCII), and whether it holds a digit. */
  private readonly cutCodes = new Uint8Array(128);
  private readonly cutDigits: boolean;
  private readonly country: Dialling | null;
  /**
   * The line's times (T_START…): numbers in a typed array, so that no double is boxed on the
   * heap on its way from a parser to the CDR.
   */
  private readonly times = new Float64Array(5);
  /**
   * The line's cleaned numbers (N_CALLER…) as spans, numSrc[k] from numA[k] to numB[k]: looked
   * up in the directory in place, and copied out only into the CDR's E.164 fields.
   */
  private readonly numSrc: string[] = ['', '', '', ''];
  private readonly numA = new Int32Array(4);
  private readonly numB = new Int32Array(4);
  /** 1 when number k is digits only (no "+"), as the cleaning scan found. */
  private readonly numDigits = new Uint8Array(4);
  /** "+" and the calling code of the dialling rules last used (national numbers to E.164 in one concatenation). */
  private plusOf: Dialling | null = null;
  private plusCc = '';
  /** The dialling rules of the account of the line being read, once placed, and the CDR's account and user ids. */
  private placedDialling: Dialling | undefined = undefined;
  private placedAccountId = '';
  private placedUserId = '';

  constructor(
    readonly mapping: Mapping,
    private readonly directory: Directory | null,
    private readonly accounts: AccountBook,
    private readonly slotOf: ((column: string | number) => number) | null = null,
  ) {
    const m = mapping;
    this.kind = this.text(m.kind);
    this.account = this.text(m.account);
    this.user = this.text(m.user);
    this.sipUser = this.text(m.sip_user);
    this.subscriberNo = this.text(m.subscriber);
    this.caller = this.text(m.caller);
    this.callee = this.text(m.callee);
    this.forwardedFrom = this.text(m.forwarded_from);
    this.direction = this.text(m.direction);
    this.start = this.time(m.start, 'start');
    this.answer = m.answer ? this.time(m.answer, 'answer') : null;
    this.end = m.end ? this.time(m.end, 'end') : null;
    this.billable = this.dur(m.billable, 'billable');
    this.duration = this.dur(m.duration, 'duration');
    this.disposition = this.text(m.disposition);
    this.sipStatus = this.text(m.sip_status);
    this.sipCallId = this.text(m.sip_call_id);
    this.trunkId = this.text(m.trunk_id);
    this.roaming = this.text(m.roaming_country);
    this.parts = this.text(m.parts);
    this.bytesUp = this.text(m.bytes_up);
    this.bytesDown = this.text(m.bytes_down);
    this.apn = this.text(m.apn);
    this.service = this.text(m.service);
    this.quantity = this.text(m.quantity);
    this.reference = this.text(m.reference);
    this.idSlots = m.id.fields ? m.id.fields.map((c) => this.slot(c)) : null;
    this.idPrefix = m.id.prefix;
    this.filters = m.filters.map((f) => ({
      slot: this.slot(f.field),
      values: f.in ?? f.not_in ?? [],
      keep: f.in !== undefined,
      reason: `filter on ${JSON.stringify(f.field)}`,
    }));
    this.strip = m.numbers.strip_prefixes;
    let wide = false;
    for (const p of this.strip) {
      const c = p.charCodeAt(0);
      if (c < 128) this.stripFirst[c] = 1;
      else wide = true;
    }
    this.stripWide = wide;
    const a = this.answer;
    const st = this.start;
    this.answerIsStart =
      a !== null &&
      a.slot === st.slot &&
      a.format === st.format &&
      a.zone?.name === st.zone?.name &&
      (a.layout === null) === (st.layout === null) &&
      (a.layout === null || a.layout.text === st.layout?.text);
    for (let i = 0; i < m.numbers.cut_at.length; i++) {
      const c = m.numbers.cut_at.charCodeAt(i);
      if (c < 128) this.cutCodes[c] = 1;
    }
    this.cutDigits = /\d/.test(m.numbers.cut_at);
    this.country = m.numbers.country ? diallingOf(m.numbers.country) : null;
  }

  private slot(c: string | number): number {
    const key = typeof c === 'number' ? `#${c}` : `=${c}`;
    let s = this.slots.get(key);
    if (s === undefined) {
      s = this.slotOf === null ? this.columns.length : this.slotOf(c);
      this.columns.push(c);
      this.slots.set(key, s);
    }
    return s;
  }

  private text(t: TextSpec | undefined): TextField | null {
    if (t === undefined) return null;
    if (typeof t === 'string' || typeof t === 'number') return { slot: this.slot(t), map: null, fallback: null, constant: null };
    if ('value' in t) return { slot: -1, map: null, fallback: null, constant: String(t.value) };
    return { slot: this.slot(t.field), map: t.map ? new Map(Object.entries(t.map)) : null, fallback: t.default ?? null, constant: null };
  }

  private time(t: TimeSpec, name: string): TimeField {
    const layout = t.layout === undefined ? null : (compileLayout(t.layout) as Layout);
    return { slot: this.slot(t.field), format: t.format, zone: t.zone ? new Zone(t.zone) : null, layout, name };
  }

  private dur(d: DurationSpec | undefined, name: string): DurationField | null {
    if (d === undefined) return null;
    if ('from' in d) return { from: d.from, name };
    return { slot: this.slot(d.field), scale: d.unit === 's' ? 6 : d.unit === 'ms' ? 3 : 0, name };
  }

  /** The value of a text field ('' when absent or empty), its map applied. */
  private value(f: TextField | null, row: Row): string {
    if (f === null) return '';
    if (f.constant !== null) return f.constant;
    const raw = (row.src[f.slot] as string).slice(row.beg[f.slot], row.fin[f.slot]);
    if (f.map === null) return raw === '' && f.fallback !== null ? f.fallback : raw;
    return f.map.get(raw) ?? f.fallback ?? raw;
  }

  /** An integer field: NaN when not an integer, `dflt` when absent or empty. */
  private int(f: TextField | null, row: Row, dflt: number): number {
    if (f === null) return dflt;
    if (f.constant !== null || f.map !== null) {
      const v = this.value(f, row);
      return v === '' ? dflt : parseInt10(v, 0, v.length);
    }
    const a = row.beg[f.slot] as number;
    const b = row.fin[f.slot] as number;
    return a === b ? dflt : parseInt10(row.src[f.slot] as string, a, b);
  }

  /** UTC ms of a time field into times[k]: NaN when it does not read, EMPTY when empty. */
  private instant(t: TimeField, row: Row, k: number): void {
    const out = this.times;
    const s = row.src[t.slot] as string;
    const a = row.beg[t.slot] as number;
    const b = row.fin[t.slot] as number;
    if (a === b) {
      out[k] = EMPTY;
      return;
    }
    switch (t.format) {
      case 'epoch_s':
        scaledTo(s, a, b, 3, out, k);
        return;
      case 'epoch_ms':
        scaledTo(s, a, b, 0, out, k);
        return;
      case 'epoch_us':
        scaledTo(s, a, b, 0, out, k);
        out[k] = Math.floor((out[k] as number) / 1000);
        return;
      case 'iso':
        isoWallTo(s, a, b, true, out, k);
        return;
      case 'local': {
        if (t.layout !== null) {
          layoutTo(s, a, b, t.layout, out, k);
          if (!Number.isNaN(out[k] as number)) (t.zone as Zone).toUtcAt(out, k);
          return;
        }
        // An ISO-like local time that carries its offset is read with it.
        const offset = isoWallTo(s, a, b, false, out, k);
        if (!Number.isNaN(out[k] as number) && offset !== ISO_OFFSET) (t.zone as Zone).toUtcAt(out, k);
      }
    }
  }

  /** Microseconds of a duration field into times[k] (negative ones too): NaN when it does not read, EMPTY when empty. */
  private micros(d: DurationField, row: Row, k: number): void {
    const out = this.times;
    if ('from' in d) {
      const from = out[d.from === 'start' ? T_START : T_ANSWER] as number;
      const endMs = out[T_END] as number;
      out[k] = from === EMPTY || endMs === EMPTY ? EMPTY : (endMs - from) * 1000;
      return;
    }
    const a = row.beg[d.slot] as number;
    const b = row.fin[d.slot] as number;
    if (a === b) out[k] = EMPTY;
    else scaledTo(row.src[d.slot] as string, a, b, d.scale, out, k);
  }

  /**
   * A number of the file cleaned into span k: prefixes stripped, cut at cut_at, separators
   * dropped (an empty span when none). A number that is "+" and digits once cut stays in place.
   */
  private number(f: TextField | null, row: Row, k: number): void {
    let s = '';
    let a = 0;
    let b = 0;
    let digits = false;
    if (f !== null) {
      if (f.constant !== null || f.map !== null) {
        s = this.value(f, row);
        b = s.length;
      } else {
        s = row.src[f.slot] as string;
        a = row.beg[f.slot] as number;
        b = row.fin[f.slot] as number;
      }
      // Prefixes are looked for only when the number starts with the first character of one.
      const c0 = a < b ? s.charCodeAt(a) : 0;
      if (a < b && (c0 < 128 ? this.stripFirst[c0] === 1 : this.stripWide))
        for (let j = 0; j < this.strip.length; j++) {
          const p = this.strip[j] as string;
          if (startsAt(s, a, b, p)) {
            a += p.length;
            break;
          }
        }
      // One scan: cut at the first cut_at character, and see whether what is left is "+" and digits.
      const cutAt = this.cutCodes;
      let clean = a < b;
      const cutDigits = this.cutDigits;
      for (let i = a; i < b; i++) {
        const c = s.charCodeAt(i);
        if (c >= 48 && c <= 57) {
          if (cutDigits && cutAt[c] === 1) {
            b = i;
            break;
          }
          continue;
        }
        if (c < 128 && cutAt[c] === 1) {
          b = i;
          break;
        }
        if (!(c === 43 && i === a)) clean = false;
      }
      if (clean) digits = a < b && s.charCodeAt(a) !== 43;
      else if (a < b) {
        const cut = s.slice(a, b);
        const bare = cut.replace(/[\s.\-()/]/g, '');
        s = /^\+?\d+$/.test(bare) ? bare : cut;
        a = 0;
        b = s.length;
        digits = allDigits(s, 0, b);
      }
    }
    this.numSrc[k] = s;
    this.numA[k] = a;
    this.numB[k] = b;
    this.numDigits[k] = digits ? 1 : 0;
  }

  /** Whether number k is empty (or NONE). */
  private noNumber(k: number): boolean {
    return k < 0 || this.numA[k] === this.numB[k];
  }

  /** The text of number k ('' for NONE), for reasons. */
  private numberText(k: number): string {
    return k < 0 ? '' : (this.numSrc[k] as string).slice(this.numA[k], this.numB[k]);
  }

  /** The subscriber of number k (lookupNumber, read in place). */
  private lookup(dir: Directory, k: number, d: Dialling | undefined): number {
    return k < 0 ? NO_SUBSCRIBER : dir.lookupIn(this.numSrc[k] as string, this.numA[k] as number, this.numB[k] as number, d);
  }

  /** e164() of number k: national numbers as "+", the calling code and the digits after the trunk prefix. */
  private e164Of(k: number, d: Dialling | undefined): string {
    const s = this.numSrc[k] as string;
    const a = this.numA[k] as number;
    const b = this.numB[k] as number;
    if (a === b) return '';
    if (d === undefined || s.charCodeAt(a) === 43) return s.slice(a, b);
    const t = d.trunk;
    const len = b - a;
    if (t.length > 0 && len > 6 && this.numDigits[k] === 1 && startsAt(s, a, b, t) && !startsAt(s, a, b, d.intl)) {
      const n = len - t.length + d.cc.length;
      if (n >= 7 && n <= 15 && s.charCodeAt(a + t.length) !== 48) {
        if (this.plusOf !== d) {
          this.plusOf = d;
          this.plusCc = `+${d.cc}`;
        }
        return this.plusCc + s.slice(a + t.length, b);
      }
    }
    if (this.numDigits[k] === 1) {
      // As normalise reads digits: after the international prefix, E.164 when 7 to 15 digits not
      // starting with 0, else as written; a short code (6 digits or fewer) as written.
      const intl = d.intl;
      if (intl.length > 0 && startsAt(s, a, b, intl)) {
        const n = len - intl.length;
        return n >= 7 && n <= 15 && s.charCodeAt(a + intl.length) !== 48 ? `+${s.slice(a + intl.length, b)}` : s.slice(a, b);
      }
      if (len <= 6) return s.slice(a, b);
    }
    return e164(s.slice(a, b), d);
  }

  /** The first of the mapping's filters the line fails, or null when it passes them all. */
  private failed(row: Row): MappedReader['filters'][number] | null {
    for (let k = 0; k < this.filters.length; k++) {
      const f = this.filters[k] as MappedReader['filters'][number];
      const s = row.src[f.slot] as string;
      const a = row.beg[f.slot] as number;
      const b = row.fin[f.slot] as number;
      let hit = false;
      for (let j = 0; j < f.values.length; j++)
        if (eq(s, a, b, f.values[j] as string)) {
          hit = true;
          break;
        }
      if (hit !== f.keep) return f;
    }
    return null;
  }

  private idOf(row: Row, line: string): string {
    const slots = this.idSlots;
    if (slots === null) return this.idPrefix + hash128(line);
    if (slots.length === 1) {
      // One field that fits (the common case): one substring, one concatenation.
      const slot = slots[0] as number;
      const a = row.beg[slot] as number;
      const b = row.fin[slot] as number;
      if (this.idPrefix.length + (b - a) <= 200) return this.idPrefix + (row.src[slot] as string).slice(a, b);
    }
    // Fields that follow each other in one string, "|" between them (a db_flatstore record's
    // call_id|from_tag|to_tag): their join is one substring.
    const first = slots[0] as number;
    const s0 = row.src[first] as string;
    let joined = true;
    for (let k = 1; k < slots.length && joined; k++) {
      const prev = slots[k - 1] as number;
      const slot = slots[k] as number;
      const end = row.fin[prev] as number;
      joined = row.src[slot] === s0 && row.beg[slot] === end + 1 && s0.charCodeAt(end) === 124;
    }
    if (joined) {
      const a = row.beg[first] as number;
      const b = row.fin[slots[slots.length - 1] as number] as number;
      if (this.idPrefix.length + (b - a) <= 200) return this.idPrefix + s0.slice(a, b);
    }
    let id = this.idPrefix;
    for (let k = 0; k < slots.length; k++) {
      const slot = slots[k] as number;
      if (k > 0) id += '|';
      id += (row.src[slot] as string).slice(row.beg[slot], row.fin[slot]);
    }
    // An id must fit limits.maxFieldChars: long ones become the prefix and a hash of their fields.
    return id.length <= 200 ? id : this.idPrefix + hash128(id);
  }

  /** Reads one line's Row into `out`; `line` is the raw line (the default id hashes it). */
  read(row: Row, line: string, out: LineResult): void {
    const failed = this.filters.length > 0 ? this.failed(row) : null;
    if (failed !== null) return void filterLine(out, failed.reason);
    let kind = 'VOICE';
    if (this.kind !== null) {
      kind = this.value(this.kind, row).toUpperCase();
      if (!KINDS.has(kind)) return void reject(out, `kind "${cut(kind)}" is not one of VOICE, SMS, MMS, DATA, EVENT`);
    }
    const T = this.times;
    this.instant(this.start, row, T_START);
    if (!((T[T_START] as number) >= 0)) return void reject(out, `start: not a time of format ${this.start.format}`);
    const id = this.idOf(row, line);
    if (id.length === this.idPrefix.length) return void reject(out, 'empty id');
    let direction = this.direction === null ? '' : this.value(this.direction, row).toUpperCase();
    if (direction !== '' && !DIRECTIONS.has(direction))
      return void reject(out, `direction "${cut(direction)}" is not one of OUTBOUND, INBOUND, FORWARDED`);
    this.number(this.caller, row, N_CALLER);
    this.number(this.callee, row, N_CALLEE);
    let voice: Voice | null = null;
    let message: Cdr['message'] = null;
    let data: Cdr['data'] = null;
    let event: Cdr['event'] = null;
    if (kind === 'VOICE') {
      this.number(this.forwardedFrom, row, N_FORWARDED);
      const placed = this.place(N_CALLER, N_CALLEE, N_FORWARDED, direction, row, out);
      if (placed === null) return;
      direction = placed;
      voice = this.voice(row, id, direction as Direction, out);
      if (voice === null) return;
    } else if (kind === 'SMS' || kind === 'MMS') {
      const placed = this.place(N_CALLER, N_CALLEE, NONE, direction, row, out);
      if (placed === null) return;
      const parts = this.int(this.parts, row, 1);
      if (!(parts >= 1)) return void reject(out, 'parts: not a positive integer');
      const d = this.dialOf();
      message = { sender: this.e164Of(N_CALLER, d), recipient: this.e164Of(N_CALLEE, d), direction: placed as Direction, parts };
    } else {
      this.number(this.subscriberNo, row, N_SUBSCRIBER);
      const who = this.noNumber(N_SUBSCRIBER) ? N_CALLER : N_SUBSCRIBER;
      if (this.place(who, NONE, NONE, 'OUTBOUND', row, out) === null) return;
      if (kind === 'DATA') {
        data = this.data(row, out);
        if (data === null) return;
      } else {
        const service = this.value(this.service, row);
        if (service === '') return void reject(out, 'service: empty');
        const quantity = this.int(this.quantity, row, 1);
        if (!(quantity >= 1)) return void reject(out, 'quantity: not a positive integer');
        const ref = this.value(this.reference, row);
        event = { service, quantity, reference: ref === '' ? null : ref };
      }
    }
    const roaming = this.value(this.roaming, row);
    out.status = LineStatus.CDR;
    out.cdr = {
      id,
      kind: kind as UsageKind,
      account_id: this.placedAccountId,
      user_id: this.placedUserId,
      start_ms: T[T_START] as number,
      roaming_country: roaming === '' ? null : roaming,
      voice,
      message,
      data,
      event,
    };
  }

  /** The dialling rules numbers are written with: the mapping's country, else the account's the line was placed in. */
  private dialOf(): Dialling | undefined {
    return this.country ?? this.placedDialling;
  }

  /**
   * Finds the line's account and user (placedAccountId, placedUserId), from the mapping or the
   * directory, and returns the direction (null after rejecting the line). With the directory:
   * outbound when the caller is a subscriber, a forward when the number the call was forwarded
   * from is one and the callee is not, inbound when the callee is; a direction the file gives
   * says whose number to look up. caller, callee and forwarded are numbers of the line (N_…) or NONE.
   */
  private place(caller: number, callee: number, forwarded: number, direction: string, row: Row, out: LineResult): string | null {
    if (this.account !== null) {
      const accountId = this.value(this.account, row);
      const userId = this.value(this.user, row);
      this.placedAccountId = accountId;
      this.placedUserId = userId;
      this.placedDialling = this.accounts.get(accountId)?.dialling;
      if (accountId === '' || userId === '') {
        reject(out, 'empty account or user');
        return null;
      }
      return direction === '' ? 'OUTBOUND' : direction;
    }
    const dir = this.directory;
    if (dir === null) {
      reject(out, 'the mapping names no account and the accounts file lists no numbers or SIP users', 'SUBSCRIBER_UNKNOWN');
      return null;
    }
    const d = this.country ?? undefined;
    const sip = this.sipUser === null ? '' : this.value(this.sipUser, row);
    if (sip !== '') {
      const s = dir.lookupSipUser(sip);
      if (s === AMBIGUOUS) return this.ambiguous(out, `SIP user ${cut(sip)}`, dir.candidates(sip));
      if (s >= 0) {
        this.setSubscriber(s);
        if (direction !== '') return direction;
        if (!this.noNumber(forwarded) && this.lookup(dir, forwarded, d) === s && this.lookup(dir, callee, d) < 0) return 'FORWARDED';
        if (!this.noNumber(callee) && this.lookup(dir, callee, d) === s && this.lookup(dir, caller, d) !== s) return 'INBOUND';
        return 'OUTBOUND';
      }
    }
    let number = caller;
    let s = NO_SUBSCRIBER;
    let found = direction;
    if (direction === 'INBOUND') {
      number = callee;
      s = this.lookup(dir, callee, d);
    } else if (direction === 'FORWARDED') {
      number = this.noNumber(forwarded) ? caller : forwarded;
      s = this.lookup(dir, number, d);
    } else if (direction === 'OUTBOUND') {
      s = this.lookup(dir, caller, d);
    } else {
      const c = this.noNumber(caller) ? NO_SUBSCRIBER : this.lookup(dir, caller, d);
      if (c !== NO_SUBSCRIBER) {
        s = c;
        found = 'OUTBOUND';
      } else {
        const f = this.noNumber(forwarded) ? NO_SUBSCRIBER : this.lookup(dir, forwarded, d);
        const e = this.noNumber(callee) ? NO_SUBSCRIBER : this.lookup(dir, callee, d);
        if (f !== NO_SUBSCRIBER && e === NO_SUBSCRIBER) {
          number = forwarded;
          s = f;
          found = 'FORWARDED';
        } else {
          number = callee;
          s = e;
          found = 'INBOUND';
        }
      }
    }
    if (s === AMBIGUOUS) {
      const n = this.numberText(number);
      return this.ambiguous(out, `number ${cut(n)}`, dir.candidates(n, d));
    }
    if (s < 0) {
      const callerText = this.numberText(caller);
      const calleeText = this.numberText(callee);
      const forwardedText = this.numberText(forwarded);
      const what = [
        callerText && `caller ${cut(callerText)}`,
        calleeText && `callee ${cut(calleeText)}`,
        forwardedText && `forwarded from ${cut(forwardedText)}`,
        sip && `SIP user ${cut(sip)}`,
      ]
        .filter(Boolean)
        .join(', ');
      reject(out, `no subscriber has ${what || 'any number of this record'}`, 'SUBSCRIBER_UNKNOWN');
      return null;
    }
    this.setSubscriber(s);
    return found;
  }

  private ambiguous(out: LineResult, what: string, who: string): null {
    reject(out, `${what} belongs to more than one subscriber (${who})`, 'SUBSCRIBER_AMBIGUOUS');
    return null;
  }

  private setSubscriber(s: number): void {
    const dir = this.directory as Directory;
    this.placedDialling = dir.diallingOfSubscriber(s);
    this.placedAccountId = dir.accountIdOf(s);
    this.placedUserId = dir.userIdOf(s);
  }

  /** The voice part of the line's CDR (its start in times[T_START]), or null after rejecting the line. */
  private voice(row: Row, id: string, direction: Direction, out: LineResult): Voice | null {
    const T = this.times;
    const startMs = T[T_START] as number;
    if (this.answerIsStart) T[T_ANSWER] = startMs;
    else if (this.answer) this.instant(this.answer, row, T_ANSWER);
    else T[T_ANSWER] = EMPTY;
    if (this.end) this.instant(this.end, row, T_END);
    else T[T_END] = EMPTY;
    let answerMs = T[T_ANSWER] as number;
    let endMs = T[T_END] as number;
    if (Number.isNaN(answerMs)) return rejectedNull(out, `answer: not a time of format ${(this.answer as TimeField).format}`);
    if (Number.isNaN(endMs)) return rejectedNull(out, `end: not a time of format ${(this.end as TimeField).format}`);
    if (this.billable) this.micros(this.billable, row, T_BILL);
    else T[T_BILL] = EMPTY;
    if (this.duration) this.micros(this.duration, row, T_DUR);
    else T[T_DUR] = EMPTY;
    let billUs = T[T_BILL] as number;
    let durUs = T[T_DUR] as number;
    if (Number.isNaN(billUs)) return rejectedNull(out, 'billable: not a number');
    if (Number.isNaN(durUs)) return rejectedNull(out, 'duration: not a number');
    if (billUs === EMPTY)
      billUs = answerMs !== EMPTY && endMs !== EMPTY ? (endMs - answerMs) * 1000 : !this.billable && durUs !== EMPTY ? durUs : EMPTY;
    if ((billUs < 0 && billUs !== EMPTY) || (durUs < 0 && durUs !== EMPTY)) return rejectedNull(out, 'negative duration');
    let disposition: Disposition;
    let sipStatus = this.int(this.sipStatus, row, -1);
    if (Number.isNaN(sipStatus) || sipStatus < -1 || sipStatus > 999) return rejectedNull(out, 'sip_status: not a SIP status code');
    if (this.disposition !== null) {
      const v = this.value(this.disposition, row).toUpperCase();
      if (!DISPOSITIONS.has(v)) return rejectedNull(out, `disposition "${cut(v)}" is not one of ${[...DISPOSITIONS].join(', ')}`);
      disposition = v as Disposition;
    } else if (sipStatus >= 0) disposition = dispositionOfSip(sipStatus);
    else disposition = billUs > 0 ? 'ANSWERED' : 'NO_ANSWER';
    if (sipStatus < 0) sipStatus = SIP_OF[disposition];
    // An unanswered call bills nothing, whatever duration the file gives.
    if (disposition !== 'ANSWERED') billUs = 0;
    if (billUs === EMPTY) return rejectedNull(out, 'billable: empty for an answered call');
    const billableS = Math.ceil(billUs / 1e6);
    if (durUs === EMPTY) {
      if (endMs !== EMPTY) durUs = (endMs - startMs) * 1000;
      else durUs = billUs + (answerMs !== EMPTY ? (answerMs - startMs) * 1000 : 0);
    }
    if (durUs < 0) return rejectedNull(out, 'end before start');
    let durationS = Math.ceil(durUs / 1e6);
    if (durationS < billableS) durationS = billableS;
    if (endMs === EMPTY) endMs = startMs + durationS * 1000;
    if (answerMs === EMPTY && billableS > 0) answerMs = endMs - billableS * 1000;
    if (endMs < startMs) return rejectedNull(out, 'end before start');
    if (durationS > 2_147_483_647) return rejectedNull(out, 'duration beyond 2^31 s');
    const d = this.dialOf();
    return {
      sip_call_id: this.value(this.sipCallId, row) || id,
      trunk_id: this.value(this.trunkId, row),
      caller: this.e164Of(N_CALLER, d),
      callee: this.e164Of(N_CALLEE, d),
      forwarded_from: this.noNumber(N_FORWARDED) ? null : this.e164Of(N_FORWARDED, d),
      direction,
      answer_ms: disposition === 'ANSWERED' && answerMs !== EMPTY ? answerMs : null,
      end_ms: endMs,
      duration_s: durationS,
      billable_s: billableS,
      disposition,
      sip_status: sipStatus,
    };
  }

  /** The data part of the line's CDR (its start in times[T_START]), or null after rejecting the line. */
  private data(row: Row, out: LineResult): Cdr['data'] {
    const T = this.times;
    const startMs = T[T_START] as number;
    if (this.end) this.instant(this.end, row, T_END);
    else T[T_END] = EMPTY;
    let endMs = T[T_END] as number;
    if (Number.isNaN(endMs)) return rejectedNull(out, `end: not a time of format ${(this.end as TimeField).format}`);
    if (endMs === EMPTY && this.duration) {
      // Read on its own: "start to end" has no end here.
      T[T_ANSWER] = EMPTY;
      T[T_END] = EMPTY;
      this.micros(this.duration, row, T_DUR);
      const us = T[T_DUR] as number;
      if (!(us >= 0)) return rejectedNull(out, 'duration: not a non-negative number');
      endMs = startMs + Math.ceil(us / 1000);
    }
    if (endMs === EMPTY) endMs = startMs;
    const up = this.int(this.bytesUp, row, 0);
    const down = this.int(this.bytesDown, row, 0);
    if (Number.isNaN(up) || Number.isNaN(down)) return rejectedNull(out, 'bytes: not an integer');
    return { end_ms: endMs, bytes_up: up, bytes_down: down, apn: this.value(this.apn, row) || 'internet' };
  }
}

/** A number in E.164 ("+33…") when it reads as one with the dialling rules, else as cleaned (short codes, "anonymous"). */
export function e164(clean: string, d: Dialling | undefined): string {
  if (clean === '' || d === undefined) return clean;
  if (clean.charCodeAt(0) === 43) return clean;
  // National numbers (the common case): one concatenation.
  const t = d.trunk;
  if (t.length > 0 && clean.length > 6 && clean.startsWith(t) && !clean.startsWith(d.intl) && allDigits(clean, 0, clean.length)) {
    const n = clean.length - t.length + d.cc.length;
    if (n >= 7 && n <= 15 && clean.charCodeAt(t.length) !== 48) return `+${d.cc}${clean.slice(t.length)}`;
  }
  const key = normalise(clean, d);
  return key === null || key.charCodeAt(0) === 48 ? clean : `+${key}`;
}

/** A value quoted in a reason, cut to 40 characters. */
const cut = (s: string): string => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
