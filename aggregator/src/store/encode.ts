/**
 * Rows encoded for one engine's insert, without a store at hand (the rating workers encode their
 * rows themselves): RowBinary for ratel's tables on the ClickHouse server; on chDB, TabSeparated
 * for the rating tables (archived CDRs, rated events, alerts: what every batch writes) and
 * JSONEachRow for the others, as for tables without an encoder. `bytes`: JSONEachRow as UTF-8
 * bytes rather than a string, so that a worker can transfer it.
 */
import type { Accepted, EncodedRows, RatedRows } from '@ratel/rater';
import { cdrType } from '@ratel/schemas';
import { TABLES } from './ddl.js';
import { columnsOf, type RowEncoder, RowWriter, rowEncoder, tsvEncoder } from './row-binary.js';
import { type EngineName, toJsonEachRow } from './store.js';

/** ratel's tables go to the server as RowBinary (cheaper to encode and to parse than JSON); others as JSON. */
export const ROW_BINARY = new Map<string, RowEncoder>(Object.entries(TABLES).map(([t, ddl]) => [t, rowEncoder(t, columnsOf(ddl))]));

/** The tables every rated batch writes: TabSeparated on chDB. */
const RATING_TABLES = ['cdrs', 'rated_events', 'alerts'] as const;
export const TSV = new Map<string, RowEncoder>(RATING_TABLES.map((t) => [t, tsvEncoder(t, columnsOf(TABLES[t]))]));

export function encodeFor(engine: EngineName, table: string, rows: readonly object[], bytes = false): EncodedRows {
  const encoder = (engine === 'server' ? ROW_BINARY : TSV).get(table);
  if (encoder !== undefined)
    return { table, rows: rows.length, format: engine === 'server' ? 'RowBinary' : 'TabSeparated', data: encoder.encode(rows) };
  const text = toJsonEachRow(rows);
  return { table, rows: rows.length, format: 'JSONEachRow', data: bytes ? Buffer.from(text, 'utf8') : text };
}

/**
 * The `cdrs` archive rows of accepted CDRs, encoded straight from them: the account, month, id
 * and start of each, and its Avro body as received written as base64 (encoded when the CDR came
 * without one). No row object, no base64 string per CDR.
 */
const ARCHIVE_SOURCES = {
  account_id: { expr: 'r.cdr.account_id' },
  month: { expr: 'r.month' },
  cdr_id: { expr: 'r.cdr.id' },
  start_ms: { expr: 'r.cdr.start_ms' },
  record: { expr: 'r.body', base64: true },
};
const ARCHIVE = {
  server: rowEncoder('cdrs', columnsOf(TABLES.cdrs), ARCHIVE_SOURCES),
  chdb: tsvEncoder('cdrs', columnsOf(TABLES.cdrs), ARCHIVE_SOURCES),
};

/** Accepted CDRs, each with its Avro body (encoded here for those that came without one). */
function withBodies(accepted: readonly Accepted[]): readonly Accepted[] {
  return accepted.some((a) => a.body === undefined)
    ? accepted.map((a) => (a.body ? a : { ...a, body: cdrType.toBuffer(a.cdr) }))
    : accepted;
}

/**
 * A rated batch's rows (archived CDRs, rated events, alerts) encoded one after the other in one
 * buffer, `into` when given (grown if the rows do not fit), the three parts views of it.
 */
export function encodeRatedRows(engine: EngineName, rows: RatedRows, into: Buffer | null = null): EncodedRows[] {
  const format = engine === 'server' ? 'RowBinary' : 'TabSeparated';
  const tables = engine === 'server' ? ROW_BINARY : TSV;
  const w = new RowWriter(engine, 512 * rows.events.length + 320 * rows.accepted.length + 128 * rows.alerts.length, into);
  ARCHIVE[engine].encodeInto(w, withBodies(rows.accepted));
  const a = w.at;
  (tables.get('rated_events') as RowEncoder).encodeInto(w, rows.events);
  const b = w.at;
  (tables.get('alerts') as RowEncoder).encodeInto(w, rows.alerts);
  const buf = w.buffer;
  return [
    { table: 'cdrs', rows: rows.accepted.length, format, data: buf.subarray(0, a) },
    { table: 'rated_events', rows: rows.events.length, format, data: buf.subarray(a, b) },
    { table: 'alerts', rows: rows.alerts.length, format, data: buf.subarray(b, w.at) },
  ];
}
