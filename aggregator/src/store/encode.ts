/**
 * Rows encoded for one engine's insert, without a store at hand (the rating workers encode their
 * rows themselves): RowBinary for ratel's tables on the ClickHouse server, JSONEachRow otherwise
 * (chDB, and tables without a RowBinary encoder). `bytes`: JSONEachRow as UTF-8 bytes rather than
 * a string, so that a worker can transfer it.
 */
import type { EncodedRows } from '@ratel/rater';
import { TABLES } from './ddl.js';
import { columnsOf, type RowEncoder, rowEncoder } from './row-binary.js';
import { type EngineName, toJsonEachRow } from './store.js';

/** ratel's tables go to the server as RowBinary (cheaper to encode and to parse than JSON); others as JSON. */
export const ROW_BINARY = new Map<string, RowEncoder>(Object.entries(TABLES).map(([t, ddl]) => [t, rowEncoder(t, columnsOf(ddl))]));

export function encodeFor(engine: EngineName, table: string, rows: readonly object[], bytes = false): EncodedRows {
  const encoder = engine === 'server' ? ROW_BINARY.get(table) : undefined;
  if (encoder !== undefined) return { table, rows: rows.length, format: 'RowBinary', data: encoder.encode(rows) };
  const text = toJsonEachRow(rows);
  return { table, rows: rows.length, format: 'JSONEachRow', data: bytes ? Buffer.from(text, 'utf8') : text };
}
