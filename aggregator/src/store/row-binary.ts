/**
 * Compiled row encoders for ratel's tables: RowBinary for the ClickHouse server (what it parses
 * fastest, and cheaper to write than JSON) and TabSeparated for chDB (whose raw insert takes text
 * formats only). Column names and types come from the table's DDL (ddl.ts), so the two never
 * drift apart. Only the types ratel's tables use are supported.
 */
import { RowWriter } from './row-writer.js';

export { RowWriter };

export type ColumnType = 'String' | 'UInt32' | 'Int64' | 'Array(String)';

export interface Column {
  name: string;
  type: ColumnType;
}

const TYPES = new Set<string>(['String', 'UInt32', 'Int64', 'Array(String)']);

/** The columns of a CREATE TABLE statement, in order; throws on a type this encoder lacks. */
export function columnsOf(ddl: string): Column[] {
  const open = ddl.indexOf('(');
  let depth = 0;
  let close = open;
  for (; close < ddl.length; close++) {
    if (ddl[close] === '(') depth++;
    else if (ddl[close] === ')' && --depth === 0) break;
  }
  const body = ddl.slice(open + 1, close);
  const columns: Column[] = [];
  let part = '';
  depth = 0;
  for (const ch of `${body},`) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      const m = /^\s*(\w+)\s+(.+?)\s*$/s.exec(part);
      if (!m) throw new Error(`cannot read column "${part.trim()}"`);
      const type = m[2] as string;
      if (!TYPES.has(type)) throw new Error(`column ${m[1]}: type ${type} has no RowBinary encoder`);
      columns.push({ name: m[1] as string, type: type as ColumnType });
      part = '';
    } else part += ch;
  }
  return columns;
}

/**
 * Encodes rows of one table: `encode(rows)` gives their bytes in a buffer of their own;
 * `encodeInto(w, rows)` appends them to a writer (several tables' rows in one buffer).
 */
export interface RowEncoder {
  readonly columns: readonly Column[];
  encode(rows: readonly object[]): Buffer;
  encodeInto(w: RowWriter, rows: readonly object[]): void;
}

/** Where a column's value is read from a row (a JavaScript expression of `r`), and whether it is bytes to write as base64. */
export interface ColumnSource {
  expr: string;
  base64?: boolean;
}

/**
 * Compiles an encoder for a table's columns. The per-column code is generated once (as avsc does
 * for Avro records), so each field is read by its constant name: no keyed lookup per value. A
 * row missing a column or holding a value its type cannot take is refused, named by table, row
 * and column. `sources` reads some columns from elsewhere in the row than a field of their name
 * (the CDR archive encodes its rows straight from the rater's accepted CDRs).
 */
export function rowEncoder(table: string, columns: readonly Column[], sources: Record<string, ColumnSource> = {}): RowEncoder {
  return compile(table, columns, 'RowBinary', sources);
}

/** As rowEncoder, in ClickHouse's TabSeparated format (chDB parses it several times faster than JSON). */
export function tsvEncoder(table: string, columns: readonly Column[], sources: Record<string, ColumnSource> = {}): RowEncoder {
  return compile(table, columns, 'TabSeparated', sources);
}

function compile(
  table: string,
  columns: readonly Column[],
  format: 'RowBinary' | 'TabSeparated',
  sources: Record<string, ColumnSource>,
): RowEncoder {
  const tsv = format === 'TabSeparated';
  const lines: string[] = [];
  columns.forEach((col, c) => {
    const src = sources[col.name];
    const v = src?.expr ?? `r[${JSON.stringify(col.name)}]`;
    const end = tsv ? ` w.tsvEnd(${c === columns.length - 1});` : '';
    if (src?.base64) {
      lines.push(`v = ${v}; if (!(v instanceof Uint8Array)) w.refuse(i, ${c}, v); w.${tsv ? 'tsvBase64' : 'base64'}(v);${end}`);
      return;
    }
    switch (col.type) {
      case 'String':
        lines.push(`v = ${v}; if (typeof v !== 'string') w.refuse(i, ${c}, v); w.${tsv ? 'tsvString' : 'string'}(v);${end}`);
        break;
      case 'Int64':
        lines.push(`v = ${v}; if (!Number.isSafeInteger(v)) w.refuse(i, ${c}, v); w.${tsv ? 'tsvInt' : 'int64'}(v);${end}`);
        break;
      case 'UInt32':
        lines.push(`v = ${v}; if (typeof v !== 'number' || v >>> 0 !== v) w.refuse(i, ${c}, v); w.${tsv ? 'tsvInt' : 'uint32'}(v);${end}`);
        break;
      case 'Array(String)':
        lines.push(`v = ${v}; if (!Array.isArray(v)) w.refuse(i, ${c}, v); w.${tsv ? 'tsvStrings' : 'strings'}(v, i, ${c});${end}`);
        break;
    }
  });
  const body = new Function('w', 'rows', `let v; for (let i = 0; i < rows.length; i++) { const r = rows[i]; ${lines.join(' ')} }`) as (
    w: RowWriter,
    rows: readonly object[],
  ) => void;
  return {
    columns,
    encode(rows) {
      const w = new RowWriter(tsv ? 'chdb' : 'server', rows.length * 12 * columns.length);
      w.section(table, columns);
      body(w, rows);
      return w.done();
    },
    encodeInto(w, rows) {
      w.section(table, columns);
      body(w, rows);
    },
  };
}
