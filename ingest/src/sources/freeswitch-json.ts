/**
 * FreeSWITCH mod_json_cdr files (`--format freeswitch-json`): one JSON document a call, as
 * mod_json_cdr writes it to `log-dir` (one file a call, `<uuid>.cdr.json` or `a_<uuid>.cdr.json`,
 * the document on one line), or many such documents, one a line (JSON Lines). A document holds
 * `channel_data`, `variables` (the channel variables, values URL-encoded when json_cdr.conf.xml's
 * `encode-values` is true, its default), `app_log`, `callflow` (the caller profiles) and more.
 *
 * Read from it: the start (`variables.start_uepoch`, else `start_epoch`), the billable time
 * (`billusec`, else `billmsec`, else `billsec`), the duration (`uduration`, `mduration`,
 * `duration`), whether it was answered (`answer_uepoch` / `answer_epoch` not 0), `hangup_cause`,
 * `uuid` (the CDR id: "fs:" and the uuid), `sip_call_id`, `sip_gateway_name` (the trunk),
 * `sip_term_status` (the SIP status of a call not answered); the caller, callee, forwarded-from
 * number and SIP user from the first of their paths (`fields`, below) that is not empty. Every A
 * leg is a CDR, answered or not: its disposition from the hangup cause, its SIP status from
 * sip_term_status or the cause (freeswitch.ts), nothing billable when it was not answered. mod_json_cdr writes one `callflow` key per caller profile, newest
 * first: JSON.parse keeps the last, the call as it came in (an array of them: its last element).
 * A B leg (`variables.originating_leg_uuid`, or a caller profile with an `originator`) is
 * filtered: mod_json_cdr logs B legs by default (`log-b-leg`), and the call is its A leg's CDR.
 */
import type { AccountBook, Directory } from '@ratel/rater';
import { z } from 'zod';
import { hash128, parseScaled } from './fields.js';
import { dispositionOf, isCauseName, sipStatusOf } from './freeswitch.js';
import { type CdrSource, jsonObjectOf, type LineResult, reject } from './source.js';
import { cut, F, idPrefixSetting, numbersSetting, SwitchCalls, sipCodeOf } from './switch-calls.js';

const paths = z.array(z.string().min(1).max(200)).min(1).max(8);

/** Where the directory's fields are, by default: the first path that is not empty. */
export const JSON_FIELDS = {
  caller: ['variables.caller_id_number', 'callflow.caller_profile.caller_id_number'],
  callee: ['variables.destination_number', 'callflow.caller_profile.destination_number'],
  forwarded_from: ['variables.rdnis', 'callflow.caller_profile.rdnis'],
  sip_user: ['variables.sip_auth_username'],
};

export const freeswitchJsonProfile = z.strictObject({
  description: z.string().optional(),
  id_prefix: idPrefixSetting('fs:'),
  numbers: numbersSetting,
  /** json_cdr.conf.xml's `encode-values`: variables are URL-encoded (default true, as FreeSWITCH's). */
  encode_values: z.boolean().default(true),
  /** "a": B legs are filtered (default); "ab": every document is a call. */
  legs: z.enum(['a', 'ab']).default('a'),
  /** Paths (dotted) of the directory's fields, tried in order, instead of the defaults (JSON_FIELDS). */
  fields: z.strictObject({ caller: paths, callee: paths, forwarded_from: paths, sip_user: paths }).partial().default({}),
});
export type FreeswitchJsonProfile = z.output<typeof freeswitchJsonProfile>;

type Obj = Record<string, unknown>;

/** The value at a dotted path (arrays: their last element), undefined when absent. */
function at(doc: Obj, path: string[]): unknown {
  let v: unknown = doc;
  for (let j = 0; j < path.length; j++) {
    while (Array.isArray(v)) v = v[v.length - 1];
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Obj)[path[j] as string];
  }
  while (Array.isArray(v)) v = v[v.length - 1];
  return v;
}

/** Thrown by text() on a value that is not URL-encoding; caught by read(). */
class BadValue extends Error {}

export class FreeswitchJsonSource implements CdrSource {
  readonly format = 'freeswitch-json';
  private readonly calls: SwitchCalls;
  /** Each directory field's slot and paths; values under `variables` are URL-decoded (encode-values), the callflow's are not. */
  private readonly fieldPaths: [number, { path: string[]; decode: boolean }[]][];
  private readonly slots: {
    id: number;
    start: number;
    answer: number;
    end: number;
    billable: number;
    duration: number;
    sipCallId: number;
    trunk: number;
  };
  private readonly decode: boolean;
  private readonly bLegs: boolean;

  constructor(profile: FreeswitchJsonProfile, directory: Directory | null, accounts: AccountBook) {
    this.decode = profile.encode_values;
    this.bLegs = profile.legs === 'ab';
    this.calls = new SwitchCalls(
      {
        format: this.format,
        start: 'epoch_us',
        answer: 'epoch_us',
        end: 'epoch_us',
        billable: 'us',
        duration: 'us',
        forwarded: true,
        sipUser: true,
        sipCallId: true,
        trunk: true,
        timeZone: 'UTC',
        numbers: profile.numbers,
        idPrefix: profile.id_prefix,
      },
      directory,
      accounts,
    );
    const c = this.calls;
    const split = (ps: string[]) => ps.map((p) => ({ path: p.split('.'), decode: p.startsWith('variables.') }));
    this.fieldPaths = [
      [c.slot(F.caller), split(profile.fields.caller ?? JSON_FIELDS.caller)],
      [c.slot(F.callee), split(profile.fields.callee ?? JSON_FIELDS.callee)],
      [c.slot(F.forwarded), split(profile.fields.forwarded_from ?? JSON_FIELDS.forwarded_from)],
      [c.slot(F.sipUser), split(profile.fields.sip_user ?? JSON_FIELDS.sip_user)],
    ];
    this.slots = {
      id: c.slot(F.id),
      start: c.slot(F.start),
      answer: c.slot(F.answer),
      end: c.slot(F.end),
      billable: c.slot(F.billable),
      duration: c.slot(F.duration),
      sipCallId: c.slot(F.sipCallId),
      trunk: c.slot(F.trunk),
    };
  }

  startFile(): void {}

  /** The text of a value ('' when absent, null, or an object), URL-decoded when the profile says so (and `decode`). */
  private text(v: unknown, decode = true): string {
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
    if (typeof v !== 'string') return '';
    if (!decode || !this.decode || v.indexOf('%') < 0) return v;
    try {
      return decodeURIComponent(v);
    } catch {
      throw new BadValue(`"${cut(v)}" is not URL-encoded text (encode-values)`);
    }
  }

  /** Microseconds of the first of `names` (variables, with their scales) that is set; NaN when it does not read, NONE when none is set. */
  private micros(vars: Obj, names: readonly (readonly [string, number])[], out: { name: string }): number {
    for (const [name, scale] of names) {
      const t = this.text(vars[name]);
      if (t === '') continue;
      out.name = name;
      return parseScaled(t, 0, t.length, scale);
    }
    return NONE;
  }

  read(line: string, _lineNo: number, out: LineResult): void {
    const doc = jsonObjectOf(line, out, ' (mod_json_cdr writes a document on one line; pretty-printed JSON is not read)');
    if (doc === null) return;
    const vars = (doc as Obj).variables;
    if (vars === null || typeof vars !== 'object' || Array.isArray(vars))
      return void reject(out, 'no "variables" object (not a mod_json_cdr document)');
    try {
      this.readDoc(doc as Obj, vars as Obj, line, out);
    } catch (e) {
      if (!(e instanceof BadValue)) throw e;
      reject(out, e.message);
    }
  }

  private readDoc(doc: Obj, vars: Obj, line: string, out: LineResult): void {
    const c = this.calls;
    const s = this.slots;
    const which = { name: '' };
    const startUs = this.micros(vars, START, which);
    if (startUs === NONE) return void reject(out, 'no start_uepoch or start_epoch');
    if (!(startUs > 0)) return void reject(out, `${which.name}: not a time`);
    const answerUs = this.micros(vars, ANSWER, which);
    if (answerUs !== NONE && !(answerUs >= 0)) return void reject(out, `${which.name}: not a time`);
    const endUs = this.micros(vars, END, which);
    if (endUs !== NONE && !(endUs >= 0)) return void reject(out, `${which.name}: not a time`);
    const billUs = this.micros(vars, BILLABLE, which);
    if (billUs === NONE) return void reject(out, 'no billusec, billmsec or billsec');
    if (Number.isNaN(billUs)) return void reject(out, `${which.name}: not a number of seconds`);
    if (billUs < 0) return void reject(out, `${which.name}: negative`);
    const durUs = this.micros(vars, DURATION, which);
    if (durUs !== NONE && !(durUs >= 0)) return void reject(out, `${which.name}: not a non-negative number of seconds`);
    const cause = this.text(vars.hangup_cause);
    if (cause !== '' && !isCauseName(cause, 0, cause.length)) return void reject(out, `hangup_cause: "${cut(cause)}" is not a cause name`);
    if (!this.bLegs && (this.text(vars.originating_leg_uuid) !== '' || at(doc, ORIGINATOR) !== undefined)) return void c.bLeg(out);
    const answered = billUs > 0 || answerUs > 0;
    let sip = -1;
    if (!answered) {
      const t = this.text(vars.sip_term_status);
      if (t !== '') {
        sip = sipCodeOf(t, 0, t.length);
        if (sip < 0) return void reject(out, `sip_term_status: "${cut(t)}" is not a SIP status code`);
      }
    }
    c.outcome(dispositionOf(cause, sip, answered), sipStatusOf(cause, sip, answered));
    for (const [slot, ps] of this.fieldPaths) {
      let v = '';
      for (let k = 0; k < ps.length && v === ''; k++) {
        const p = ps[k] as { path: string[]; decode: boolean };
        v = this.text(at(doc, p.path), p.decode);
      }
      c.put(slot, v);
    }
    c.put(s.start, String(startUs));
    c.put(s.answer, answerUs > 0 ? String(answerUs) : '');
    c.put(s.end, endUs > 0 ? String(endUs) : '');
    c.put(s.billable, String(billUs));
    c.put(s.duration, durUs === NONE ? '' : String(durUs));
    c.put(s.sipCallId, this.text(vars.sip_call_id));
    c.put(s.trunk, this.text(vars.sip_gateway_name));
    const uuid = this.text(vars.uuid) || this.text(at(doc, UUID), false);
    c.put(s.id, uuid === '' ? hash128(line) : uuid);
    c.read(line, out);
  }
}

/** No such variable in the document. */
const NONE = Number.NEGATIVE_INFINITY;
const START = [
  ['start_uepoch', 0],
  ['start_epoch', 6],
] as const;
const ANSWER = [
  ['answer_uepoch', 0],
  ['answer_epoch', 6],
] as const;
const END = [
  ['end_uepoch', 0],
  ['end_epoch', 6],
] as const;
const BILLABLE = [
  ['billusec', 0],
  ['billmsec', 3],
  ['billsec', 6],
] as const;
const DURATION = [
  ['uduration', 0],
  ['mduration', 3],
  ['duration', 6],
] as const;
const ORIGINATOR = ['callflow', 'caller_profile', 'originator'];
const UUID = ['callflow', 'caller_profile', 'uuid'];
