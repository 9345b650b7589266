/** Embedded engine: chDB in-process, persisting to a data folder. */
import { mkdirSync } from 'node:fs';
import { errors } from '@ratel/schemas';
import { Session } from 'chdb';
import { TABLES, type TableName } from './ddl.js';
import { encodeFor } from './encode.js';
import { columnsOf } from './row-binary.js';
import { type EncodedRows, parseRows, type Store } from './store.js';

/**
 * The tables every rated batch writes, whose readers all read through FINAL (or group by key):
 * their inserts skip the merge chDB otherwise runs on each inserted block (optimize_on_insert),
 * which collapsed a block's rows of one key as a background merge would. Rows of one key in one
 * insert then stay until that merge, as rows of one key from two inserts always could; FINAL gives
 * the same answer. It cost about a quarter of chDB's CPU per CDR in the month job (bench/RESULTS.md,
 * 2026-12-02). The server (18.16) has no such setting.
 */
export const NO_MERGE_ON_INSERT = new Set(['cdrs', 'rated_events', 'alerts']);
const NO_MERGE_SETTINGS = { optimize_on_insert: 0 };

export function openChdbStore(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true });
  let session: Session;
  try {
    session = new Session(dataDir);
    session.query('SET output_format_json_quote_64bit_integers = 0');
  } catch (e) {
    throw errors.storeUnreachable(`chdb:${dataDir}`, e);
  }
  const run = async (sql: string, format?: string): Promise<string> => {
    try {
      const r = await session.queryAsync(sql, format ? { format } : {});
      return r.text();
    } catch (e) {
      throw errors.storeQueryFailed('chdb', sql, e);
    }
  };
  const store: Store = {
    engine: 'chdb',
    where: dataDir,
    async exec(sql) {
      await run(sql);
    },
    async query<T>(sql: string) {
      return parseRows<T>(await run(sql, 'JSONEachRow'));
    },
    encode(table, rows): EncodedRows {
      return encodeFor('chdb', table, rows);
    },
    async insert(table, rows) {
      await store.insertEncoded(table, [store.encode(table, rows)]);
    },
    async insertEncoded(table, parts) {
      const some = parts.filter((p) => p.rows > 0);
      if (some.length === 0) return;
      // Parts encoded in the rating workers are bytes: chDB takes them as they are.
      // One part (a grouping sink's gathered rows) goes as it is, not copied.
      const values =
        some.length === 1
          ? (some[0] as EncodedRows).data
          : some.every((p) => typeof p.data === 'string')
            ? some.map((p) => p.data).join('')
            : Buffer.concat(some.map((p) => (typeof p.data === 'string' ? Buffer.from(p.data, 'utf8') : p.data)));
      const format = (some[0] as EncodedRows).format;
      if (some.some((p) => p.format !== format))
        throw new Error(`INSERT INTO ${table}: parts of ${[...new Set(some.map((p) => p.format))].join(' and ')}`);
      const settings = NO_MERGE_ON_INSERT.has(table) ? NO_MERGE_SETTINGS : undefined;
      try {
        await session.insert(
          format === 'TabSeparated'
            ? { table, values, format: 'TabSeparated', columns: columnsOf(TABLES[table as TableName]).map((c) => c.name), settings }
            : { table, values, format: 'JSONEachRow', settings },
        );
      } catch (e) {
        throw errors.storeQueryFailed('chdb', `INSERT INTO ${table}`, e);
      }
    },
    async close() {
      session.close();
    },
  };
  return store;
}
