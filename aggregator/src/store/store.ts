/**
 * The store: one interface, two engines (chDB embedded, ClickHouse server over HTTP), one SQL.
 * Every statement ratel sends runs on both engines, including Debian's ClickHouse 18.16, so it
 * uses no server-side query parameters, no TTL, no DateTime64 and no LowCardinality: values are
 * inlined with the literal helpers below.
 */
export type EngineName = 'chdb' | 'server';

/**
 * Rows of one table encoded for one engine's insert: RowBinary bytes (ratel's tables on the
 * server), TabSeparated bytes (the rating tables on chDB) or JSONEachRow text (a string, or its
 * UTF-8 bytes). Each format concatenates, so parts encoded apart (e.g. per batch, as soon as
 * rated, in the rating workers) go out in one insert. The type is the rater's (its workers make
 * them): see store/encode.ts.
 */
import type { EncodedRows } from '@ratel/rater';

export type { EncodedRows };

export interface Store {
  readonly engine: EngineName;
  /** A human-readable location: data folder or URL. */
  readonly where: string;
  /** Runs a statement that returns nothing (DDL, ALTER, OPTIMIZE). */
  exec(sql: string): Promise<void>;
  /** Runs a SELECT and returns its rows; 64-bit integers come back as numbers. */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Inserts rows (objects keyed by column, every column given): encode, then insertEncoded. */
  insert(table: string, rows: readonly object[]): Promise<void>;
  /** Encodes rows for a later insert; a row this engine's format cannot take is refused here. */
  encode(table: string, rows: readonly object[]): EncodedRows;
  /** Inserts parts encoded for `table` by this store, in one statement. */
  insertEncoded(table: string, parts: readonly EncodedRows[]): Promise<void>;
  close(): Promise<void>;
}

/** A SQL string literal. */
export function str(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A SQL integer literal; refuses anything but a safe integer. */
export function int(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`);
  return String(n);
}

export function strList(xs: readonly string[]): string {
  return `(${xs.map(str).join(', ')})`;
}

/** Parses JSONEachRow text (engines are set to emit 64-bit integers unquoted). */
export function parseRows<T>(text: string): T[] {
  const rows: T[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) rows.push(JSON.parse(text.slice(start, end)) as T);
    start = end + 1;
  }
  return rows;
}

export function toJsonEachRow(rows: readonly object[]): string {
  let s = '';
  for (const r of rows) s += `${JSON.stringify(r)}\n`;
  return s;
}
