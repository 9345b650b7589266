/** Server engine: a ClickHouse server over HTTP through @clickhouse/client. */
import { Readable } from 'node:stream';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { errors } from '@ratel/schemas';
import { TABLES } from './ddl.js';
import { columnsOf, type RowEncoder, rowEncoder } from './row-binary.js';
import { type EncodedRows, type Store, toJsonEachRow } from './store.js';

/** ratel's tables go in as RowBinary (cheaper to encode and to parse than JSON); others as JSON. */
const ROW_BINARY = new Map<string, RowEncoder>(Object.entries(TABLES).map(([t, ddl]) => [t, rowEncoder(t, columnsOf(ddl))]));

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET']);

const isNetworkError = (e: unknown): boolean => {
  const code = (e as { code?: string; cause?: { code?: string } })?.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  return code !== undefined && NETWORK_CODES.has(code);
};

export async function openServerStore(url: string, database = 'default'): Promise<Store> {
  const client: ClickHouseClient = createClient({
    url,
    database,
    // ratel reports errors itself (typed, once); the client's own logger stays quiet.
    log: { level: ClickHouseLogLevel.OFF },
    // Shorter than the server's keep-alive timeout, so an idle socket is never reused after the
    // server closed it (which shows as EPIPE / socket hang up).
    keep_alive: { enabled: true, idle_socket_ttl: 1000 },
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  const fail = (sql: string, e: unknown): never => {
    throw isNetworkError(e) ? errors.storeUnreachable(url, e) : errors.storeQueryFailed('server', sql, e);
  };
  try {
    const ok = await client.ping();
    if (!ok.success) throw ok.error;
  } catch (e) {
    await client.close();
    throw errors.storeUnreachable(url, e);
  }
  const store: Store = {
    engine: 'server',
    where: url,
    async exec(sql) {
      try {
        await client.command({ query: sql });
      } catch (e) {
        fail(sql, e);
      }
    },
    async query<T>(sql: string) {
      try {
        const rs = await client.query({ query: sql, format: 'JSONEachRow' });
        return (await rs.json()) as T[];
      } catch (e) {
        return fail(sql, e);
      }
    },
    encode(table, rows): EncodedRows {
      const encoder = ROW_BINARY.get(table);
      if (encoder === undefined) return { table, rows: rows.length, format: 'JSONEachRow', data: toJsonEachRow(rows) };
      return { table, rows: rows.length, format: 'RowBinary', data: encoder.encode(rows) };
    },
    async insert(table, rows) {
      await store.insertEncoded(table, [store.encode(table, rows)]);
    },
    async insertEncoded(table, parts) {
      const some = parts.filter((p) => p.rows > 0);
      const first = some[0];
      if (first === undefined) return;
      const columns = ROW_BINARY.get(table)?.columns.map((c) => c.name);
      const query =
        first.format === 'RowBinary'
          ? `INSERT INTO ${table} (${columns?.join(', ')}) FORMAT RowBinary`
          : `INSERT INTO ${table} FORMAT JSONEachRow`;
      try {
        const res = await client.exec({ query, values: Readable.from(some.map((p) => p.data)) });
        await new Promise<void>((ok, ko) => res.stream.on('end', ok).on('error', ko).resume());
      } catch (e) {
        fail(`INSERT INTO ${table}`, e);
      }
    },
    async close() {
      await client.close();
    },
  };
  return store;
}
