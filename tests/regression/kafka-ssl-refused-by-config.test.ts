/**
 * Finding: the Kafka options passed no `ssl` or `sasl`, and the strict config schema refused
 * them, so ratel could not reach a SASL_SSL cluster (Confluent Cloud, MSK, Aiven). They are now
 * config keys (file and environment) that reach every Kafka client made by createKafka.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaSasl, kafkaTls, loadConfig } from '@ratel/ingest';
import { afterAll, describe, expect, it } from 'vitest';
import { CA_FILE } from '../secured-services.js';

const dir = mkdtempSync(join(tmpdir(), 'ratel-kafka-ssl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('regression: Kafka ssl and sasl refused by the config', () => {
  it('a config file with kafka.ssl and kafka.sasl is accepted, and the clients get TLS and SASL', () => {
    const file = join(dir, 'ratel.json');
    writeFileSync(
      file,
      JSON.stringify({
        kafka: {
          brokers: ['broker.example:9093'],
          ssl: { enabled: true, caFile: CA_FILE },
          sasl: { mechanism: 'scram-sha-512', username: 'ratel' },
        },
      }),
    );
    const cfg = loadConfig({ file, env: { RATEL_KAFKA_SASL_PASSWORD: 'from-the-environment' } });
    expect(cfg.kafka.ssl).toMatchObject({ enabled: true, caFile: CA_FILE, checkHostname: true });
    const tls = kafkaTls(cfg);
    expect(tls?.rejectUnauthorized).toBe(true);
    expect(String(tls?.ca)).toContain('BEGIN CERTIFICATE');
    expect(tls?.checkServerIdentity).toBeUndefined(); // Node's hostname check stays on
    expect(kafkaSasl(cfg)).toEqual({ mechanism: 'scram-sha-512', username: 'ratel', password: 'from-the-environment' });
  });

  it('hostname checking can be turned off explicitly, never by default', () => {
    const cfg = loadConfig({ env: { RATEL_KAFKA_SSL: 'true', RATEL_KAFKA_SSL_CHECK_HOSTNAME: 'false' } });
    expect(typeof kafkaTls(cfg)?.checkServerIdentity).toBe('function');
  });

  it('a CA file that is not PEM is CONFIG_INVALID, one that is missing INPUT_UNREADABLE', () => {
    const bad = join(dir, 'bad.pem');
    writeFileSync(bad, 'not a certificate');
    expect(() => kafkaTls(loadConfig({ env: { RATEL_KAFKA_SSL: 'true', RATEL_KAFKA_SSL_CA_FILE: bad } }))).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => kafkaTls(loadConfig({ env: { RATEL_KAFKA_SSL: 'true', RATEL_KAFKA_SSL_CA_FILE: join(dir, 'none.pem') } }))).toThrow(
      expect.objectContaining({ code: 'INPUT_UNREADABLE' }),
    );
  });
});
