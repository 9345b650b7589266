/**
 * Finding: an empty broker list (`RATEL_KAFKA_BROKERS=`, `,`, or an empty list in the file)
 * fell back to the default broker, so a broken deployment template silently used 127.0.0.1.
 * Every form is now CONFIG_INVALID naming kafka.brokers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@ratel/ingest';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'ratel-empty-brokers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, brokers: unknown): string => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify({ kafka: { brokers } }));
  return p;
};

describe('regression: empty broker list falls back to the default', () => {
  it.each([
    ['RATEL_KAFKA_BROKERS=', { env: { RATEL_KAFKA_BROKERS: '' } }],
    ['RATEL_KAFKA_BROKERS=,', { env: { RATEL_KAFKA_BROKERS: ',' } }],
    ['RATEL_KAFKA_BROKERS=" "', { env: { RATEL_KAFKA_BROKERS: ' ' } }],
    ['[] in the file', { file: file('array.json', []), env: {} }],
    ['"" in the file', { file: file('string.json', ''), env: {} }],
  ])('%s is CONFIG_INVALID naming kafka.brokers', (_name, opts) => {
    expect(() => loadConfig(opts)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/^config kafka\.brokers(\.\d+)? \(RATEL_KAFKA_BROKERS\): /),
      }),
    );
  });
});
