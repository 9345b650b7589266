/** `ratel alerts-webhook` and `ratel config` with the alerts-out settings: one clear line, no secret shown. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = join(import.meta.dirname, '../../../ingest/dist/cli.js');
const SECRET = 'whsec-cli-test-0123456789';

function ratel(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stderr: r.stderr.trim(), stdout: r.stdout };
}

describe('ratel alerts-webhook', () => {
  it('without alerts.webhook.url: CONFIG_INVALID naming the key, exit 2', () => {
    const r = ratel(['alerts-webhook']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ratel: CONFIG_INVALID .*alerts\.webhook\.url \(RATEL_ALERTS_WEBHOOK_URL\).*not set/);
  });

  it('an unreachable broker: BROKER_UNREACHABLE, and the secret in no line', () => {
    const r = ratel(['alerts-webhook'], {
      RATEL_KAFKA_BROKERS: '127.0.0.1:1',
      RATEL_ALERTS_WEBHOOK_URL: 'http://127.0.0.1:9/hook',
      RATEL_ALERTS_WEBHOOK_SECRET: SECRET,
      RATEL_METRICS_PORT: '0',
    });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').at(-1)).toMatch(/^ratel: BROKER_UNREACHABLE .*127\.0\.0\.1:1/);
    expect(r.stderr + r.stdout).not.toContain(SECRET);
  });

  it('ratel config shows the alerts settings, the secret as [redacted]', () => {
    const r = ratel(['config'], { RATEL_ALERTS_WEBHOOK_URL: 'https://switch.example/hook', RATEL_ALERTS_WEBHOOK_SECRET: SECRET });
    expect(r.code).toBe(0);
    const cfg = JSON.parse(r.stdout);
    expect(cfg.kafka.alertsTopic).toBe('ratel.alerts.v1');
    expect(cfg.alerts.webhook).toMatchObject({ url: 'https://switch.example/hook', secret: '[redacted]' });
    expect(r.stdout).not.toContain(SECRET);
  });
});
