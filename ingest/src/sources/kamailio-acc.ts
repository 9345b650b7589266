/**
 * `--format kamailio-acc`: Kamailio's classic per-transaction acc records (acc_db_request,
 * acc_log_request: the acc table, missed_calls, the "ACC: transaction answered" log lines), for
 * operators who run no dialog CDRs, paired into calls. Each record is method, from_tag, to_tag,
 * Call-ID, SIP code and reason, time (time_mode's columns), then the profile's db_extra (or
 * log_extra) attributes.
 *
 * Pairing, by Call-ID and the two tags (the smaller first, so a BYE sent by the callee matches):
 * - an INVITE answered 2xx starts a call at its time; the call's BYE ends it, and the call is a
 *   CDR at whichever of the two is read last (files of several Kamailio processes, read in name
 *   order, may hold them either way round). Its billable time is BYE time minus INVITE time,
 *   rounded up to the next whole second. Caller, callee and the rest come from the INVITE.
 * - an INVITE that failed (3xx to 6xx, failed_transaction_flag or missed_call_flag) is an
 *   unanswered call at once: nothing billable, its disposition from the code. 401 and 407 are
 *   authentication challenges the caller answers with a new INVITE: filtered, not calls.
 * - a second 2xx INVITE of a call held or ended (a re-INVITE), a failed one (a refused
 *   re-INVITE), a second BYE, and the other methods (CANCEL, ACK, REGISTER…) are filtered.
 * - what is still unpaired when the import ends (an INVITE with no BYE, a BYE with no INVITE)
 *   goes to the dead letters through `finish`, with its own line.
 * A call's CDR id is the one `--format kamailio` gives the same call's dialog CDR.
 */
import type { AccountBook, Directory } from '@ratel/rater';
import type { ErrorCode } from '@ratel/schemas';
import { parseInt10, parseIsoWall, parseScaled, Zone } from './fields.js';
import { checkFields, kamailioMapping, rangeAfter } from './kamailio.js';
import { fieldsOf, type KamailioField, type KamailioProfile } from './kamailio-profile.js';
import { type DbTextLayout, FileStorage, FlatstoreLayout, type Layout, LogLayout, Split, Values } from './kamailio-records.js';
import { MappedReader, newRow, type Row } from './mapping.js';
import { type CdrSource, type HeldLine, type LineResult, LineStatus, reject } from './source.js';

/** The fields a call's CDR is built from, in the order of `VIRTUAL`. */
const VIRTUAL = [
  'start',
  'end',
  'bill',
  'call_id',
  'tag_lo',
  'tag_hi',
  'sip_code',
  'caller',
  'callee',
  'sip_user',
  'forwarded_from',
  'trunk_id',
  'account',
  'user',
] as const;
const V_START = 0;
const V_END = 1;
const V_BILL = 2;
const V_CALL_ID = 3;
const V_TAG_LO = 4;
const V_TAG_HI = 5;
const V_SIP_CODE = 6;
/** VIRTUAL[V_ROLES + k] is ROLE_FIELDS[k]: the fields the extra attributes hold. */
const V_ROLES = 7;
const ROLE_FIELDS = ['caller', 'callee', 'sip_user', 'forwarded_from', 'trunk_id', 'account', 'user'] as const;
const CORE: KamailioField[] = ['call_id', 'from_tag', 'to_tag', 'sip_code', 'sip_reason'];

/** Ended calls remembered (to filter their late re-INVITEs and second BYEs), the oldest forgotten first. */
const DONE_KEPT = 1_000_000;

/** The columns of one storage's records. */
interface Columns {
  layout: Layout;
  method: number;
  fromTag: number;
  toTag: number;
  callId: number;
  code: number;
  /** Seconds (time / timestamp), and time_mode's extra column(s), -1 when none. */
  time: number;
  attr: number;
  exten: number;
  /** The value holding each of ROLE_FIELDS, -1 when none. */
  roles: Int32Array;
}

interface Held {
  at: HeldLine;
  us: number;
  /** An INVITE: its call's fields (VIRTUAL order), times left empty. */
  values: string[] | null;
}

export class KamailioAccSource implements CdrSource {
  readonly format = 'kamailio-acc';
  private readonly db: { names: string[]; roles: Int32Array; time: { time: number; attr: number; exten: number } };
  private readonly flat: Columns;
  private readonly log: Columns;
  private dbText: Columns | null = null;
  private readonly values: Values;
  private readonly reader: MappedReader;
  private readonly row: Row;
  /** For each column of the reader, its VIRTUAL index. */
  private readonly slots: Int32Array;
  private readonly virt: string[] = VIRTUAL.map(() => '');
  private readonly zone: Zone | null;
  private readonly invites = new Map<string, Held>();
  private readonly byes = new Map<string, Held>();
  private readonly done = new Map<string, true>();
  private readonly at: FileStorage;
  private file = '';

  constructor(
    private readonly profile: KamailioProfile,
    profileName: string,
    directory: Directory | null,
    accounts: AccountBook,
  ) {
    const p = profile;
    const timeCols = p.time_mode === 1 ? [p.time_attr, p.time_exten] : p.time_mode === 0 ? [] : [p.time_attr];
    const dbExtra = p.db_extra;
    const logExtra = p.log_extra ?? p.db_extra;
    const dbFields = fieldsOf(p, dbExtra, 'db_extra', profileName, CORE);
    const logFields = fieldsOf(p, logExtra, p.log_extra ? 'log_extra' : 'db_extra', profileName, CORE);
    checkFields(dbFields, 'db_extra', profileName, CORE);
    checkFields(logFields, p.log_extra ? 'log_extra' : 'db_extra', profileName, CORE);
    const dbNames = [
      'method',
      'from_tag',
      'to_tag',
      'callid',
      'sip_code',
      'sip_reason',
      'time',
      ...timeCols,
      ...dbExtra.map((e) => e.name),
    ];
    const logTime = p.time_mode === 1 ? [p.time_exten] : p.time_mode === 0 ? [] : [p.time_attr];
    const logNames = ['timestamp', ...logTime, 'method', 'from_tag', 'to_tag', 'call_id', 'code', 'reason', ...logExtra.map((e) => e.name)];
    const dbRoles = rolesOf(dbFields, 7 + timeCols.length);
    // The database's time is "time" (seconds), then time_attr and time_exten; the log's is
    // "timestamp" (seconds), then time_exten (time_mode 1) or time_attr (2 to 4).
    const dbTime = { time: 6, attr: p.time_mode >= 1 ? 7 : -1, exten: p.time_mode === 1 ? 8 : -1 };
    const logTimeCols = { time: 0, attr: p.time_mode >= 2 ? 1 : -1, exten: p.time_mode === 1 ? 1 : -1 };
    this.db = { names: dbNames, roles: dbRoles, time: dbTime };
    this.at = new FileStorage(p.storage, dbNames, ';method=', 'an acc log line');
    this.flat = columns(new FlatstoreLayout(dbNames, p.flatstore.delimiter, p.flatstore.encode_delimiter), dbRoles, dbTime);
    this.log = columns(new LogLayout(logNames, ';'), rolesOf(logFields, 7 + logTime.length), logTimeCols);
    this.values = new Values(Math.max(dbNames.length, logNames.length));
    // Every field an attribute of either list holds is a column of the reader.
    const any = {} as Record<KamailioField, number>;
    for (const k of Object.keys(dbFields) as KamailioField[]) any[k] = Math.max(dbFields[k], logFields[k]);
    any.call_id = 0;
    any.from_tag = 0;
    any.to_tag = 0;
    any.sip_code = 0;
    this.reader = new MappedReader(
      kamailioMapping(p, any, { format: 'epoch_ms' }, { field: 'bill', unit: 'us' }, profileName),
      directory,
      accounts,
    );
    this.row = newRow(this.reader.columns.length);
    this.slots = Int32Array.from(
      this.reader.columns.map((c) => {
        const i = (VIRTUAL as readonly string[]).indexOf(c as string);
        if (i < 0) throw new Error(`kamailio-acc: no value for column ${String(c)}`);
        return i;
      }),
    );
    this.zone = p.time_mode === 3 ? new Zone(p.time_zone as string) : null;
  }

  startFile(file: string): void {
    this.file = file;
    this.at.startFile(file);
    this.dbText = null;
  }

  read(line: string, lineNo: number, out: LineResult): void {
    const storage = this.at.judge(line, this.flat.layout, this.values, out);
    if (storage === null) return;
    if (storage === 'db_text') this.dbText ??= columns(this.at.dbText as DbTextLayout, this.db.roles, this.db.time);
    const c = storage === 'log' ? this.log : storage === 'flatstore' ? this.flat : (this.dbText as Columns);
    const v = this.values;
    const got = c.layout.split(line, v);
    if (got === Split.OTHER) return void filtered(out);
    if (got === Split.BAD) return void reject(out, `${storage} record: ${c.layout.error}`);
    this.record(c, v, line, lineNo, out);
  }

  private record(c: Columns, v: Values, line: string, lineNo: number, out: LineResult): void {
    const invite = is(v, c.method, 'INVITE');
    if (!invite && !is(v, c.method, 'BYE')) return void filtered(out);
    const us = this.timeUs(c, v);
    if (!(us >= 0)) return void reject(out, `time: not a time of time_mode ${this.profile.time_mode}`);
    if (v.empty(c.callId)) return void reject(out, 'empty Call-ID');
    // The call's key: Call-ID and both tags, the smaller first.
    let lo = c.fromTag;
    let hi = c.toTag;
    if (
      rangeAfter(
        v.src[lo] as string,
        v.beg[lo] as number,
        v.fin[lo] as number,
        v.src[hi] as string,
        v.beg[hi] as number,
        v.fin[hi] as number,
      )
    ) {
      lo = c.toTag;
      hi = c.fromTag;
    }
    const callId = v.text(c.callId);
    const tagLo = v.text(lo);
    const tagHi = v.text(hi);
    const key = `${callId}\n${tagLo}\n${tagHi}`;
    const at: HeldLine = { file: this.file, line: lineNo, raw: line };
    if (!invite) {
      if (this.done.has(key)) return void filtered(out);
      const inv = this.invites.get(key);
      if (inv === undefined) {
        if (!this.byes.has(key)) this.byes.set(key, { at, us, values: null });
        return void held(out);
      }
      this.invites.delete(key);
      return void this.call(key, inv, us, line, out);
    }
    const code = parseInt10(v.src[c.code] as string, v.beg[c.code] as number, v.fin[c.code] as number);
    if (!(code >= 100 && code <= 699)) return void reject(out, `sip_code "${cut(v.text(c.code))}" is not a SIP status code`);
    if (code < 200 || code === 401 || code === 407) return void filtered(out);
    if (this.done.has(key)) return void filtered(out);
    const pending = this.invites.get(key);
    if (code >= 300) {
      // A refused re-INVITE of a call held (its INVITE, or its BYE, read already): not a call.
      if (pending !== undefined || this.byes.has(key)) return void filtered(out);
      this.remember(key);
      const f = this.fieldsOf(c, v, callId, tagLo, tagHi);
      const ms = String(Math.floor(us / 1000));
      f[V_START] = ms;
      f[V_END] = ms;
      f[V_BILL] = '0';
      return void this.emit(f, line, out);
    }
    if (pending !== undefined) {
      // A re-INVITE, or the initial INVITE read after a re-INVITE (another process's file): the
      // call starts at the earlier, with its numbers (a re-INVITE may come from the callee).
      if (us < pending.us) {
        pending.us = us;
        pending.at = at;
        pending.values = this.fieldsOf(c, v, callId, tagLo, tagHi);
      }
      return void filtered(out);
    }
    const inv: Held = { at, us, values: this.fieldsOf(c, v, callId, tagLo, tagHi) };
    const bye = this.byes.get(key);
    if (bye === undefined) {
      this.invites.set(key, inv);
      return void held(out);
    }
    this.byes.delete(key);
    this.call(key, inv, bye.us, line, out);
  }

  /** The CDR of an answered call, at the line that completed it. */
  private call(key: string, inv: Held, byeUs: number, line: string, out: LineResult): void {
    this.remember(key);
    if (byeUs < inv.us)
      return void reject(out, `BYE at ${byeUs / 1e6} s before its INVITE's answer at ${inv.us / 1e6} s (${inv.at.file}:${inv.at.line})`);
    const f = inv.values as string[];
    f[V_START] = String(Math.floor(inv.us / 1000));
    f[V_END] = String(Math.floor(byeUs / 1000));
    f[V_BILL] = String(byeUs - inv.us);
    this.emit(f, line, out);
  }

  private emit(f: string[], line: string, out: LineResult): void {
    const row = this.row;
    const slots = this.slots;
    for (let k = 0; k < slots.length; k++) {
      const s = f[slots[k] as number] as string;
      row.src[k] = s;
      row.beg[k] = 0;
      row.fin[k] = s.length;
    }
    this.reader.read(row, line, out);
  }

  /** A record's fields for its call's CDR (VIRTUAL order). */
  private fieldsOf(c: Columns, v: Values, callId: string, tagLo: string, tagHi: string): string[] {
    const f = this.virt.slice();
    f[V_CALL_ID] = callId;
    f[V_TAG_LO] = tagLo;
    f[V_TAG_HI] = tagHi;
    f[V_SIP_CODE] = v.text(c.code);
    for (let k = 0; k < ROLE_FIELDS.length; k++) {
      const i = c.roles[k] as number;
      f[V_ROLES + k] = i < 0 ? '' : v.text(i);
    }
    return f;
  }

  private remember(key: string): void {
    this.done.set(key, true);
    if (this.done.size > DONE_KEPT) this.done.delete(this.done.keys().next().value as string);
  }

  /** The record's time in µs since the epoch (NaN when it does not read). */
  private timeUs(c: Columns, v: Values): number {
    const mode = this.profile.time_mode;
    const s = (k: number) => v.src[k] as string;
    if (mode === 0 || (mode === 1 && c.attr < 0)) {
      const sec = parseInt10(s(c.time), v.beg[c.time] as number, v.fin[c.time] as number);
      if (mode === 0) return sec * 1e6;
      const usec = parseInt10(s(c.exten), v.beg[c.exten] as number, v.fin[c.exten] as number);
      return usec >= 0 && usec < 1e6 ? sec * 1e6 + usec : Number.NaN;
    }
    if (mode === 1) {
      const sec = parseInt10(s(c.attr), v.beg[c.attr] as number, v.fin[c.attr] as number);
      const usec = parseInt10(s(c.exten), v.beg[c.exten] as number, v.fin[c.exten] as number);
      return usec >= 0 && usec < 1e6 ? sec * 1e6 + usec : Number.NaN;
    }
    if (mode === 2) return parseScaled(s(c.attr), v.beg[c.attr] as number, v.fin[c.attr] as number, 6);
    const wall = parseIsoWall(s(c.attr), v.beg[c.attr] as number, v.fin[c.attr] as number, false, ISO);
    if (Number.isNaN(wall) || ISO.hadOffset) return Number.NaN;
    return (this.zone === null ? wall : this.zone.toUtc(wall)) * 1000;
  }

  finish(rejectHeld: (at: HeldLine, code: ErrorCode, reason: string) => void): void {
    for (const inv of this.invites.values())
      rejectHeld(
        inv.at,
        'CDR_UNRATEABLE',
        'answered INVITE with no BYE in the files imported: the call has no end (import it with the file holding its BYE)',
      );
    for (const bye of this.byes.values())
      rejectHeld(
        bye.at,
        'CDR_UNRATEABLE',
        'BYE with no answered INVITE in the files imported: the call has no start (import it with the file holding its INVITE)',
      );
    this.invites.clear();
    this.byes.clear();
  }
}

const ISO = { hadOffset: false };

/** The columns of a layout whose core columns are named as acc's database (callid, sip_code, time) or its log (call_id, code, timestamp) names them. */
function columns(layout: Layout, roles: Int32Array, time: { time: number; attr: number; exten: number }): Columns {
  const n = layout.names;
  const log = layout instanceof LogLayout;
  return {
    layout,
    method: n.indexOf('method'),
    fromTag: n.indexOf('from_tag'),
    toTag: n.indexOf('to_tag'),
    callId: n.indexOf(log ? 'call_id' : 'callid'),
    code: n.indexOf(log ? 'code' : 'sip_code'),
    ...time,
    roles,
  };
}

/** The value index of each of ROLE_FIELDS in a record whose extras start at `base`. */
function rolesOf(f: Record<KamailioField, number>, base: number): Int32Array {
  return Int32Array.from(ROLE_FIELDS.map((r) => (f[r] >= 0 ? base + f[r] : -1)));
}

/** Whether value k is `t`. */
function is(v: Values, k: number, t: string): boolean {
  const a = v.beg[k] as number;
  return (v.fin[k] as number) - a === t.length && (v.src[k] as string).startsWith(t, a);
}

function filtered(out: LineResult): void {
  out.status = LineStatus.FILTERED;
  out.cdr = null;
}

function held(out: LineResult): void {
  out.status = LineStatus.SKIPPED;
  out.cdr = null;
}

const cut = (s: string): string => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
