/**
 * The secured pair started by `bash deploy/services.sh up secured` (npm test does it): a Kafka
 * broker with a SASL_SSL listener (SCRAM users) and a ClickHouse server speaking HTTPS only
 * with password users, apart from the plain pair of services.ts. Their CA, certificates and
 * passwords are made on first use in the run folder; the tests read them from there and fail
 * with the hint below when the pair is not up.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const RUN = process.env.RATEL_RUN ?? join(homedir(), '.cache/ratel/run');
export const SECURED_DIR = join(RUN, 'secured');
export const CERTS = join(SECURED_DIR, 'certs');
export const CA_FILE = join(CERTS, 'ca.pem');
/** A CA that signed neither server: connecting with it must fail as TLS_UNTRUSTED. */
export const OTHER_CA_FILE = join(CERTS, 'other-ca.pem');
export const CLIENT_CERT_FILE = join(CERTS, 'client.pem');
export const CLIENT_KEY_FILE = join(CERTS, 'client.key');
export const SECURED_BROKER = `127.0.0.1:${process.env.RATEL_KAFKA_SECURED_PORT ?? '19094'}`;
export const SECURED_CLICKHOUSE_URL = `https://127.0.0.1:${process.env.RATEL_CLICKHOUSE_HTTPS_PORT ?? '18443'}`;
export const USER = 'ratel';
export const SECURED_HINT = 'start the secured services with `bash deploy/services.sh up secured` (npm test does this)';

function secret(name: string): string {
  const f = join(SECURED_DIR, name);
  if (!existsSync(f)) throw new Error(`${f} is missing: ${SECURED_HINT}`);
  return readFileSync(f, 'utf8').trim();
}

export const kafkaPassword = (): string => secret('kafka-password');
export const clickhousePassword = (): string => secret('clickhouse-password');

/** Environment of a ratel process on the secured pair: SASL_SSL + SCRAM-SHA-512, HTTPS ClickHouse with a password. */
export function securedEnv(): Record<string, string> {
  return {
    RATEL_KAFKA_BROKERS: SECURED_BROKER,
    RATEL_KAFKA_SSL: 'true',
    RATEL_KAFKA_SSL_CA_FILE: CA_FILE,
    RATEL_KAFKA_SASL_MECHANISM: 'scram-sha-512',
    RATEL_KAFKA_SASL_USERNAME: USER,
    RATEL_KAFKA_SASL_PASSWORD: kafkaPassword(),
    RATEL_CLICKHOUSE_URL: SECURED_CLICKHOUSE_URL,
    RATEL_CLICKHOUSE_USER: USER,
    RATEL_CLICKHOUSE_PASSWORD: clickhousePassword(),
    RATEL_CLICKHOUSE_CA_FILE: CA_FILE,
  };
}

/** The same server store settings, for openServerStore. */
export const securedStoreAuth = () => ({ username: USER, password: clickhousePassword(), tls: { caFile: CA_FILE } });
