// The alerts-out settings (ingest/src/config.ts): kafka.alertsTopic apart from the other topics,
// alerts.webhook.* checked, and the webhook secret kept out of every dump and log line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, redactedConfig } from '@ratel/ingest';
import { redact } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';

const SECRET = 'whsec-alerts-out-0123456789';
const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return `${(e as { code?: string }).code} ${(e as Error).message}`;
  }
  return 'loaded';
};

describe('alerts-out config', () => {
  it('defaults: topic ratel.alerts.v1, no webhook, month close and import alerts not produced', () => {
    const c = loadConfig({ env: {} });
    expect(c.kafka.alertsTopic).toBe('ratel.alerts.v1');
    expect(c.alerts).toEqual({
      monthCloseToTopic: false,
      importToTopic: false,
      webhook: {
        url: null,
        secret: null,
        groupId: 'ratel-alerts-webhook',
        timeoutMs: 5000,
        minBackoffMs: 250,
        maxBackoffMs: 30_000,
        maxAttempts: 0,
      },
    });
  });

  it('every key from its variable', () => {
    const c = loadConfig({
      env: {
        RATEL_KAFKA_ALERTS_TOPIC: 'switch.alerts',
        RATEL_ALERTS_MONTH_CLOSE_TO_TOPIC: 'true',
        RATEL_ALERTS_IMPORT_TO_TOPIC: 'true',
        RATEL_ALERTS_WEBHOOK_URL: 'https://switch.example/hooks/ratel',
        RATEL_ALERTS_WEBHOOK_SECRET: SECRET,
        RATEL_ALERTS_WEBHOOK_GROUP: 'hooks',
        RATEL_ALERTS_WEBHOOK_TIMEOUT_MS: '1500',
        RATEL_ALERTS_WEBHOOK_MIN_BACKOFF_MS: '100',
        RATEL_ALERTS_WEBHOOK_MAX_BACKOFF_MS: '60000',
        RATEL_ALERTS_WEBHOOK_MAX_ATTEMPTS: '12',
      },
    });
    expect(c.kafka.alertsTopic).toBe('switch.alerts');
    expect(c.alerts).toEqual({
      monthCloseToTopic: true,
      importToTopic: true,
      webhook: {
        url: 'https://switch.example/hooks/ratel',
        secret: SECRET,
        groupId: 'hooks',
        timeoutMs: 1500,
        minBackoffMs: 100,
        maxBackoffMs: 60_000,
        maxAttempts: 12,
      },
    });
  });

  it.each([
    ['the CDR topic', { RATEL_KAFKA_TOPIC: 'cdrs', RATEL_KAFKA_ALERTS_TOPIC: 'cdrs' }],
    ['the rated subject', { RATEL_KAFKA_TOPIC: 'cdrs', RATEL_KAFKA_ALERTS_TOPIC: 'cdrs.rated' }],
    ['the dead-letter topic', { RATEL_KAFKA_DLQ_TOPIC: 'dlq', RATEL_KAFKA_ALERTS_TOPIC: 'dlq' }],
  ])('an alerts topic equal to %s is refused, naming the key', (_what, env) => {
    expect(message(() => loadConfig({ env }))).toMatch(/^CONFIG_INVALID .*kafka\.alertsTopic \(RATEL_KAFKA_ALERTS_TOPIC\).*must differ/);
  });

  it('a webhook needs a secret of 16+ characters, an http(s) URL without credentials, and sane backoffs', () => {
    expect(message(() => loadConfig({ env: { RATEL_ALERTS_WEBHOOK_URL: 'https://h/x' } }))).toMatch(/alerts\.webhook\.secret.*required/);
    expect(message(() => loadConfig({ env: { RATEL_ALERTS_WEBHOOK_URL: 'https://h/x', RATEL_ALERTS_WEBHOOK_SECRET: 'short' } }))).toMatch(
      /alerts\.webhook\.secret \(RATEL_ALERTS_WEBHOOK_SECRET\).*16/,
    );
    expect(message(() => loadConfig({ env: { RATEL_ALERTS_WEBHOOK_URL: 'ftp://h/x', RATEL_ALERTS_WEBHOOK_SECRET: SECRET } }))).toMatch(
      /alerts\.webhook\.url.*http/,
    );
    const withPassword = message(() =>
      loadConfig({ env: { RATEL_ALERTS_WEBHOOK_URL: 'https://bob:pw-in-url@h/x', RATEL_ALERTS_WEBHOOK_SECRET: SECRET } }),
    );
    expect(withPassword).toMatch(/alerts\.webhook\.url.*no user:password@/);
    expect(withPassword).not.toContain('pw-in-url');
    expect(
      message(() =>
        loadConfig({
          env: { RATEL_ALERTS_WEBHOOK_MIN_BACKOFF_MS: '5000', RATEL_ALERTS_WEBHOOK_MAX_BACKOFF_MS: '100' },
        }),
      ),
    ).toMatch(/alerts\.webhook\.maxBackoffMs/);
  });

  it('the secret is [redacted] in `ratel config` and in any log line, also when read from a _FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratel-alerts-cfg-'));
    try {
      const file = join(dir, 'secret');
      writeFileSync(file, `${SECRET}-file\n`);
      for (const env of [
        { RATEL_ALERTS_WEBHOOK_URL: 'https://h/x', RATEL_ALERTS_WEBHOOK_SECRET: SECRET },
        { RATEL_ALERTS_WEBHOOK_URL: 'https://h/x', RATEL_ALERTS_WEBHOOK_SECRET_FILE: file },
      ]) {
        const c = loadConfig({ env });
        const value = c.alerts.webhook.secret as string;
        expect(value.startsWith(SECRET)).toBe(true);
        expect(redactedConfig(c).alerts.webhook.secret).toBe('[redacted]');
        expect(JSON.stringify(redactedConfig(c))).not.toContain(SECRET);
        expect(redact(`signing with ${value}`)).toBe('signing with [redacted]');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
