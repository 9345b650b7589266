/**
 * Asterisk cdr_csv files (`--format asterisk-csv`): `Master.csv` (and `<accountcode>.csv`) under
 * /var/log/asterisk/cdr-csv, one line a CDR, no header, in cdr_csv's column order:
 *
 *   accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata,
 *   start, answer, end, duration, billsec, disposition, amaflags,
 *   uniqueid (cdr.conf [csv] loguniqueid=yes), userfield (loguserfield=yes),
 *   peeraccount, linkedid, sequence (newcdrcolumns=yes)
 *
 * Text fields are quoted, a quote inside doubled; times are quoted "YYYY-MM-DD HH:MM:SS" (an
 * empty, unquoted field when the call was never answered); duration, billsec and sequence are
 * bare integers. Times are in GMT when cdr.conf says `usegmtime=yes`, else the server's local
 * time. The profile's defaults are those of Asterisk's sample cdr.conf: usegmtime=yes
 * (`time_zone` "UTC"), loguniqueid=yes, loguserfield=yes, newcdrcolumns off: 18 columns.
 */
import type { AccountBook, Directory } from '@ratel/rater';
import { z } from 'zod';
import { AsteriskCalls, type AsteriskColumn, asteriskCommon, asteriskZone, CDR_FIELDS, type Columns, layoutError } from './asterisk.js';
import { type CdrSource, type LineResult, LineStatus, reject } from './source.js';
import { Fields, splitLine } from './tokenize.js';

/** cdr_csv's columns, with cdr.conf's [csv] settings. */
export function masterCsvColumns(p: { loguniqueid: boolean; loguserfield: boolean; newcdrcolumns: boolean }): string[] {
  // The 16 columns every Master.csv has, in CDR_FIELDS' order (accountcode .. amaflags).
  const cols: string[] = CDR_FIELDS.slice(0, CDR_FIELDS.indexOf('amaflags') + 1);
  if (p.loguniqueid) cols.push('uniqueid');
  if (p.loguserfield) cols.push('userfield');
  if (p.newcdrcolumns) cols.push('peeraccount', 'linkedid', 'sequence');
  return cols;
}

export const asteriskCsvProfile = z
  .strictObject({
    ...asteriskCommon,
    /** The zone of the times: "UTC" for usegmtime=yes (the default, as Asterisk's sample cdr.conf), else the server's zone, or "account". */
    time_zone: asteriskZone.default('UTC'),
    /** cdr.conf [csv] settings: which optional columns the file has. */
    loguniqueid: z.boolean().default(true),
    loguserfield: z.boolean().default(true),
    newcdrcolumns: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    const bad = layoutError(
      masterCsvColumns(p).map((f) => ({ field: f, options: '' })),
      p.fields,
    );
    if (bad) ctx.addIssue({ code: 'custom', path: bad.path, message: bad.message });
  });
export type AsteriskCsvProfile = z.output<typeof asteriskCsvProfile>;

export class AsteriskCsvSource implements CdrSource {
  readonly format = 'asterisk-csv';
  private readonly fields = new Fields();
  private readonly calls: AsteriskCalls;
  private readonly names: string[];
  private readonly record: Columns;

  constructor(profile: AsteriskCsvProfile, directory: Directory | null, accounts: AccountBook) {
    this.names = masterCsvColumns(profile);
    const columns: AsteriskColumn[] = this.names.map((f) => ({ field: f, options: '' }));
    this.calls = new AsteriskCalls(this.format, columns, profile, directory, accounts);
    this.record = { src: new Array(columns.length).fill(''), starts: this.fields.starts, ends: this.fields.ends };
  }

  startFile(): void {}

  read(line: string, _lineNo: number, out: LineResult): void {
    if (line.trim().length === 0) {
      out.status = LineStatus.SKIPPED;
      return;
    }
    const f = this.fields;
    if (!splitLine(line, 44, 34, false, f)) return void reject(out, f.error);
    if (f.count !== this.names.length)
      return void reject(
        out,
        `${f.count} columns, cdr_csv writes ${this.names.length} with this profile (loguniqueid, loguserfield, newcdrcolumns as in cdr.conf [csv])`,
      );
    const src = this.record.src;
    for (let k = 0; k < f.count; k++) src[k] = f.unquoted[k] ?? line;
    this.calls.read(this.record, line, out);
  }
}
