/**
 * FreeSWITCH mod_cdr_csv files (`--format freeswitch-csv`): `Master.csv` (or `<accountcode>.csv`)
 * under `log-base/cdr-csv`, one line a call, each line a template of cdr_csv.conf.xml with the
 * call's channel variables put in. No header line. Without a profile the template is the
 * "example" one, FreeSWITCH's `default-template`:
 *
 *   "${caller_id_name}","${caller_id_number}","${destination_number}","${context}",
 *   "${start_stamp}","${answer_stamp}","${end_stamp}","${duration}","${billsec}",
 *   "${hangup_cause}","${uuid}","${bleg_uuid}","${accountcode}","${read_codec}","${write_codec}"
 *
 * A profile (`--mapping FILE`, JSON, `freeswitchCsvProfile`) gives another template, the zone of
 * the local stamps, the variables of the directory's fields. Of the template's variables ratel
 * reads the caller (`caller_id_number`), the callee (`destination_number`), the start
 * (`start_uepoch`, `start_epoch` or `start_stamp`), the billable time (`billusec`, `billmsec` or
 * `billsec`), the duration (`uduration`, `mduration` or `duration`), the answer and end times
 * (checked), `hangup_cause`, `uuid` (the CDR id: "fs:" and the uuid), and when present
 * `rdnis` (forwarded from), `sip_auth_username` (the SIP user), `sip_call_id`,
 * `sip_gateway_name` (the trunk), `sip_term_status` (the SIP status of a call not answered) and
 * `originating_leg_uuid` (a B leg: filtered, its call is its A leg's CDR).
 *
 * Every A leg is a CDR: answered (billsec > 0, or an answer time: answered for 0 s), or not, its
 * disposition from the hangup cause and its SIP status from sip_term_status or the cause
 * (freeswitch.ts), nothing billable.
 */
import type { AccountBook, Directory } from '@ratel/rater';
import { z } from 'zod';
import { hash128 } from './fields.js';
import { ANSWER_VARS, BILLABLE_VARS, DURATION_VARS, dispositionOf, END_VARS, isCauseName, START_VARS, sipStatusOf } from './freeswitch.js';
import { type CdrSource, type LineResult, LineStatus, reject } from './source.js';
import {
  cut,
  type DurationUnit,
  durationError,
  F,
  idPrefixSetting,
  microsOf,
  NO_TIME,
  numbersSetting,
  SwitchCalls,
  sipCodeOf,
  type TimeUnit,
  timeOf,
  zoneSetting,
} from './switch-calls.js';
import { compileFsTemplate, type FsTemplate, TemplateScanner } from './templates.js';

/** The "example" template of FreeSWITCH's cdr_csv.conf.xml (its default-template). */
export const EXAMPLE_TEMPLATE =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: FreeSWITCH's own ${variable} syntax
  '"${caller_id_name}","${caller_id_number}","${destination_number}","${context}","${start_stamp}","${answer_stamp}","${end_stamp}","${duration}","${billsec}","${hangup_cause}","${uuid}","${bleg_uuid}","${accountcode}","${read_codec}","${write_codec}"';

const variable = z.string().min(1).max(200);

export const freeswitchCsvProfile = z
  .strictObject({
    description: z.string().optional(),
    /** The `<template>` of cdr_csv.conf.xml the switch writes with (default: the example template). */
    template: z.string().min(1).max(65_536).default(EXAMPLE_TEMPLATE),
    /** The zone of `*_stamp` times: FreeSWITCH writes the server's local time. "account": each subscriber's account's. */
    time_zone: zoneSetting.default('account'),
    id_prefix: idPrefixSetting('fs:'),
    numbers: numbersSetting,
    /** The variables of the fields the subscriber directory reads, instead of the defaults. */
    fields: z.strictObject({ caller: variable, callee: variable, forwarded_from: variable, sip_user: variable }).partial().default({}),
  })
  .superRefine((p, ctx) => {
    const t = compileFsTemplate(p.template);
    if (typeof t === 'string') return void ctx.addIssue({ code: 'custom', path: ['template'], message: t });
    const need = (names: readonly (readonly [string, string])[], what: string) => {
      if (!names.some(([v]) => t.vars.includes(v)))
        ctx.addIssue({
          code: 'custom',
          path: ['template'],
          message: `the template has no ${what} (${names.map(([v]) => `\${${v}}`).join(', ')})`,
        });
    };
    need(START_VARS, 'start time');
    need(BILLABLE_VARS, 'billable time');
    for (const [key, v] of Object.entries(p.fields))
      if (v !== undefined && !t.vars.includes(v))
        ctx.addIssue({ code: 'custom', path: ['fields', key], message: `the template has no \${${v}}` });
    for (const [key, v] of [
      ['caller', p.fields.caller ?? 'caller_id_number'],
      ['callee', p.fields.callee ?? 'destination_number'],
    ] as const)
      if (p.fields[key] === undefined && !t.vars.includes(v))
        ctx.addIssue({ code: 'custom', path: ['template'], message: `the template has no \${${v}} (or name the ${key} in fields.${key})` });
  });
export type FreeswitchCsvProfile = z.output<typeof freeswitchCsvProfile>;

/** The first of `names` the template has: its index and unit, or -1. */
function firstOf<U extends string>(t: FsTemplate, names: readonly (readonly [string, U])[]): { at: number; unit: U } {
  for (const [v, unit] of names) {
    const at = t.vars.indexOf(v);
    if (at >= 0) return { at, unit };
  }
  return { at: -1, unit: (names[names.length - 1] as readonly [string, U])[1] };
}

export class FreeswitchCsvSource implements CdrSource {
  readonly format = 'freeswitch-csv';
  private readonly scanner: TemplateScanner;
  private readonly calls: SwitchCalls;
  private readonly start: { at: number; unit: TimeUnit };
  private readonly answer: { at: number; unit: TimeUnit };
  private readonly end: { at: number; unit: TimeUnit };
  private readonly times: { at: number; unit: TimeUnit }[];
  private readonly billable: { at: number; unit: DurationUnit };
  private readonly duration: { at: number; unit: DurationUnit };
  private readonly names: string[];
  /** Template index of each slot of the call's row (-1: not in the template), and the slots. */
  private readonly pairs: [number, number][] = [];
  private readonly idSlot: number;
  /** Epoch answer and end times given to the call (-1: derived from the durations). */
  private readonly answerSlot: number;
  private readonly endSlot: number;
  private readonly uuid: number;
  private readonly cause: number;
  private readonly sipTerm: number;
  private readonly bLeg: number;

  constructor(profile: FreeswitchCsvProfile, directory: Directory | null, accounts: AccountBook) {
    const t = compileFsTemplate(profile.template) as FsTemplate;
    this.scanner = new TemplateScanner(t);
    this.names = t.vars;
    const at = (v: string) => t.vars.indexOf(v);
    this.start = firstOf(t, START_VARS);
    this.answer = firstOf(t, ANSWER_VARS);
    this.end = firstOf(t, END_VARS);
    this.times = [this.start, this.answer, this.end].filter((x) => x.at >= 0);
    this.billable = firstOf(t, BILLABLE_VARS);
    this.duration = firstOf(t, DURATION_VARS);
    const f = profile.fields;
    const forwarded = at(f.forwarded_from ?? 'rdnis');
    const sipUser = at(f.sip_user ?? 'sip_auth_username');
    const sipCallId = at('sip_call_id');
    const trunk = at('sip_gateway_name');
    this.uuid = at('uuid');
    this.cause = at('hangup_cause');
    this.sipTerm = at('sip_term_status');
    this.bLeg = at('originating_leg_uuid');
    this.calls = new SwitchCalls(
      {
        format: this.format,
        start: this.start.unit,
        answer: this.start.unit !== 'local' && this.answer.at >= 0 && this.answer.unit !== 'local' ? this.answer.unit : null,
        end: this.start.unit !== 'local' && this.end.at >= 0 && this.end.unit !== 'local' ? this.end.unit : null,
        billable: this.billable.unit,
        duration: this.duration.at >= 0 ? this.duration.unit : null,
        forwarded: forwarded >= 0,
        sipUser: sipUser >= 0,
        sipCallId: sipCallId >= 0,
        trunk: trunk >= 0,
        timeZone: profile.time_zone,
        numbers: profile.numbers,
        idPrefix: profile.id_prefix,
      },
      directory,
      accounts,
    );
    const c = this.calls;
    for (const [name, k] of [
      [F.caller, at(f.caller ?? 'caller_id_number')],
      [F.callee, at(f.callee ?? 'destination_number')],
      [F.forwarded, forwarded],
      [F.sipUser, sipUser],
      [F.start, this.start.at],
      [F.billable, this.billable.at],
      [F.duration, this.duration.at],
      [F.sipCallId, sipCallId],
      [F.trunk, trunk],
    ] as const)
      if (k >= 0 && c.slot(name) >= 0) this.pairs.push([k, c.slot(name)]);
    this.idSlot = c.slot(F.id);
    this.answerSlot = c.slot(F.answer);
    this.endSlot = c.slot(F.end);
  }

  startFile(): void {}

  read(line: string, _lineNo: number, out: LineResult): void {
    if (line.trim().length === 0) {
      out.status = LineStatus.SKIPPED;
      return;
    }
    const sc = this.scanner;
    if (!sc.scan(line)) return void reject(out, sc.error);
    const starts = sc.starts;
    const ends = sc.ends;
    const c = this.calls;
    for (let k = 0; k < this.pairs.length; k++) {
      const p = this.pairs[k] as [number, number];
      c.set(p[1], line, starts[p[0]] as number, ends[p[0]] as number);
    }
    // Times: each must read (or be empty); the start must be there.
    for (let i = 0; i < this.times.length; i++) {
      const t = this.times[i] as { at: number; unit: TimeUnit };
      const a = starts[t.at] as number;
      const b = ends[t.at] as number;
      const v = timeOf(t.unit, line, a, b);
      if (Number.isNaN(v) || (v === NO_TIME && t === this.start))
        return void reject(out, `${this.names[t.at]}: "${cut(line.slice(a, b))}" is not a time`);
    }
    const ba = starts[this.billable.at] as number;
    const bb = ends[this.billable.at] as number;
    const billUs = microsOf(this.billable.unit, line, ba, bb);
    const bad = durationError(this.names[this.billable.at] as string, line, ba, bb, billUs);
    if (bad !== '') return void reject(out, bad);
    if (this.duration.at >= 0) {
      const da = starts[this.duration.at] as number;
      const db = ends[this.duration.at] as number;
      const badDuration = durationError(this.names[this.duration.at] as string, line, da, db, microsOf(this.duration.unit, line, da, db));
      if (badDuration !== '') return void reject(out, badDuration);
    }
    let cause = '';
    if (this.cause >= 0) {
      const a = starts[this.cause] as number;
      const b = ends[this.cause] as number;
      if (a < b && !isCauseName(line, a, b)) return void reject(out, `hangup_cause: "${cut(line.slice(a, b))}" is not a cause name`);
      cause = line.slice(a, b);
    }
    if (this.bLeg >= 0 && (starts[this.bLeg] as number) < (ends[this.bLeg] as number)) return void c.bLeg(out);
    const answered =
      billUs > 0 ||
      (this.answer.at >= 0 && timeOf(this.answer.unit, line, starts[this.answer.at] as number, ends[this.answer.at] as number) !== NO_TIME);
    let sip = -1;
    if (!answered && this.sipTerm >= 0) {
      const a = starts[this.sipTerm] as number;
      const b = ends[this.sipTerm] as number;
      if (a < b) {
        sip = sipCodeOf(line, a, b);
        if (sip < 0) return void reject(out, `sip_term_status: "${cut(line.slice(a, b))}" is not a SIP status code`);
      }
    }
    c.outcome(dispositionOf(cause, sip, answered), sipStatusOf(cause, sip, answered));
    if (this.answerSlot >= 0) c.setTime(this.answerSlot, line, starts[this.answer.at] as number, ends[this.answer.at] as number);
    if (this.endSlot >= 0) c.setTime(this.endSlot, line, starts[this.end.at] as number, ends[this.end.at] as number);
    const uuid = this.uuid >= 0 ? line.slice(starts[this.uuid], ends[this.uuid]) : '';
    c.put(this.idSlot, uuid === '' ? hash128(line) : uuid);
    c.read(line, out);
  }
}
