/**
 * Asterisk cdr_custom files (`--format asterisk-custom`): the files of cdr_custom.conf's
 * `[mappings]` (under /var/log/asterisk/cdr-custom), one line a CDR written with the mapping's
 * template. The profile (`--mapping FILE`) gives that template, the line as in cdr_custom.conf:
 *
 *   Master.csv => ${CSV_QUOTE(${CDR(clid)})},${CSV_QUOTE(${CDR(src)})},...,${CDR(sequence)}
 *
 * Columns are split at the template's separator (the first of , ; | tab : between its fields);
 * `${CSV_QUOTE(...)}` values are quoted with a quote inside doubled. `${CDR(start)}` is the
 * server's local time ("YYYY-MM-DD HH:MM:SS": read in `time_zone`, by default the account's),
 * `${CDR(start,u)}` epoch seconds; `${CDR(billsec,f)}` a decimal number of seconds (a started
 * second is billed); `${CDR(disposition,u)}` the disposition's number. Other columns (literals,
 * `${EPOCH}`, CDR variables) are read only when the profile's `fields` names them.
 */
import type { AccountBook, Directory } from '@ratel/rater';
import { z } from 'zod';
import { AsteriskCalls, asteriskCommon, asteriskZone, type Columns, layoutError } from './asterisk.js';
import { type CdrSource, type LineResult, LineStatus, reject } from './source.js';
import { type CustomMapping, compileCustomMapping } from './templates.js';
import { Fields, splitLine } from './tokenize.js';

export const asteriskCustomProfile = z
  .strictObject({
    ...asteriskCommon,
    /** The `[mappings]` line of cdr_custom.conf the files were written with. */
    template: z.string().min(1).max(65_536),
    /** The zone of CDR(start), CDR(answer), CDR(end): the server's; "account" (default): each subscriber's account's. */
    time_zone: asteriskZone.default('account'),
  })
  .superRefine((p, ctx) => {
    const m = compileCustomMapping(p.template);
    if (typeof m === 'string') return void ctx.addIssue({ code: 'custom', path: ['template'], message: m });
    const bad = layoutError(m.columns, p.fields);
    if (bad) ctx.addIssue({ code: 'custom', path: bad.path.length > 0 ? bad.path : ['template'], message: bad.message });
  });
export type AsteriskCustomProfile = z.output<typeof asteriskCustomProfile>;

export class AsteriskCustomSource implements CdrSource {
  readonly format = 'asterisk-custom';
  private readonly fields = new Fields();
  private readonly calls: AsteriskCalls;
  private readonly mapping: CustomMapping;
  private readonly delim: number;
  private readonly record: Columns;

  constructor(profile: AsteriskCustomProfile, directory: Directory | null, accounts: AccountBook) {
    this.mapping = compileCustomMapping(profile.template) as CustomMapping;
    this.delim = this.mapping.separator.charCodeAt(0);
    this.calls = new AsteriskCalls(this.format, this.mapping.columns, profile, directory, accounts);
    this.record = { src: new Array(this.mapping.columns.length).fill(''), starts: this.fields.starts, ends: this.fields.ends };
  }

  startFile(): void {}

  read(line: string, _lineNo: number, out: LineResult): void {
    if (line.trim().length === 0) {
      out.status = LineStatus.SKIPPED;
      return;
    }
    const f = this.fields;
    if (!splitLine(line, this.delim, 34, false, f)) return void reject(out, f.error);
    const n = this.mapping.columns.length;
    if (f.count !== n) return void reject(out, `${f.count} columns, the template has ${n}`);
    const src = this.record.src;
    for (let k = 0; k < n; k++) src[k] = f.unquoted[k] ?? line;
    this.calls.read(this.record, line, out);
  }
}
