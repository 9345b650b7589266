/** `ratel ingest-http` refusing to start: one clear line and exit 2 (the running server is tested in tests/integration/http-ingest.test.ts). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const cli = join(import.meta.dirname, '../../../ingest/dist/cli.js');
const golden = join(import.meta.dirname, '../sources/golden');
const dir = mkdtempSync(join(tmpdir(), 'ratel-ingest-http-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TOKEN = 'sixteen-chars-or-more-token';

function ratel(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RATEL_')));
  const r = spawnSync(process.execPath, [cli, 'ingest-http', ...args], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stderr: r.stderr.trim(), stdout: r.stdout };
}

describe('ratel ingest-http refusing to start', () => {
  it('without a token, even on loopback', () => {
    const r = ratel([]);
    expect([r.code, r.stderr]).toEqual([
      2,
      'ratel: CONFIG_INVALID config httpIngest.token (RATEL_HTTP_INGEST_TOKEN): ratel ingest-http needs a bearer token (at least 16 characters): every POST /v1/cdrs must present it',
    ]);
  });
  it('off loopback without a token (the config itself refuses), and with a token too short', () => {
    expect(ratel(['--host', '0.0.0.0']).stderr).toMatch(
      /^ratel: CONFIG_INVALID config httpIngest\.token \(RATEL_HTTP_INGEST_TOKEN\): .*off loopback/,
    );
    expect(ratel([], { RATEL_HTTP_INGEST_TOKEN: 'short' }).stderr).toMatch(/at least 16 characters/);
  });
  it('a generic format mapped without accounts, a broken mapping, an unreachable broker', () => {
    const mapping = join(golden, 'national-numbers/mapping.json');
    expect(ratel([], { RATEL_HTTP_INGEST_TOKEN: TOKEN, RATEL_HTTP_INGEST_CSV_MAPPING: mapping }).stderr).toMatch(
      /^ratel: USAGE_INVALID httpIngest\.mappings\.csv is set: the generic formats need the accounts/,
    );
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"start": 3}');
    const r = ratel(['--accounts-file', join(golden, 'accounts.json')], {
      RATEL_HTTP_INGEST_TOKEN: TOKEN,
      RATEL_HTTP_INGEST_CSV_MAPPING: broken,
    });
    expect([r.code, r.stderr.split('\n').length]).toEqual([2, 1]);
    expect(r.stderr).toMatch(/^ratel: CONFIG_INVALID config mapping .*broken\.json at start/);
    const k = ratel([], { RATEL_HTTP_INGEST_TOKEN: TOKEN, RATEL_KAFKA_BROKERS: '127.0.0.1:1' });
    expect(k.code).toBe(2);
    expect(k.stderr.split('\n').at(-1)).toMatch(/^ratel: BROKER_UNREACHABLE Kafka broker not reachable at 127\.0\.0\.1:1/);
    expect(k.stderr).not.toContain(TOKEN);
  });
});
