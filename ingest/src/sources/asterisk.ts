/**
 * What Asterisk's two CSV CDR backends share (cdr_csv: asterisk-csv.ts, cdr_custom:
 * asterisk-custom.ts): the CDR fields, the dispositions, and reading one record's columns into
 * a call (`AsteriskCalls`).
 *
 * Asterisk's CDR fields: accountcode, src (the caller's number), dst (the extension dialled),
 * dcontext, clid (caller id with its name: `"Alice" <1001>`), channel, dstchannel (channel names
 * such as `PJSIP/1001-0000002a`), lastapp, lastdata, start, answer, end ("YYYY-MM-DD HH:MM:SS",
 * empty when it never happened), duration (start to end) and billsec (answer to end), in whole
 * seconds, disposition (ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION, and CANCEL when cdr.conf
 * enables it), amaflags, uniqueid (the channel's), userfield, and from Asterisk 1.8 on
 * peeraccount, linkedid and sequence (a number unique to each CDR).
 *
 * - Every record is a CDR: its disposition ratel's (NO ANSWER → NO_ANSWER, CONGESTION → FAILED,
 *   CANCEL → CANCELLED), and since Asterisk's CDRs hold no SIP code, the SIP status the
 *   disposition stands for (ANSWERED 200, NO ANSWER 480, BUSY 486, FAILED 500, CONGESTION 503,
 *   CANCEL 487). Only an ANSWERED record bills its billsec; the others bill nothing, and an
 *   ANSWERED one with billsec 0 nothing either (the rater rates them at no charge, UNANSWERED).
 * - The subscriber: the SIP user of the calling channel (`PJSIP/1001-0000002a` → `1001`, the
 *   accounts file's `users[].sip_users`), else the numbers: src (caller) and dst (callee).
 *   Asterisk writes no redirecting number; a dialplan that forwards a call can write the
 *   forwarding subscriber's number to a field (e.g. `CDR(userfield)`) named in the profile's
 *   `fields.forwarded_from`, with dst the external number.
 * - The CDR id: "ast:" and the uniqueid, then the sequence when the record has one, else a hash
 *   of the line (one channel can have several CDRs with the same uniqueid: one per Dial).
 */
import type { AccountBook, Directory } from '@ratel/rater';
import type { Disposition } from '@ratel/schemas';
import { z } from 'zod';
import { hash128, parseInt10 } from './fields.js';
import { type LineResult, reject } from './source.js';
import {
  cut,
  durationError,
  F,
  idPrefixSetting,
  microsOf,
  NO_TIME,
  numbersSetting,
  SwitchCalls,
  type TimeUnit,
  timeOf,
  zoneSetting,
} from './switch-calls.js';

/** The fields of Asterisk's CDRs (lower case, as CDR() names them). */
export const CDR_FIELDS = [
  'accountcode',
  'src',
  'dst',
  'dcontext',
  'clid',
  'channel',
  'dstchannel',
  'lastapp',
  'lastdata',
  'start',
  'answer',
  'end',
  'duration',
  'billsec',
  'disposition',
  'amaflags',
  'uniqueid',
  'userfield',
  'peeraccount',
  'linkedid',
  'sequence',
] as const;

const field = z.string().min(1).max(80);

/** The profile keys both Asterisk formats have. */
export const asteriskCommon = {
  description: z.string().optional(),
  id_prefix: idPrefixSetting('ast:'),
  numbers: numbersSetting,
  /** The CDR fields the subscriber directory reads (default src, dst, none, channel). */
  fields: z.strictObject({ caller: field, callee: field, forwarded_from: field, sip_user: field }).partial().default({}),
};
export const asteriskZone = zoneSetting;

/** A column of a record: the CDR field it holds (null: one ratel does not read), and CDR() options ("f", "u"). */
export interface AsteriskColumn {
  field: string | null;
  options: string;
}

/** The settings AsteriskCalls takes from a profile. */
export interface AsteriskProfile {
  time_zone: string;
  id_prefix: string;
  numbers: z.output<typeof numbersSetting>;
  fields: { caller?: string | undefined; callee?: string | undefined; forwarded_from?: string | undefined; sip_user?: string | undefined };
}

/** Why a layout cannot be read (null when it can): a field it must have and lacks, or a field the profile names and it lacks. */
export function layoutError(columns: AsteriskColumn[], fields: AsteriskProfile['fields']): { path: string[]; message: string } | null {
  const has = (f: string) => columns.some((c) => c.field === f);
  for (const f of ['start', 'billsec'] as const) if (!has(f)) return { path: [], message: `the record has no ${f}` };
  for (const [key, dflt] of [
    ['caller', 'src'],
    ['callee', 'dst'],
  ] as const) {
    const f = fields[key];
    if (f === undefined && !has(dflt)) return { path: [], message: `the record has no ${dflt} (or name the ${key} in fields.${key})` };
  }
  for (const [key, f] of Object.entries(fields))
    if (f !== undefined && !has(f.toLowerCase())) return { path: ['fields', key], message: `the record has no field "${f}"` };
  return null;
}

/** Asterisk's dispositions: ratel's, and the SIP status each stands for (the CDR has no SIP code). */
const DISPOSITIONS = new Map<string, { disposition: Disposition; sip: number }>([
  ['ANSWERED', { disposition: 'ANSWERED', sip: 200 }],
  ['NO ANSWER', { disposition: 'NO_ANSWER', sip: 480 }],
  ['BUSY', { disposition: 'BUSY', sip: 486 }],
  ['FAILED', { disposition: 'FAILED', sip: 500 }],
  ['CONGESTION', { disposition: 'FAILED', sip: 503 }],
  ['CANCEL', { disposition: 'CANCELLED', sip: 487 }],
]);
/** The numbers CDR(disposition,u) writes. */
const DISPOSITION_NUMBERS = new Map([
  ['0', 'NO ANSWER'],
  ['1', 'NO ANSWER'],
  ['2', 'FAILED'],
  ['4', 'BUSY'],
  ['8', 'ANSWERED'],
  ['16', 'CONGESTION'],
  ['32', 'CANCEL'],
]);

/** The endpoint of a channel name: `PJSIP/1001-0000002a` → `1001` (text after the first "/", up to the last "-"). */
export function endpointOf(channel: string): string {
  const slash = channel.indexOf('/');
  if (slash < 0) return channel;
  const dash = channel.lastIndexOf('-');
  return channel.slice(slash + 1, dash > slash ? dash : channel.length);
}

/** A record split into columns: column k is src[k][starts[k], ends[k]) (the source fills it). */
export interface Columns {
  src: string[];
  starts: Int32Array;
  ends: Int32Array;
}

/** Reads an Asterisk record's columns into a call. */
export class AsteriskCalls {
  private readonly calls: SwitchCalls;
  /** The column of each CDR field the record has (its first, when a mapping names a field twice). */
  private readonly col = new Map<string, number>();
  private readonly pairs: [number, number][] = [];
  private readonly startUnit: TimeUnit;
  private readonly answerUnit: TimeUnit;
  private readonly endUnit: TimeUnit;
  private readonly rawDisposition: boolean;
  private readonly sipFromChannel: boolean;
  private readonly sipSlot: number;
  /** The column of the SIP user (-1: none). */
  private readonly sipCol: number;
  private readonly idSlot: number;
  /** The time columns to check (name, column, unit) and the duration columns (name, column). */
  private readonly times: [string, number, TimeUnit][] = [];
  private readonly durations: [string, number][] = [];
  private readonly billsecCol: number;
  private readonly dispositionCol: number;
  private readonly uniqueidCol: number;
  private readonly sequenceCol: number;
  private readonly answerCol: number;
  private readonly endCol: number;
  /** Epoch answer and end times given to the call (-1: derived from the durations). */
  private readonly answerSlot: number;
  private readonly endSlot: number;

  constructor(format: string, columns: AsteriskColumn[], p: AsteriskProfile, directory: Directory | null, accounts: AccountBook) {
    const col = this.col;
    columns.forEach((c, k) => {
      if (c.field !== null && !col.has(c.field)) col.set(c.field, k);
    });
    const opt = (f: string) => (col.has(f) ? (columns[col.get(f) as number] as AsteriskColumn).options : '');
    const unit = (f: string): TimeUnit => (opt(f).includes('u') ? 'epoch_s' : 'local');
    this.startUnit = unit('start');
    this.answerUnit = unit('answer');
    this.endUnit = unit('end');
    this.rawDisposition = opt('disposition').includes('u');
    const at = (f: string | undefined) => (f === undefined ? -1 : (col.get(f.toLowerCase()) ?? -1));
    const sipField = (p.fields.sip_user ?? 'channel').toLowerCase();
    this.sipFromChannel = sipField === 'channel' || sipField === 'dstchannel';
    const forwarded = at(p.fields.forwarded_from);
    const sip = at(sipField);
    this.calls = new SwitchCalls(
      {
        format,
        start: this.startUnit,
        answer: this.startUnit !== 'local' && this.answerUnit !== 'local' && col.has('answer') ? 'epoch_s' : null,
        end: this.startUnit !== 'local' && this.endUnit !== 'local' && col.has('end') ? 'epoch_s' : null,
        billable: 's',
        duration: col.has('duration') ? 's' : null,
        forwarded: forwarded >= 0,
        sipUser: sip >= 0,
        sipCallId: false,
        trunk: false,
        timeZone: p.time_zone,
        numbers: p.numbers,
        idPrefix: p.id_prefix,
      },
      directory,
      accounts,
    );
    const c = this.calls;
    for (const [name, k] of [
      [F.caller, at(p.fields.caller ?? 'src')],
      [F.callee, at(p.fields.callee ?? 'dst')],
      [F.forwarded, forwarded],
      [F.start, at('start')],
      [F.billable, at('billsec')],
      [F.duration, at('duration')],
    ] as const)
      if (k >= 0 && c.slot(name) >= 0) this.pairs.push([k, c.slot(name)]);
    this.sipSlot = sip >= 0 ? c.slot(F.sipUser) : -1;
    this.sipCol = sip;
    this.idSlot = c.slot(F.id);
    this.answerSlot = c.slot(F.answer);
    this.endSlot = c.slot(F.end);
    for (const [f, u] of [
      ['start', this.startUnit],
      ['answer', this.answerUnit],
      ['end', this.endUnit],
    ] as const)
      if (col.has(f)) this.times.push([f, col.get(f) as number, u]);
    for (const f of ['billsec', 'duration']) if (col.has(f)) this.durations.push([f, col.get(f) as number]);
    this.billsecCol = col.get('billsec') as number;
    this.dispositionCol = col.get('disposition') ?? -1;
    this.uniqueidCol = col.get('uniqueid') ?? -1;
    this.sequenceCol = col.get('sequence') ?? -1;
    this.answerCol = col.get('answer') ?? -1;
    this.endCol = col.get('end') ?? -1;
  }

  private setTime(r: Columns, slot: number, k: number): void {
    this.calls.setTime(slot, r.src[k] as string, r.starts[k] as number, r.ends[k] as number);
  }

  /** Column k of the record, as a string. */
  private text(r: Columns, k: number): string {
    if (k < 0) return '';
    return (r.src[k] as string).slice(r.starts[k], r.ends[k]);
  }

  read(r: Columns, line: string, out: LineResult): void {
    const c = this.calls;
    for (let k = 0; k < this.pairs.length; k++) {
      const p = this.pairs[k] as [number, number];
      c.set(p[1], r.src[p[0]] as string, r.starts[p[0]] as number, r.ends[p[0]] as number);
    }
    for (let i = 0; i < this.times.length; i++) {
      const [f, k, u] = this.times[i] as [string, number, TimeUnit];
      const s = r.src[k] as string;
      const a = r.starts[k] as number;
      const b = r.ends[k] as number;
      const t = timeOf(u, s, a, b);
      if (Number.isNaN(t) || (t === NO_TIME && f === 'start')) return void reject(out, `${f}: "${cut(s.slice(a, b))}" is not a time`);
    }
    for (let i = 0; i < this.durations.length; i++) {
      const [f, k] = this.durations[i] as [string, number];
      const s = r.src[k] as string;
      const a = r.starts[k] as number;
      const b = r.ends[k] as number;
      const bad = durationError(f, s, a, b, microsOf('s', s, a, b));
      if (bad !== '') return void reject(out, bad);
    }
    const bk = this.billsecCol;
    const billUs = microsOf('s', r.src[bk] as string, r.starts[bk] as number, r.ends[bk] as number);
    // Without a disposition column (a custom mapping): billable time, an answered call; none, a call not answered.
    let disposition = this.dispositionCol >= 0 ? this.text(r, this.dispositionCol) : billUs > 0 ? 'ANSWERED' : 'NO ANSWER';
    if (this.rawDisposition) disposition = DISPOSITION_NUMBERS.get(disposition) ?? disposition;
    const kind = DISPOSITIONS.get(disposition);
    if (kind === undefined)
      return void reject(out, `disposition "${cut(disposition)}" is not one of ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION, CANCEL`);
    c.outcome(kind.disposition, kind.sip);
    if (this.sipSlot >= 0) {
      const v = this.text(r, this.sipCol);
      c.put(this.sipSlot, this.sipFromChannel ? endpointOf(v) : v);
    }
    if (this.answerSlot >= 0) this.setTime(r, this.answerSlot, this.answerCol);
    if (this.endSlot >= 0) this.setTime(r, this.endSlot, this.endCol);
    const uniqueid = this.text(r, this.uniqueidCol);
    const sequence = this.text(r, this.sequenceCol);
    let id: string;
    if (uniqueid === '') id = hash128(line);
    else if (sequence !== '' && !Number.isNaN(parseInt10(sequence, 0, sequence.length))) id = `${uniqueid}/${sequence}`;
    else id = `${uniqueid}/${hash128(line)}`;
    c.put(this.idSlot, id);
    c.read(line, out);
  }
}
