/**
 * A Kafka broker of a test's own, for the tests that stop a broker: started and stopped with
 * deploy/services.sh in a run folder and on ports of its own, never the shared broker.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLICKHOUSE_URL } from '../services.js';
import type { Services } from './harness.js';

const SERVICES = join(import.meta.dirname, '../../deploy/services.sh');

export interface OwnBroker {
  /** The services of a run on it: this broker and the shared ClickHouse. */
  readonly services: Services;
  up(): Promise<void>;
  down(): Promise<void>;
  /** Stops a broker an interrupted run left, empties the run folder, starts a new broker. */
  fresh(): Promise<void>;
}

/**
 * The broker `<prefix>_RUN`, `<prefix>_PORT` and `<prefix>_CONTROLLER_PORT` name in the
 * environment, else `dir` and `port` (the controller on the next port).
 */
export function ownBroker(prefix: string, dir: string, port: number): OwnBroker {
  // What services.sh is given: the run folder, the broker's port and its controller's.
  const env = {
    RATEL_RUN: process.env[`${prefix}_RUN`] ?? dir,
    RATEL_KAFKA_PORT: process.env[`${prefix}_PORT`] ?? String(port),
    RATEL_KAFKA_CONTROLLER_PORT: process.env[`${prefix}_CONTROLLER_PORT`] ?? String(port + 1),
  };
  const services = (cmd: 'up' | 'down') =>
    promisify(execFile)('bash', [SERVICES, cmd, 'kafka'], { env: { ...process.env, ...env } }).then(
      () => undefined,
      (e: { stderr?: string }) => {
        throw new Error(`services.sh ${cmd} kafka (${JSON.stringify(env)}) failed: ${e.stderr ?? e}`);
      },
    );
  return {
    services: {
      env: { RATEL_KAFKA_BROKERS: `127.0.0.1:${env.RATEL_KAFKA_PORT}`, RATEL_CLICKHOUSE_URL: CLICKHOUSE_URL },
      storeUrl: CLICKHOUSE_URL,
      storeAuth: {},
    },
    up: () => services('up'),
    down: () => services('down'),
    async fresh() {
      await services('down');
      rmSync(env.RATEL_RUN, { recursive: true, force: true });
      await services('up');
    },
  };
}
