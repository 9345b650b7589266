/**
 * `--format kamailio`: the dialog CDRs of Kamailio's acc module (modparam("acc", "cdr_enable", 1)),
 * one per call, as db_flatstore, db_text or the log (log_write_cdr) wrote them: start_time,
 * end_time, duration, then the profile's cdr_extra attributes (kamailio-profile.ts).
 *
 * With cdr_start_on_confirmed=1 (README "Kamailio"), start_time is the answer and duration the
 * talk time, "12.345" seconds: it is billed rounded up to the next whole second, as the mapping
 * does every fractional duration (12.000 bills 12 s, 12.001 bills 13 s), before per-second
 * pricing. A failed call (cdr_on_failed=1) has a duration of 0 and its final SIP code: a CDR with
 * nothing billable, its disposition from the code (486 BUSY, 487 CANCELLED, 408 and 480 NO_ANSWER,
 * the others FAILED), rated at no charge with the reason UNANSWERED.
 *
 * The CDR id is the profile's prefix, the Call-ID and the two dialog tags, the smaller first:
 * the same for the call whoever hung up (a BYE from the callee has From and To the other way
 * round) and whichever storage wrote it, and the same as `--format kamailio-acc` gives the call.
 */
import type { AccountBook, Directory } from '@ratel/rater';
import { errors } from '@ratel/schemas';
import { fieldsOf, type KamailioField, type KamailioProfile } from './kamailio-profile.js';
import { type DbTextLayout, FileStorage, FlatstoreLayout, type Layout, LogLayout, Split, Values } from './kamailio-records.js';
import { MappedReader, parseMapping } from './mapping.js';
import { type CdrSource, type LineResult, LineStatus, reject } from './source.js';

/** The generated mapping's fields that come straight from an attribute. */
const TEXT_FIELDS = ['caller', 'callee', 'sip_user', 'forwarded_from', 'account', 'user'] as const;

/**
 * The mapping a profile's records are read with (mapping.ts does the rest: numbers, the
 * subscriber directory, direction, the rounding of durations). Its columns are the names of
 * the CDR fields; the sources fill them from wherever the record holds them.
 */
export function kamailioMapping(
  p: KamailioProfile,
  f: Record<KamailioField, number>,
  time: { format: 'epoch_s' } | { format: 'epoch_ms' } | { format: 'local'; zone: string },
  billable: { field: string; unit: 's' | 'us' },
  name: string,
): ReturnType<typeof parseMapping> {
  const tags = f.from_tag >= 0 || f.to_tag >= 0;
  const raw: Record<string, unknown> = {
    id: { fields: tags ? ['call_id', 'tag_lo', 'tag_hi'] : ['call_id'], prefix: p.id_prefix },
    start: { field: 'start', ...time },
    answer: { field: 'start', ...time },
    end: { field: 'end', ...time },
    billable,
    sip_call_id: 'call_id',
    trunk_id: f.trunk_id >= 0 ? 'trunk_id' : { value: p.trunk_id },
    numbers: p.numbers,
  };
  for (const k of TEXT_FIELDS) if (f[k] >= 0) raw[k] = k;
  if (f.sip_code >= 0) raw.sip_status = 'sip_code';
  return parseMapping(raw, name);
}

/** CONFIG_INVALID unless the attributes hold what a rated call needs: the Call-ID, the callee, and who to bill. */
export function checkFields(f: Record<KamailioField, number>, listKey: string, file: string, core: readonly KamailioField[] = []): void {
  const has = (k: KamailioField) => core.includes(k) || f[k] >= 0;
  const where = `kamailio profile ${file} at ${listKey}`;
  if (!has('call_id'))
    throw errors.configInvalid(
      where,
      'no attribute holds the Call-ID ($ci, or named callid): CDR ids would not be stable; add one, or name it in fields.call_id',
    );
  if (!has('callee'))
    throw errors.configInvalid(where, 'no attribute holds the callee ($tU, $rU, or named dst_user): add one, or name it in fields.callee');
  if (!has('caller') && !has('sip_user') && !has('account'))
    throw errors.configInvalid(
      where,
      'no attribute says who to bill (the caller $fU, a SIP user $au, or an account): add one, or name it in fields',
    );
}

/** Whether s[a, b) sorts after t[c, d) (UTF-16 code units, as < on strings). */
export function rangeAfter(s: string, a: number, b: number, t: string, c: number, d: number): boolean {
  const n = Math.min(b - a, d - c);
  for (let i = 0; i < n; i++) {
    const x = s.charCodeAt(a + i);
    const y = t.charCodeAt(c + i);
    if (x !== y) return x > y;
  }
  return b - a > d - c;
}

export class KamailioCdrSource implements CdrSource {
  readonly format = 'kamailio';
  private readonly names: string[];
  private readonly values: Values;
  private readonly fields: Record<KamailioField, number>;
  private readonly flatstore: FlatstoreLayout;
  private readonly log: LogLayout;
  /**
   * Readers by time format: epoch seconds, or UTC date-times (time_mode 4, databases only). Both
   * read the record's values as their row (slotOf): the values of the attributes, then the two
   * tags, the smaller first, and an empty value for the fields no attribute holds.
   */
  private readonly epochReader: MappedReader;
  private readonly utcReader: MappedReader | null;
  /** The slots after the record's values: the smaller tag, the larger, and an empty value. */
  private readonly tagLo: number;
  private readonly tagHi: number;
  private readonly none: number;
  private readonly marker: string;
  /** The values holding the From and To tags (-1: none). */
  private readonly ft: number;
  private readonly tt: number;
  private readonly at: FileStorage;

  constructor(
    readonly profile: KamailioProfile,
    profileName: string,
    directory: Directory | null,
    accounts: AccountBook,
  ) {
    const p = profile;
    this.names = [p.cdr_start_id, p.cdr_end_id, p.cdr_duration_id, ...p.cdr_extra.map((e) => e.name)];
    const n = this.names.length;
    this.tagLo = n;
    this.tagHi = n + 1;
    this.none = n + 2;
    this.values = new Values(n + 3);
    this.fields = fieldsOf(p, p.cdr_extra, 'cdr_extra', profileName);
    checkFields(this.fields, 'cdr_extra', profileName);
    this.ft = this.fields.from_tag >= 0 ? 3 + this.fields.from_tag : -1;
    this.tt = this.fields.to_tag >= 0 ? 3 + this.fields.to_tag : -1;
    this.flatstore = new FlatstoreLayout(this.names, p.flatstore.delimiter, p.flatstore.encode_delimiter);
    this.log = new LogLayout(this.names, '; ');
    this.marker = `${p.cdr_start_id}=`;
    this.at = new FileStorage(p.storage, this.names, this.marker, 'a log line');
    const billable = { field: 'duration', unit: 's' } as const;
    const slotOf = (c: string | number) => this.slotOf(c);
    this.epochReader = new MappedReader(
      kamailioMapping(p, this.fields, { format: 'epoch_s' }, billable, profileName),
      directory,
      accounts,
      slotOf,
    );
    this.utcReader =
      p.time_mode === 4
        ? new MappedReader(
            kamailioMapping(p, this.fields, { format: 'local', zone: 'UTC' }, billable, profileName),
            directory,
            accounts,
            slotOf,
          )
        : null;
  }

  /** The value of the record that holds a column of the readers. */
  private slotOf(c: string | number): number {
    switch (c) {
      case 'start':
        return 0;
      case 'end':
        return 1;
      case 'duration':
        return 2;
      case 'tag_lo':
        return this.tagLo;
      case 'tag_hi':
        return this.tagHi;
      default: {
        const f = this.fields[c as KamailioField];
        return f >= 0 ? 3 + f : this.none;
      }
    }
  }

  startFile(file: string): void {
    this.at.startFile(file);
  }

  read(line: string, _lineNo: number, out: LineResult): void {
    const storage = this.at.judge(line, this.flatstore, this.values, out);
    if (storage === null) return;
    const layout: Layout = storage === 'log' ? this.log : storage === 'flatstore' ? this.flatstore : (this.at.dbText as DbTextLayout);
    const v = this.values;
    const got = layout.split(line, v);
    if (got === Split.OTHER) {
      out.status = LineStatus.FILTERED;
      out.cdr = null;
      return;
    }
    if (got === Split.BAD) return void reject(out, `${storage} record: ${layout.error}`);
    setTags(v, this.ft, this.tt, this.tagLo, this.tagHi);
    (this.utcReader !== null && storage !== 'log' ? this.utcReader : this.epochReader).read(v, line, out);
  }
}

/** Sets values lo and hi to the tags ft and tt (value indexes, -1 for none), the smaller first. */
export function setTags(v: Values, ft: number, tt: number, lo: number, hi: number): void {
  let a = ft;
  let b = tt;
  if (
    ft >= 0 &&
    tt >= 0 &&
    rangeAfter(v.src[ft] as string, v.beg[ft] as number, v.fin[ft] as number, v.src[tt] as string, v.beg[tt] as number, v.fin[tt] as number)
  ) {
    a = tt;
    b = ft;
  }
  copyValue(v, a, lo);
  copyValue(v, b, hi);
}

/** Value `to` set to value `from` (empty when from is -1). */
function copyValue(v: Values, from: number, to: number): void {
  if (from < 0) {
    v.src[to] = '';
    v.beg[to] = 0;
    v.fin[to] = 0;
    return;
  }
  v.src[to] = v.src[from] as string;
  v.beg[to] = v.beg[from] as number;
  v.fin[to] = v.fin[from] as number;
}
