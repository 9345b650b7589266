/**
 * Generic delimited files (CSV, TSV, pipe-separated) read through a mapping file: the header
 * line (or the mapping's column numbers) gives where each mapped column is, every line is split
 * by scanning (tokenize.ts) and the mapping builds its CDR (mapping.ts).
 */
import { errors } from '@ratel/schemas';
import { type MappedReader, type Mapping, newRow, type Row } from './mapping.js';
import { type CdrSource, type LineResult, LineStatus, reject } from './source.js';
import { Fields, splitLine } from './tokenize.js';

export const DELIMITERS = { csv: ',', tsv: '\t', psv: '|' } as const;
export type DelimitedFormat = keyof typeof DELIMITERS;

export class DelimitedSource implements CdrSource {
  private readonly delim: number;
  private readonly quote: number;
  private readonly fields = new Fields();
  private readonly row: Row;
  /** Column index (in the line) of each slot of the reader. */
  private colOf: Int32Array | null = null;
  /** Columns every line must have (the header's count), or 0 without header. */
  private expected = 0;
  private minColumns = 0;
  private needHeader = false;
  private file = '';

  constructor(
    readonly format: DelimitedFormat,
    private readonly mapping: Mapping,
    private readonly reader: MappedReader,
  ) {
    this.delim = (mapping.delimiter ?? DELIMITERS[format]).charCodeAt(0);
    this.quote = mapping.quote.charCodeAt(0);
    this.row = newRow(reader.columns.length);
  }

  startFile(file: string): void {
    this.file = file;
    this.needHeader = this.mapping.header;
    this.expected = 0;
    if (this.needHeader) {
      this.colOf = null;
      return;
    }
    const cols = this.reader.columns.map((c) => {
      if (typeof c === 'string')
        throw errors.configInvalid(
          `mapping for ${file}`,
          `column "${c}" is named, but the mapping has "header": false (number the columns from 1)`,
        );
      return c - 1;
    });
    this.colOf = Int32Array.from(cols);
    this.minColumns = cols.reduce((m, c) => Math.max(m, c + 1), 0);
  }

  private header(line: string): void {
    const text = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
    const f = this.fields;
    if (!splitLine(text, this.delim, this.quote, true, f)) throw errors.inputUnreadable(this.file, `header line: ${f.error}`);
    const names: string[] = [];
    for (let k = 0; k < f.count; k++) names.push(f.unquoted[k] ?? text.slice(f.starts[k], f.ends[k]));
    const cols = this.reader.columns.map((c) => {
      const i = typeof c === 'number' ? c - 1 : names.indexOf(c);
      if (i < 0 || i >= names.length)
        throw errors.inputUnreadable(
          this.file,
          `the mapping reads column ${JSON.stringify(c)}, which the header line does not have (it has ${names
            .slice(0, 30)
            .map((n) => JSON.stringify(n))
            .join(', ')})`,
        );
      return i;
    });
    this.colOf = Int32Array.from(cols);
    this.expected = names.length;
  }

  read(line: string, _lineNo: number, out: LineResult): void {
    // Blank: a line that starts with a visible ASCII character is not (trim only for the others).
    const c0 = line.charCodeAt(0);
    if (!(c0 > 32 && c0 < 127) && line.trim().length === 0) {
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
    if (!splitLine(line, this.delim, this.quote, true, f)) return void reject(out, f.error);
    if (this.expected > 0 ? f.count !== this.expected : f.count < this.minColumns)
      return void reject(
        out,
        `${f.count} columns, ${this.expected > 0 ? `the header has ${this.expected}` : `the mapping reads column ${this.minColumns}`}`,
      );
    const colOf = this.colOf as Int32Array;
    const row = this.row;
    for (let k = 0; k < colOf.length; k++) {
      const c = colOf[k] as number;
      const u = f.unquoted[c];
      row.src[k] = u ?? line;
      row.beg[k] = f.starts[c] as number;
      row.fin[k] = f.ends[c] as number;
    }
    this.reader.read(row, line, out);
  }
}
