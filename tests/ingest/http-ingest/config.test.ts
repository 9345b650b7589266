/** The httpIngest section of the config (ingest/src/http-ingest/config.ts): defaults, variables, rules, the secret. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, redactedConfig } from '@ratel/ingest';
import { redact } from '@ratel/schemas';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'ratel-http-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const refusal = (env: Record<string, string>): string => {
  try {
    loadConfig({ env });
    return 'accepted';
  } catch (e) {
    return `${(e as { code: string }).code} ${(e as Error).message}`;
  }
};

describe('httpIngest config', () => {
  it('has documented defaults: loopback, port 8471, no token, 16 MiB bodies, 16 requests at once, one process, no mappings', () => {
    expect(loadConfig({ env: {} }).httpIngest).toEqual({
      host: '127.0.0.1',
      port: 8471,
      token: null,
      maxBodyBytes: 16 * 1024 * 1024,
      maxInFlight: 16,
      workers: 1,
      mappings: { csv: null, tsv: null, psv: null, jsonl: null },
    });
  });

  it('takes every key from the environment', () => {
    const c = loadConfig({
      env: {
        RATEL_HTTP_INGEST_HOST: '::1',
        RATEL_HTTP_INGEST_PORT: '0',
        RATEL_HTTP_INGEST_TOKEN: 'sixteen-chars-at-least',
        RATEL_HTTP_INGEST_MAX_BODY_BYTES: '65536',
        RATEL_HTTP_INGEST_MAX_IN_FLIGHT: '4',
        RATEL_HTTP_INGEST_WORKERS: '2',
        RATEL_HTTP_INGEST_CSV_MAPPING: 'sbc.json',
        RATEL_HTTP_INGEST_JSONL_MAPPING: 'events.json',
      },
    }).httpIngest;
    expect(c).toEqual({
      host: '::1',
      port: 0,
      token: 'sixteen-chars-at-least',
      maxBodyBytes: 65536,
      maxInFlight: 4,
      workers: 2,
      mappings: { csv: 'sbc.json', tsv: null, psv: null, jsonl: 'events.json' },
    });
  });

  it('refuses a bind off loopback without a token, a short token, and bad numbers, naming the key and variable', () => {
    expect(refusal({ RATEL_HTTP_INGEST_HOST: '0.0.0.0' })).toMatch(
      /^CONFIG_INVALID config httpIngest\.token \(RATEL_HTTP_INGEST_TOKEN\): .*0\.0\.0\.0, off loopback/,
    );
    expect(refusal({ RATEL_HTTP_INGEST_HOST: '0.0.0.0', RATEL_HTTP_INGEST_TOKEN: 'sixteen-chars-at-least' })).toBe('accepted');
    expect(refusal({ RATEL_HTTP_INGEST_TOKEN: 'short' })).toMatch(/httpIngest\.token \(RATEL_HTTP_INGEST_TOKEN\): at least 16/);
    expect(refusal({ RATEL_HTTP_INGEST_PORT: '70000' })).toMatch(/httpIngest\.port \(RATEL_HTTP_INGEST_PORT\)/);
    expect(refusal({ RATEL_HTTP_INGEST_MAX_BODY_BYTES: '1e6' })).toMatch(/httpIngest\.maxBodyBytes \(RATEL_HTTP_INGEST_MAX_BODY_BYTES\)/);
    expect(refusal({ RATEL_HTTP_INGEST_MAX_BODY_BYTES: '100' })).toMatch(/httpIngest\.maxBodyBytes/);
    expect(refusal({ RATEL_HTTP_INGEST_MAX_IN_FLIGHT: '0' })).toMatch(/httpIngest\.maxInFlight/);
    expect(refusal({ RATEL_HTTP_INGEST_WORKERS: '0' })).toMatch(/httpIngest\.workers \(RATEL_HTTP_INGEST_WORKERS\)/);
  });

  it('the token is a secret: read from RATEL_HTTP_INGEST_TOKEN_FILE, redacted in `ratel config` and in any text', () => {
    const f = join(dir, 'token');
    writeFileSync(f, 'token-from-a-mounted-file\n');
    const c = loadConfig({ env: { RATEL_HTTP_INGEST_TOKEN_FILE: f } });
    expect(c.httpIngest.token).toBe('token-from-a-mounted-file');
    expect(redactedConfig(c).httpIngest.token).toBe('[redacted]');
    expect(redact('Bearer token-from-a-mounted-file')).not.toContain('token-from-a-mounted-file');
  });
});
