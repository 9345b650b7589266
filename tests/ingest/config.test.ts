import { loadConfig } from '@ratel/ingest';
import { describe, expect, it } from 'vitest';

describe('config', () => {
  it('has documented defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c.store).toMatchObject({ engine: 'chdb', url: 'http://127.0.0.1:18123' });
    expect(c.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(c.rater.threads).toBe(2);
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
