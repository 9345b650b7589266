/**
 * Finding: ClickHouse credentials worked only inside the URL, and the password then appeared in
 * STORE_UNREACHABLE and in every retry warning (24 times in a 10 s outage). The password is now
 * a config key, credentials in the URL are moved out of it, and every message names the server
 * without them.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { openServerStore } from '@ratel/aggregator';
import { loadConfig, withRetry } from '@ratel/ingest';
import { describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '../../ingest/dist/cli.js');
const PASSWORD = 'pw-in-url-7f3a9c';
const URL_WITH_PASSWORD = `http://ratel:${PASSWORD}@127.0.0.1:1`;

describe('regression: ClickHouse password in error messages', () => {
  it('STORE_UNREACHABLE names the server, not the password in its URL', async () => {
    const e = await openServerStore(URL_WITH_PASSWORD).catch((x: unknown) => x as Error & { code: string });
    expect((e as { code: string }).code).toBe('STORE_UNREACHABLE');
    expect((e as Error).message).toContain('http://127.0.0.1:1');
    expect((e as Error).message).not.toContain(PASSWORD);
  });

  it('the config keeps the password out of store.url', () => {
    const c = loadConfig({ env: { RATEL_CLICKHOUSE_URL: URL_WITH_PASSWORD } });
    expect([c.store.url, c.store.username, c.store.password]).toEqual(['http://127.0.0.1:1', 'ratel', PASSWORD]);
  });

  it('retry warnings of an outage do not carry it either', async () => {
    const c = loadConfig({ env: { RATEL_CLICKHOUSE_URL: URL_WITH_PASSWORD } });
    const warnings: string[] = [];
    await withRetry(() => openServerStore(c.store.url, 'default', { username: c.store.username, password: c.store.password }), {
      deadlineMs: 300,
      initialMs: 5,
      maxMs: 20,
      onRetry: (_attempt, e) => warnings.push(String((e as Error).message)),
    }).catch((e: unknown) => warnings.push(String((e as Error).message)));
    expect(warnings.length).toBeGreaterThan(0);
    for (const w of warnings) expect(w).not.toContain(PASSWORD);
  });

  it('`ratel summary` against it prints one STORE_UNREACHABLE line without the password', () => {
    const r = spawnSync(process.execPath, [CLI, 'summary', '--month', '2026-10'], {
      env: { ...process.env, RATEL_STORE_ENGINE: 'server', RATEL_CLICKHOUSE_URL: URL_WITH_PASSWORD, RATEL_LOG_LEVEL: 'debug' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ratel: STORE_UNREACHABLE ClickHouse not reachable at http:\/\/127\.0\.0\.1:1/m);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });
});
