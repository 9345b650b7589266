/**
 * What the switch formats share (FreeSWITCH mod_cdr_csv and mod_json_cdr, Asterisk cdr_csv and
 * cdr_custom): the keys every profile has, and `SwitchCalls`, which turns the fields of one
 * call into a cdr.v1 record through a built-in mapping and the mapping's reader (mapping.ts:
 * numbers cleaned, the subscriber and direction from the directory, durations).
 *
 * - Every call is a CDR, answered or not (issue #16: an unanswered call is stored with no charge
 *   and a reason, and counted). The format says what became of it: ratel's disposition
 *   (ANSWERED, BUSY, NO_ANSWER, FAILED, CANCELLED) and the SIP status (the switch's own when it
 *   writes one, else the one its hangup cause or disposition stands for). A call not answered
 *   has nothing billable; the rater rates it at no charge with the reason UNANSWERED, as it does
 *   a call answered for 0 s (disposition ANSWERED, billable 0, its answer time its end).
 * - What is not a call is filtered with a reason: a FreeSWITCH B leg ("B_LEG (billed on its A
 *   leg)"), whose call is the A leg's CDR.
 * - Billable time is the switch's billsec (answer to hang-up); a fraction of a second counts as
 *   a whole one (59.02 s bill 60 s), as mapping.ts rounds every duration.
 * - A start time written as local wall clock is read in the profile's `time_zone`, or ("account")
 *   in the time zone of the subscriber's account (accounts file `time_zone`): a time in the hour
 *   repeated when clocks go back is its first occurrence, one in the hour skipped when they go
 *   forward reads with the offset before the change (fields.ts, Zone). With local times the end
 *   is the start plus the switch's duration and the answer the end minus billsec (the local
 *   answer and end times are only checked): a call across a change of clocks lasts what the
 *   switch measured. Epoch answer and end times are read as they are.
 * - Every call, answered or not, is placed by the subscriber directory: a call no subscriber made
 *   or received is a SUBSCRIBER_UNKNOWN dead letter.
 */
import { readFileSync } from 'node:fs';
import type { AccountBook, Directory } from '@ratel/rater';
import { type Disposition, errors } from '@ratel/schemas';
import { z } from 'zod';
import { parseIsoWall, parseScaled, Zone } from './fields.js';
import { MappedReader, newRow, parseMapping, type Row } from './mapping.js';
import { filter, type LineResult, LineStatus, reject } from './source.js';

/** `time_zone`: how local times of the switch are read. */
export const zoneSetting = z
  .string()
  .refine((v) => v === 'account' || Zone.valid(v), 'an IANA time zone ("Europe/Paris", "UTC") or "account"');

/** `numbers`: how the switch writes numbers (as the mapping's `numbers`), `strip` the prefixes stripped by default. */
export const numbersSettingWith = (strip: readonly string[]) =>
  z
    .strictObject({
      strip_prefixes: z.array(z.string().min(1)).default([...strip]),
      cut_at: z
        .string()
        .regex(/^[\x21-\x7e]*$/, 'ASCII characters')
        .default('@;'),
      country: z
        .string()
        .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code')
        .optional(),
    })
    .default({ strip_prefixes: [...strip], cut_at: '@;' });

/** `numbers` of the FreeSWITCH and Asterisk profiles. */
export const numbersSetting = numbersSettingWith(['sip:', 'tel:']);

/** `id_prefix`: put before the switch's call id to make the CDR id. */
export const idPrefixSetting = (dflt: string) => z.string().max(64).default(dflt);

/** Checks a profile object with `schema`; a mistake is CONFIG_INVALID naming `file` and the key. */
export function parseProfile<S extends z.ZodType>(schema: S, raw: unknown, file: string): z.output<S> {
  const res = schema.safeParse(raw ?? {});
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const key = (issue?.path ?? []).map(String).join('.') || '(top level)';
  throw errors.configInvalid(`profile ${file} at ${key}`, issue?.message ?? 'invalid');
}

/** Reads a profile file (JSON); CONFIG_INVALID when it is not JSON. */
export function readProfile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw errors.configInvalid(`profile ${file}`, `not a JSON file: ${(e as Error).message}`);
  }
}

/** The units a switch writes a field in. */
export type TimeUnit = 'epoch_s' | 'epoch_us' | 'local';
export type DurationUnit = 's' | 'ms' | 'us';

/** What a switch format gives SwitchCalls: which fields its records have and how they read. */
export interface CallLayout {
  /** The format, for errors. */
  format: string;
  start: TimeUnit;
  /**
   * Epoch answer and end times the record gives (null: none, or local ones). Local times are not
   * read: the end is the start plus the duration, the answer the end minus the billable time.
   */
  answer: 'epoch_s' | 'epoch_us' | null;
  end: 'epoch_s' | 'epoch_us' | null;
  billable: DurationUnit;
  /** null: the record has no total duration (billable time is used). */
  duration: DurationUnit | null;
  forwarded: boolean;
  sipUser: boolean;
  sipCallId: boolean;
  trunk: boolean;
  /** Local times: "account" or an IANA zone. */
  timeZone: string;
  numbers: z.output<typeof numbersSetting>;
  idPrefix: string;
}

/** Slot names of a call's fields in its Row. */
export const F = {
  id: 'id',
  caller: 'caller',
  callee: 'callee',
  forwarded: 'forwarded_from',
  sipUser: 'sip_user',
  start: 'start',
  answer: 'answer',
  end: 'end',
  billable: 'billable',
  duration: 'duration',
  sipCallId: 'sip_call_id',
  trunk: 'trunk',
  disposition: 'disposition',
  sipStatus: 'sip_status',
} as const;

/** The reason a FreeSWITCH B leg is filtered with: its call is billed on its A leg. */
export const B_LEG = 'B_LEG (billed on its A leg)';

/** SIP status codes as text, 100 to 699, made once (the row holds text). */
const SIP_TEXT = Array.from({ length: 700 }, (_, i) => String(i));

/** Whether s[a, b) is a SIP final or provisional status code (three digits, 100 to 699); its value, or -1. */
export function sipCodeOf(s: string, a: number, b: number): number {
  if (b - a !== 3) return -1;
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v >= 100 && v <= 699 ? v : -1;
}

/** A value quoted in a reason, cut to 40 characters. */
export const cut = (s: string): string => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/**
 * One switch format's calls: the row the format fills (slot k is column `reader.columns[k]`,
 * named by F), the built-in mapping's reader, and the account-zone reading of local times.
 */
export class SwitchCalls {
  readonly row: Row;
  private readonly reader: MappedReader;
  private readonly slots = new Map<string, number>();
  /** Local start times read as UTC wall clock, then in the account's zone. */
  private readonly accountZone: boolean;
  private readonly zones = new Map<string, Zone>();
  private readonly dispositionSlot: number;
  private readonly sipSlot: number;

  constructor(
    readonly layout: CallLayout,
    directory: Directory | null,
    private readonly accounts: AccountBook,
  ) {
    const local = layout.start === 'local';
    this.accountZone = local && layout.timeZone === 'account';
    const mapping = parseMapping(
      {
        description: `built-in mapping of --format ${layout.format}`,
        id: { fields: [F.id], prefix: layout.idPrefix },
        caller: F.caller,
        callee: F.callee,
        ...(layout.forwarded ? { forwarded_from: F.forwarded } : {}),
        ...(layout.sipUser ? { sip_user: F.sipUser } : {}),
        start: local
          ? { field: F.start, format: 'local', zone: this.accountZone ? 'UTC' : layout.timeZone }
          : { field: F.start, format: layout.start },
        ...(!local && layout.answer ? { answer: { field: F.answer, format: layout.answer } } : {}),
        ...(!local && layout.end ? { end: { field: F.end, format: layout.end } } : {}),
        billable: { field: F.billable, unit: layout.billable },
        ...(layout.duration ? { duration: { field: F.duration, unit: layout.duration } } : {}),
        disposition: F.disposition,
        sip_status: F.sipStatus,
        ...(layout.sipCallId ? { sip_call_id: F.sipCallId } : {}),
        ...(layout.trunk ? { trunk_id: F.trunk } : {}),
        numbers: layout.numbers,
      },
      `--format ${layout.format}`,
    );
    this.reader = new MappedReader(mapping, directory, accounts);
    this.reader.columns.forEach((c, k) => {
      this.slots.set(String(c), k);
    });
    this.row = newRow(this.reader.columns.length);
    this.dispositionSlot = this.slot(F.disposition);
    this.sipSlot = this.slot(F.sipStatus);
  }

  /** The slot of a field (-1 when the layout has none). */
  slot(name: string): number {
    return this.slots.get(name) ?? -1;
  }

  /** Sets slot k to s[a, b). */
  set(k: number, s: string, a: number, b: number): void {
    if (k < 0) return;
    const row = this.row;
    row.src[k] = s;
    row.beg[k] = a;
    row.fin[k] = b;
  }

  /** Sets time slot k to s[a, b), or to empty when it is an epoch of 0 (never answered). */
  setTime(k: number, s: string, a: number, b: number): void {
    if (parseScaled(s, a, b, 0) === 0) this.set(k, '', 0, 0);
    else this.set(k, s, a, b);
  }

  /** Sets slot k to the whole of s. */
  put(k: number, s: string): void {
    this.set(k, s, 0, s.length);
  }

  /** Counts the line as a FreeSWITCH B leg: FILTERED (the call is its A leg's CDR). */
  bLeg(out: LineResult): void {
    filter(out, B_LEG);
  }

  /** What became of the call: ratel's disposition and the SIP status (100 to 699). */
  outcome(disposition: Disposition, sip: number): void {
    this.put(this.dispositionSlot, disposition);
    this.put(this.sipSlot, SIP_TEXT[sip] ?? '');
  }

  /**
   * Builds the CDR of a call from the row, after `outcome` (`line` is the raw line, for errors and
   * hashed ids). A call not answered has nothing billable, whatever its billsec.
   */
  read(line: string, out: LineResult): void {
    this.reader.read(this.row, line, out);
    if (out.status !== LineStatus.CDR) return;
    const cdr = out.cdr as NonNullable<LineResult['cdr']>;
    const voice = cdr.voice;
    // Answered for 0 s with no answer time of its own (local times): answered at its end.
    if (voice !== null && voice.answer_ms === null && voice.disposition === 'ANSWERED') voice.answer_ms = voice.end_ms;
    if (!this.accountZone) return;
    const account = this.accounts.get(cdr.account_id);
    if (account === undefined) return void reject(out, `account ${cut(cdr.account_id)} is not in the accounts file`, 'SUBSCRIBER_UNKNOWN');
    let zone = this.zones.get(account.timeZone);
    if (zone === undefined) {
      zone = new Zone(account.timeZone);
      this.zones.set(account.timeZone, zone);
    }
    // start_ms holds the wall clock as if UTC: read it in the account's zone; the rest follows.
    const shift = zone.toUtc(cdr.start_ms) - cdr.start_ms;
    cdr.start_ms += shift;
    const v = cdr.voice;
    if (v !== null) {
      v.end_ms += shift;
      if (v.answer_ms !== null) v.answer_ms += shift;
    }
  }
}

/** No time: an empty field, or an epoch of 0 (the switches write 0 for a call never answered). */
export const NO_TIME = Number.NEGATIVE_INFINITY;
const isoState = { hadOffset: false };

/**
 * A time field s[a, b) in `unit`: epoch or wall-clock milliseconds (as if UTC), NO_TIME when
 * empty or 0, NaN when it does not read. Local times: "YYYY-MM-DD HH:MM:SS" (a fraction and an
 * offset are read too).
 */
export function timeOf(unit: TimeUnit, s: string, a: number, b: number): number {
  if (a >= b) return NO_TIME;
  if (unit === 'local') return parseIsoWall(s, a, b, false, isoState);
  const v = parseScaled(s, a, b, unit === 'epoch_s' ? 3 : 0);
  if (v === 0) return NO_TIME;
  return v < 0 ? Number.NaN : unit === 'epoch_s' ? v : Math.floor(v / 1000);
}

/** Microseconds of a duration s[a, b) in `unit` (a decimal; beyond µs rounded up), NaN when it does not read. */
export const microsOf = (unit: DurationUnit, s: string, a: number, b: number): number =>
  parseScaled(s, a, b, unit === 's' ? 6 : unit === 'ms' ? 3 : 0);

/** Why a duration of `micros` µs read from s[a, b) is no billable time ('' when it is one, 0 included). */
export function durationError(name: string, s: string, a: number, b: number, micros: number): string {
  if (Number.isNaN(micros)) return `${name}: "${cut(s.slice(a, b))}" is not a number of seconds`;
  if (micros < 0) return `${name}: negative (${cut(s.slice(a, b))})`;
  return '';
}
