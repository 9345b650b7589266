/** Connection settings and secrets: *_FILE variables, URL credentials, the rules between settings, redaction. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaSasl, loadConfig, redactedConfig } from '@ratel/ingest';
import { addSecrets, redact, safeUrl } from '@ratel/schemas';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'ratel-secure-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const refusal = (opts: Parameters<typeof loadConfig>[0]): string => {
  try {
    loadConfig(opts);
  } catch (e) {
    return `${(e as { code: string }).code} ${(e as Error).message}`;
  }
  return 'accepted';
};
const sasl = { RATEL_KAFKA_SASL_MECHANISM: 'scram-sha-256', RATEL_KAFKA_SASL_USERNAME: 'ratel' };

describe('secrets from the environment or from files', () => {
  it('<VARIABLE>_FILE reads the secret from a file, one trailing line break dropped', () => {
    const f = join(dir, 'kafka-password');
    writeFileSync(f, 'from-a-file-123\n');
    const c = loadConfig({ env: { ...sasl, RATEL_KAFKA_SASL_PASSWORD_FILE: f } });
    expect(c.kafka.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'ratel', password: 'from-a-file-123' });
    expect(kafkaSasl(c)).toEqual({ mechanism: 'scram-sha-256', username: 'ratel', password: 'from-a-file-123' });
    const g = join(dir, 'ch-password');
    writeFileSync(g, 'ch-secret-456');
    expect(loadConfig({ env: { RATEL_CLICKHOUSE_PASSWORD_FILE: g } }).store.password).toBe('ch-secret-456');
  });
  it('both forms, an empty or unreadable file are CONFIG_INVALID naming the variable, never the content', () => {
    const f = join(dir, 'both');
    writeFileSync(f, 'content-never-shown');
    expect(refusal({ env: { RATEL_CLICKHOUSE_PASSWORD: 'x-123', RATEL_CLICKHOUSE_PASSWORD_FILE: f } })).toMatch(
      /^CONFIG_INVALID .*RATEL_CLICKHOUSE_PASSWORD_FILE.*both/,
    );
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect(refusal({ env: { RATEL_METRICS_TOKEN_FILE: empty } })).toMatch(
      /^CONFIG_INVALID config metricsToken \(RATEL_METRICS_TOKEN_FILE\).*empty/,
    );
    expect(refusal({ env: { RATEL_METRICS_TOKEN_FILE: join(dir, 'missing') } })).toMatch(/ENOENT/);
    const locked = join(dir, 'locked');
    writeFileSync(locked, 'content-never-shown');
    chmodSync(locked, 0o000);
    const r = refusal({ env: { RATEL_SCHEMA_REGISTRY_PASSWORD_FILE: locked } });
    expect(r).not.toContain('content-never-shown');
  });
});

describe('connection rules', () => {
  it('credentials in a URL move to username / password, and the URL keeps none', () => {
    const c = loadConfig({ env: { RATEL_CLICKHOUSE_URL: 'https://alice:p%40ss-word@ch.example:8443' } });
    expect([c.store.url, c.store.username, c.store.password]).toEqual(['https://ch.example:8443', 'alice', 'p@ss-word']);
    expect(refusal({ env: { RATEL_CLICKHOUSE_URL: 'https://alice:pw-12@ch.example:8443', RATEL_CLICKHOUSE_PASSWORD: 'other' } })).toMatch(
      /CONFIG_INVALID config store\.url: credentials in the URL and/,
    );
    const r = loadConfig({ env: { RATEL_SCHEMA_REGISTRY_URL: 'https://key:secret-1@sr.example' } }).schemaRegistry;
    expect([r.url, r.username, r.password]).toEqual(['https://sr.example', 'key', 'secret-1']);
  });
  it('TLS files need TLS, a client certificate its key, SASL a user and a password', () => {
    expect(refusal({ env: { RATEL_KAFKA_SSL_CA_FILE: '/ca.pem' } })).toMatch(/kafka\.ssl\.enabled.*TLS is off/);
    expect(refusal({ env: { RATEL_KAFKA_SSL: 'true', RATEL_KAFKA_SSL_CERT_FILE: '/c.pem' } })).toMatch(/both certFile and keyFile/);
    expect(refusal({ env: { RATEL_KAFKA_SSL: 'maybe' } })).toMatch(/RATEL_KAFKA_SSL.*not a boolean/);
    expect(refusal({ env: sasl })).toMatch(/SASL scram-sha-256 needs a username and a password/);
    expect(refusal({ env: { RATEL_KAFKA_SASL_MECHANISM: 'gssapi' } })).toMatch(/kafka\.sasl\.mechanism/);
    expect(refusal({ env: { RATEL_CLICKHOUSE_CA_FILE: '/ca.pem' } })).toMatch(/store\.tls.*https/);
    expect(refusal({ env: { RATEL_SCHEMA_REGISTRY_URL: 'https://sr:8081', RATEL_SCHEMA_REGISTRY_USER: 'k' } })).toMatch(
      /basic auth needs both/,
    );
    expect(loadConfig({ env: {} }).kafka.ssl).toMatchObject({ enabled: false, checkHostname: true });
  });
  it('the endpoints bind to loopback by default; elsewhere only with a token', () => {
    expect(loadConfig({ env: {} }).metricsHost).toBe('127.0.0.1');
    expect(refusal({ env: { RATEL_METRICS_HOST: '0.0.0.0' } })).toMatch(
      /^CONFIG_INVALID config metricsToken \(RATEL_METRICS_TOKEN\).*0\.0\.0\.0/,
    );
    expect(refusal({ env: { RATEL_METRICS_HOST: '0.0.0.0', RATEL_METRICS_PORT: '0' } })).toBe('accepted');
    expect(refusal({ env: { RATEL_METRICS_HOST: '::', RATEL_METRICS_TOKEN: 'short' } })).toMatch(/at least 16/);
    expect(loadConfig({ env: { RATEL_METRICS_HOST: '::', RATEL_METRICS_TOKEN: 'a-long-enough-token' } }).metricsToken).toBe(
      'a-long-enough-token',
    );
  });
});

describe('redaction', () => {
  it('a secret of a loaded config is replaced in any text, plain, JSON-escaped or in a URL', () => {
    loadConfig({ env: { ...sasl, RATEL_KAFKA_SASL_PASSWORD: 'quote"and\\slash-pw' } });
    expect(redact('password quote"and\\slash-pw here')).toBe('password [redacted] here');
    expect(redact(JSON.stringify({ msg: 'quote"and\\slash-pw' }))).toBe('{"msg":"[redacted]"}');
    expect(redact('at http://bob:hunter2-x@h:1/x')).toBe('at http://bob:[redacted]@h:1/x');
    expect(safeUrl('https://bob:pw@h:8443/')).toBe('https://h:8443/');
    addSecrets(['abc']); // too short to be taken as a secret: ordinary text stays readable
    expect(redact('abc')).toBe('abc');
  });
  it('the config dump shows every secret as [redacted]', () => {
    const c = loadConfig({
      env: {
        ...sasl,
        RATEL_KAFKA_SASL_PASSWORD: 'dump-pw-1',
        RATEL_CLICKHOUSE_PASSWORD: 'dump-pw-2',
        RATEL_METRICS_TOKEN: 'dump-token-123456',
      },
    });
    const text = JSON.stringify(redactedConfig(c));
    for (const s of ['dump-pw-1', 'dump-pw-2', 'dump-token-123456']) expect(text).not.toContain(s);
    expect(redactedConfig(c).kafka.sasl.password).toBe('[redacted]');
    expect(c.kafka.sasl.password).toBe('dump-pw-1');
  });
});
