/**
 * Addresses of the real services started by `bash deploy/services.sh up` (npm test does it).
 * Integration tests never fake them and never skip: when one is down they fail with this hint.
 */
import { openServerStore, type Store } from '@ratel/aggregator';

export const KAFKA_BROKERS = (process.env.RATEL_KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
export const CLICKHOUSE_URL = process.env.RATEL_CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';
export const HINT = 'start the services with `bash deploy/services.sh up` (npm test does this)';

/** A store in a new database `db` of the ClickHouse server; fails with HINT when the server is down. */
export async function newServerStore(db: string): Promise<Store> {
  try {
    const admin = await openServerStore(CLICKHOUSE_URL);
    await admin.exec(`CREATE DATABASE ${db}`);
    await admin.close();
    return await openServerStore(CLICKHOUSE_URL, db);
  } catch (e) {
    throw new Error(`ClickHouse server not reachable at ${CLICKHOUSE_URL}: ${HINT} (${(e as Error).message})`);
  }
}
