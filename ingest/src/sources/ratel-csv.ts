/**
 * ratel's own CSV layout: one cdr.v1 record a line, its fields flattened into these columns (the
 * header line names them, in any order; a column left out is empty):
 *
 *   id, kind, account_id, user_id, start_ms, roaming_country,
 *   sip_call_id, trunk_id, caller, callee, forwarded_from, direction, answer_ms, end_ms,
 *   duration_s, billable_s, disposition, sip_status              (kind VOICE)
 *   sender, recipient, direction, parts                          (SMS, MMS)
 *   end_ms, bytes_up, bytes_down, apn                            (DATA)
 *   service, quantity, reference                                 (EVENT)
 *
 * Times are epoch milliseconds UTC, durations whole seconds, enums as in cdr.v1 (VOICE,
 * OUTBOUND, ANSWERED...). An empty cell is null for the nullable fields (roaming_country,
 * forwarded_from, answer_ms, reference) and the cdr.v1 default for parts (1), apn ("internet")
 * and quantity (1); `""` is an empty string. Cells holding a comma or a quote are quoted (RFC
 * 4180); no cell holds a line break. `ratelCsvLine` writes this layout.
 */
import type { Cdr, Direction, Disposition, UsageKind } from '@ratel/schemas';
import { errors } from '@ratel/schemas';
import { parseInt10 } from './fields.js';
import { type CdrSource, type LineResult, LineStatus, reject } from './source.js';
import { Fields, splitLine } from './tokenize.js';

export const RATEL_CSV_COLUMNS = [
  'id',
  'kind',
  'account_id',
  'user_id',
  'start_ms',
  'roaming_country',
  'sip_call_id',
  'trunk_id',
  'caller',
  'callee',
  'forwarded_from',
  'direction',
  'answer_ms',
  'end_ms',
  'duration_s',
  'billable_s',
  'disposition',
  'sip_status',
  'sender',
  'recipient',
  'parts',
  'bytes_up',
  'bytes_down',
  'apn',
  'service',
  'quantity',
  'reference',
] as const;
type Column = (typeof RATEL_CSV_COLUMNS)[number];
const C = Object.fromEntries(RATEL_CSV_COLUMNS.map((c, i) => [c, i])) as Record<Column, number>;
const REQUIRED: Column[] = ['id', 'kind', 'account_id', 'user_id', 'start_ms'];

const KINDS = new Set(['VOICE', 'SMS', 'MMS', 'DATA', 'EVENT']);
const DIRECTIONS = new Set(['OUTBOUND', 'INBOUND', 'FORWARDED']);
const DISPOSITIONS = new Set(['ANSWERED', 'NO_ANSWER', 'BUSY', 'FAILED', 'CANCELLED']);

const quoted = (s: string): string => (/[",\r\n]/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s);
const cell = (v: string | number | null | undefined, nullable = false): string =>
  v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : v === '' ? (nullable ? '""' : '') : quoted(v);

/** The header line of ratel's CSV layout. */
export const ratelCsvHeader = (): string => RATEL_CSV_COLUMNS.join(',');

/** One CDR as a line of ratel's CSV layout (no line break). */
export function ratelCsvLine(c: Cdr): string {
  const v = c.voice;
  const m = c.message;
  const d = c.data;
  const e = c.event;
  const cells: string[] = [
    cell(c.id),
    c.kind,
    cell(c.account_id),
    cell(c.user_id),
    String(c.start_ms),
    cell(c.roaming_country, true),
    cell(v?.sip_call_id),
    cell(v?.trunk_id),
    cell(v?.caller),
    cell(v?.callee),
    cell(v?.forwarded_from, true),
    v?.direction ?? m?.direction ?? '',
    cell(v?.answer_ms, true),
    cell(v?.end_ms ?? d?.end_ms),
    cell(v?.duration_s),
    cell(v?.billable_s),
    v?.disposition ?? '',
    cell(v?.sip_status),
    cell(m?.sender),
    cell(m?.recipient),
    cell(m?.parts),
    cell(d?.bytes_up),
    cell(d?.bytes_down),
    cell(d?.apn),
    cell(e?.service),
    cell(e?.quantity),
    cell(e?.reference, true),
  ];
  return cells.join(',');
}

export class RatelCsvSource implements CdrSource {
  readonly format = 'ratel-csv';
  private readonly fields = new Fields();
  /** Line column of each layout column, -1 when the file has none. */
  private readonly at = new Int32Array(RATEL_CSV_COLUMNS.length);
  private expected = 0;
  private needHeader = true;
  private file = '';
  private line = '';

  startFile(file: string): void {
    this.file = file;
    this.needHeader = true;
  }

  private header(line: string): void {
    const text = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
    const f = this.fields;
    if (!splitLine(text, 44, 34, false, f)) throw errors.inputUnreadable(this.file, `header line: ${f.error}`);
    this.at.fill(-1);
    for (let k = 0; k < f.count; k++) {
      const name = f.unquoted[k] ?? text.slice(f.starts[k], f.ends[k]);
      const col = C[name as Column];
      if (col === undefined)
        throw errors.inputUnreadable(
          this.file,
          `header: "${name.slice(0, 40)}" is not a column of ratel's CSV layout (${RATEL_CSV_COLUMNS.join(', ')})`,
        );
      if (this.at[col] !== -1) throw errors.inputUnreadable(this.file, `header: column "${name}" twice`);
      this.at[col] = k;
    }
    for (const r of REQUIRED) if (this.at[C[r]] === -1) throw errors.inputUnreadable(this.file, `header: no "${r}" column`);
    this.expected = f.count;
  }

  /** The text of layout column `col` ('' when the file has none). */
  private str(col: number): string {
    const k = this.at[col] as number;
    if (k < 0) return '';
    const f = this.fields;
    return f.unquoted[k] ?? this.line.slice(f.starts[k], f.ends[k]);
  }

  /** Whether layout column `col` is empty and unquoted (null). */
  private isNull(col: number): boolean {
    const k = this.at[col] as number;
    if (k < 0) return true;
    const f = this.fields;
    return f.unquoted[k] === null && f.starts[k] === f.ends[k];
  }

  /** An integer column: NaN when it is not one, `dflt` when empty. */
  private int(col: number, dflt = Number.NaN): number {
    const k = this.at[col] as number;
    if (k < 0) return dflt;
    const f = this.fields;
    const u = f.unquoted[k] as string | null;
    if (u !== null) return u === '' ? dflt : parseInt10(u, 0, u.length);
    const a = f.starts[k] as number;
    const b = f.ends[k] as number;
    return a === b ? dflt : parseInt10(this.line, a, b);
  }

  read(line: string, _lineNo: number, out: LineResult): void {
    if (line.length === 0) {
      out.status = LineStatus.SKIPPED;
      return;
    }
    if (this.needHeader) {
      this.needHeader = false;
      this.header(line);
      out.status = LineStatus.SKIPPED;
      return;
    }
    const f = this.fields;
    if (!splitLine(line, 44, 34, false, f)) return void reject(out, f.error);
    if (f.count !== this.expected) return void reject(out, `${f.count} columns, the header has ${this.expected}`);
    this.line = line;
    const kind = this.str(C.kind);
    if (!KINDS.has(kind)) return void reject(out, `kind "${kind.slice(0, 40)}" is not one of VOICE, SMS, MMS, DATA, EVENT`);
    const start = this.int(C.start_ms);
    if (Number.isNaN(start)) return void reject(out, 'start_ms: not an integer');
    const cdr: Cdr = {
      id: this.str(C.id),
      kind: kind as UsageKind,
      account_id: this.str(C.account_id),
      user_id: this.str(C.user_id),
      start_ms: start,
      roaming_country: this.isNull(C.roaming_country) ? null : this.str(C.roaming_country),
      voice: null,
      message: null,
      data: null,
      event: null,
    };
    const direction = this.str(C.direction);
    if (kind === 'VOICE') {
      if (!DIRECTIONS.has(direction))
        return void reject(out, `direction "${direction.slice(0, 40)}" is not one of OUTBOUND, INBOUND, FORWARDED`);
      const disposition = this.str(C.disposition);
      if (!DISPOSITIONS.has(disposition))
        return void reject(out, `disposition "${disposition.slice(0, 40)}" is not one of ${[...DISPOSITIONS].join(', ')}`);
      const answer = this.isNull(C.answer_ms) ? null : this.int(C.answer_ms);
      const end = this.int(C.end_ms);
      const duration = this.int(C.duration_s);
      const billable = this.int(C.billable_s);
      const sip = this.int(C.sip_status);
      for (const [name, v] of [
        ['answer_ms', answer ?? 0],
        ['end_ms', end],
        ['duration_s', duration],
        ['billable_s', billable],
        ['sip_status', sip],
      ] as const)
        if (Number.isNaN(v)) return void reject(out, `${name}: not an integer`);
      if (Math.abs(duration) > 2_147_483_647 || Math.abs(billable) > 2_147_483_647 || Math.abs(sip) > 2_147_483_647)
        return void reject(out, 'duration_s, billable_s or sip_status beyond 32 bits');
      cdr.voice = {
        sip_call_id: this.str(C.sip_call_id),
        trunk_id: this.str(C.trunk_id),
        caller: this.str(C.caller),
        callee: this.str(C.callee),
        forwarded_from: this.isNull(C.forwarded_from) ? null : this.str(C.forwarded_from),
        direction: direction as Direction,
        answer_ms: answer,
        end_ms: end,
        duration_s: duration,
        billable_s: billable,
        disposition: disposition as Disposition,
        sip_status: sip,
      };
    } else if (kind === 'SMS' || kind === 'MMS') {
      if (!DIRECTIONS.has(direction))
        return void reject(out, `direction "${direction.slice(0, 40)}" is not one of OUTBOUND, INBOUND, FORWARDED`);
      const parts = this.int(C.parts, 1);
      if (Number.isNaN(parts) || Math.abs(parts) > 2_147_483_647) return void reject(out, 'parts: not a 32-bit integer');
      cdr.message = { sender: this.str(C.sender), recipient: this.str(C.recipient), direction: direction as Direction, parts };
    } else if (kind === 'DATA') {
      const end = this.int(C.end_ms);
      const up = this.int(C.bytes_up);
      const down = this.int(C.bytes_down);
      if (Number.isNaN(end) || Number.isNaN(up) || Number.isNaN(down))
        return void reject(out, 'end_ms, bytes_up or bytes_down: not an integer');
      cdr.data = { end_ms: end, bytes_up: up, bytes_down: down, apn: this.isNull(C.apn) ? 'internet' : this.str(C.apn) };
    } else {
      const quantity = this.int(C.quantity, 1);
      if (Number.isNaN(quantity) || Math.abs(quantity) > 2_147_483_647) return void reject(out, 'quantity: not a 32-bit integer');
      cdr.event = { service: this.str(C.service), quantity, reference: this.isNull(C.reference) ? null : this.str(C.reference) };
    }
    out.status = LineStatus.CDR;
    out.cdr = cdr;
  }
}
