import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@ratel/ingest';
import { afterAll, describe, expect, it } from 'vitest';

describe('config', () => {
  it('has documented defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c.store).toMatchObject({ engine: 'chdb', url: 'http://127.0.0.1:18123' });
    expect(c.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(c.rater.threads).toBe(Math.min(256, availableParallelism()));
  });
  it('environment overrides defaults, flags override the environment', () => {
    const env = { RATEL_KAFKA_BROKERS: 'k1:9092, k2:9092', RATEL_STORE_ENGINE: 'server', RATEL_RATER_THREADS: '4' };
    expect(loadConfig({ env }).kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(loadConfig({ env }).rater.threads).toBe(4);
    expect(loadConfig({ env, overrides: { 'store.engine': 'chdb' } }).store.engine).toBe('chdb');
  });
  it('tuning settings come from the environment too, checked like the rest', () => {
    const env = {
      RATEL_KAFKA_MAX_BYTES_PER_PARTITION: '524288',
      RATEL_RATER_CONCURRENCY: '8',
      RATEL_WRITER_MIN_ROWS: '5000',
      RATEL_WRITER_MAX_DELAY_MS: '250',
      RATEL_WRITER_MAX_PENDING_ROWS: '50000',
    };
    const c = loadConfig({ env });
    expect([c.kafka.maxBytesPerPartition, c.rater.concurrency, c.writer]).toEqual([
      524_288,
      8,
      { minRows: 5000, maxDelayMs: 250, maxPendingRows: 50_000 },
    ]);
    expect(() => loadConfig({ env: { RATEL_KAFKA_MAX_BYTES_PER_PARTITION: '1000' } })).toThrow(
      /kafka\.maxBytesPerPartition \(RATEL_KAFKA_MAX_BYTES_PER_PARTITION\)/,
    );
  });
  it('a bad value names the key and its variable', () => {
    expect(() => loadConfig({ env: { RATEL_STORE_ENGINE: 'postgres' } })).toThrow(/store\.engine \(RATEL_STORE_ENGINE\)/);
    expect(() => loadConfig({ env: { RATEL_KAFKA_BROKERS: 'no-port' } })).toThrow(/kafka\.brokers/);
    try {
      loadConfig({ env: { RATEL_RATER_THREADS: 'lots' } });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'CONFIG_INVALID' });
    }
  });
  it('an unreadable config file is a CONFIG_INVALID error naming the file', () => {
    expect(() => loadConfig({ file: '/nonexistent/ratel.json', env: {} })).toThrow(/\/nonexistent\/ratel\.json/);
  });
});

/** The code and message of the error loadConfig throws, or null. */
function refusal(opts: Parameters<typeof loadConfig>[0]): string | null {
  try {
    loadConfig(opts);
    return null;
  } catch (e) {
    return `${(e as { code: string }).code} ${(e as Error).message}`;
  }
}

describe('config rules, one per test', () => {
  it('the dead-letter topic must differ from the CDR topic', () => {
    expect(refusal({ env: { RATEL_KAFKA_TOPIC: 't', RATEL_KAFKA_DLQ_TOPIC: 't' } })).toMatch(
      /^CONFIG_INVALID config kafka\.deadLetterTopic \(RATEL_KAFKA_DLQ_TOPIC\): must differ from the CDR topic "t"/,
    );
  });
  it('the dead-letter topic must differ from the rated topic <cdrTopic>.rated', () => {
    expect(refusal({ env: { RATEL_KAFKA_DLQ_TOPIC: 'ratel.cdrs.rated' } })).toMatch(/kafka\.deadLetterTopic.*must differ/);
  });
  it('topic names follow Kafka: [a-zA-Z0-9._-], 1 to 249 characters', () => {
    expect(refusal({ env: { RATEL_KAFKA_TOPIC: 'has space' } })).toMatch(/kafka\.cdrTopic \(RATEL_KAFKA_TOPIC\): Kafka topic name/);
    expect(refusal({ env: { RATEL_KAFKA_DLQ_TOPIC: 'x'.repeat(250) } })).toMatch(/kafka\.deadLetterTopic/);
    expect(loadConfig({ env: { RATEL_KAFKA_TOPIC: 'a'.repeat(249) } }).kafka.cdrTopic).toHaveLength(249);
  });
  it('a topic cannot be "." or ".."', () => {
    expect(refusal({ env: { RATEL_KAFKA_TOPIC: '..' } })).toMatch(/cannot be "\." or "\.\."/);
    expect(refusal({ env: { RATEL_KAFKA_DLQ_TOPIC: '.' } })).toMatch(/cannot be "\." or "\.\."/);
  });
  it('an environment variable set but empty is an error naming the key and the variable, never the default', () => {
    expect(refusal({ env: { RATEL_KAFKA_BROKERS: '' } })).toBe(
      'CONFIG_INVALID config kafka.brokers (RATEL_KAFKA_BROKERS): set but empty (unset it to use the default)',
    );
    expect(refusal({ env: { RATEL_CLICKHOUSE_URL: ' ' } })).toMatch(/store\.url \(RATEL_CLICKHOUSE_URL\): set but empty/);
  });
  it('a list variable that yields no items is an error', () => {
    expect(refusal({ env: { RATEL_KAFKA_BROKERS: ' , ,' } })).toMatch(/kafka\.brokers \(RATEL_KAFKA_BROKERS\): no items/);
  });
  it('an empty broker array in the file is an error', () => {
    const file = configFile({ kafka: { brokers: [] } });
    expect(refusal({ file, env: {} })).toMatch(/kafka\.brokers \(RATEL_KAFKA_BROKERS\): at least one broker/);
  });
  it('an empty string where the file needs a list or a name is an error', () => {
    expect(refusal({ file: configFile({ kafka: { brokers: '' } }), env: {} })).toMatch(/kafka\.brokers/);
    expect(refusal({ file: configFile({ outDir: '' }), env: {} })).toMatch(/^CONFIG_INVALID config outDir/);
  });
  it('a broker port must be 1-65535', () => {
    expect(refusal({ env: { RATEL_KAFKA_BROKERS: 'k:0' } })).toMatch(/kafka\.brokers\.0 \(RATEL_KAFKA_BROKERS\): port must be 1-65535/);
    expect(refusal({ env: { RATEL_KAFKA_BROKERS: 'k:1,k:65536' } })).toMatch(/kafka\.brokers\.1.*port must be 1-65535/);
    expect(loadConfig({ env: { RATEL_KAFKA_BROKERS: 'k:65535,[::1]:9092' } }).kafka.brokers).toEqual(['k:65535', '[::1]:9092']);
  });
  it('the metrics port must be 0-65535', () => {
    expect(refusal({ env: { RATEL_METRICS_PORT: '65536' } })).toMatch(/metricsPort \(RATEL_METRICS_PORT\)/);
    expect(loadConfig({ env: { RATEL_METRICS_PORT: '0' } }).metricsPort).toBe(0);
  });
  it('URLs are http(s) with a port of 1-65535', () => {
    expect(refusal({ env: { RATEL_CLICKHOUSE_URL: 'http://h:70000' } })).toMatch(/store\.url \(RATEL_CLICKHOUSE_URL\)/);
    expect(refusal({ env: { RATEL_CLICKHOUSE_URL: 'http://h:0' } })).toMatch(/URL port must be 1-65535/);
    expect(refusal({ env: { RATEL_SCHEMA_REGISTRY_URL: 'ftp://h:21' } })).toMatch(/schemaRegistry\.url.*http/);
  });
  it('a numeric variable must be an integer in digits (no "", "abc", "0x10", "1e3")', () => {
    for (const v of ['abc', '0x10', '1e3', '4.5'])
      expect(refusal({ env: { RATEL_RATER_THREADS: v } })).toBe(
        `CONFIG_INVALID config rater.threads (RATEL_RATER_THREADS): not an integer: "${v}"`,
      );
  });
  it('the config file must hold a JSON object', () => {
    for (const [text, what] of [
      ['[]', 'an array'],
      ['null', 'null'],
      ['"x"', 'a string'],
      ['3', 'a number'],
    ]) {
      const file = join(dir, `not-object-${what}.json`);
      writeFileSync(file, text as string);
      expect(refusal({ file, env: {} })).toBe(`CONFIG_INVALID config ${file}: config file must hold a JSON object, not ${what}`);
    }
  });
  it('a config file that is not JSON names the file', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{');
    expect(refusal({ file, env: {} })).toMatch(new RegExp(`^CONFIG_INVALID config ${file}: cannot read config file`));
  });
  it('a section of the file that is not an object is not replaced by a variable', () => {
    const file = configFile({ kafka: 'x' });
    expect(refusal({ file, env: { RATEL_KAFKA_BROKERS: 'k:1' } })).toMatch(/^CONFIG_INVALID config kafka: must be an object/);
  });
  it('RATEL_CONFIG set but empty is an error', () => {
    expect(refusal({ env: { RATEL_CONFIG: '' } })).toMatch(/RATEL_CONFIG.*set but empty/);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'ratel-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function configFile(content: unknown): string {
  const file = join(dir, `config-${files++}.json`);
  writeFileSync(file, JSON.stringify(content));
  return file;
}
