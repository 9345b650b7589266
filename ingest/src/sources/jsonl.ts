/**
 * Generic JSON Lines files read through a mapping file: one JSON object a line, the mapping's
 * columns being its field names (dotted for nested objects: "call.from").
 */
import { errors } from '@ratel/schemas';
import { type MappedReader, newRow, type Row } from './mapping.js';
import { type CdrSource, jsonObjectOf, type LineResult } from './source.js';

/** The text of a JSON value as a column ('' for null and absent; objects and arrays as JSON). */
function textOf(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export class JsonLinesSource implements CdrSource {
  readonly format = 'jsonl';
  private readonly paths: string[][];
  private readonly row: Row;

  constructor(
    private readonly reader: MappedReader,
    mappingFile: string,
  ) {
    this.paths = reader.columns.map((c) => {
      if (typeof c === 'number')
        throw errors.configInvalid(`mapping ${mappingFile}`, `JSON Lines fields are named, not numbered (column ${c})`);
      return c.split('.');
    });
    this.row = newRow(reader.columns.length);
  }

  startFile(): void {}

  read(line: string, _lineNo: number, out: LineResult): void {
    const obj = jsonObjectOf(line, out);
    if (obj === null) return;
    const row = this.row;
    for (let k = 0; k < this.paths.length; k++) {
      const path = this.paths[k] as string[];
      let v: unknown = obj;
      for (let j = 0; j < path.length && v !== null && v !== undefined; j++) v = (v as Record<string, unknown>)[path[j] as string];
      const t = textOf(v);
      row.src[k] = t;
      row.beg[k] = 0;
      row.fin[k] = t.length;
    }
    this.reader.read(row, line, out);
  }
}
