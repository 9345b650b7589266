// Proves that the ClickHouse server started by `deploy/services.sh up` answers over HTTP.
// It never skips: an unreachable server is a failure that says how to start it.
import { describe, expect, it } from 'vitest';

const URL_BASE = (process.env.RATEL_CLICKHOUSE_URL ?? 'http://127.0.0.1:18123').replace(/\/+$/, '');
const HOW = `run \`bash deploy/services.sh up\` (or set RATEL_CLICKHOUSE_URL)`;

async function get(path: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(`${URL_BASE}${path}`, { ...init, signal: AbortSignal.timeout(5_000) });
  } catch (err) {
    const cause = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    throw new Error(`ClickHouse not reachable at ${URL_BASE} (${cause}): ${HOW}`);
  }
}

async function query(sql: string): Promise<string> {
  const res = await get('/', { method: 'POST', body: sql });
  const body = await res.text();
  if (!res.ok) throw new Error(`ClickHouse at ${URL_BASE} answered HTTP ${res.status} to ${JSON.stringify(sql)}: ${body.trim()}`);
  return body;
}

describe(`ClickHouse server at ${URL_BASE}`, () => {
  it('answers /ping with Ok.', async () => {
    const res = await get('/ping');
    expect(res.status).toBe(200);
    expect((await res.text()).trim()).toBe('Ok.');
  });

  it('runs SELECT version()', async () => {
    const version = (await query('SELECT version()')).trim();
    expect(version).toMatch(/^\d+\.\d+(\.\d+)*$/);
  });

  it('creates, fills and reads a MergeTree table (default user, no password)', async () => {
    const table = `ratel_deploy_check_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
    await query(`CREATE TABLE default.${table} (id UInt32, v String) ENGINE = MergeTree ORDER BY id`);
    try {
      await query(`INSERT INTO default.${table} FORMAT JSONEachRow {"id":2,"v":"b"} {"id":1,"v":"a"}`);
      expect(await query(`SELECT id, v FROM default.${table} ORDER BY id FORMAT TabSeparated`)).toBe('1\ta\n2\tb\n');
    } finally {
      await query(`DROP TABLE IF EXISTS default.${table}`);
    }
  });
});
