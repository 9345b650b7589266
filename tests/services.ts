/**
 * Addresses of the real services started by `bash deploy/services.sh up` (npm test does it).
 * Integration tests never fake them and never skip: when one is down they fail with this hint.
 */
export const KAFKA_BROKERS = (process.env.RATEL_KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
export const CLICKHOUSE_URL = process.env.RATEL_CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';
export const HINT = 'start the services with `bash deploy/services.sh up` (npm test does this)';
