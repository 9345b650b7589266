/**
 * Finding: about ten bad inputs at start exited 1 with an untyped stack trace ("unexpected
 * error") instead of one `ratel: CODE …` line and exit 2; `--out /proc/x` never returned.
 * Spawns the built CLI (ingest/dist/cli.js) over each bad input.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const cli = join(import.meta.dirname, '../../ingest/dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'ratel-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const folder = join(dir, 'a-folder');
mkdirSync(folder);

/** [what, arguments, environment, code] */
const CASES: [string, string[], Record<string, string>, string][] = [
  ['missing --config file', ['summary', '--config', join(dir, 'none.json')], {}, 'CONFIG_INVALID'],
  ['--config is a folder', ['summary', '--config', folder], {}, 'CONFIG_INVALID'],
  ['config file not JSON', ['summary', '--config', file('bad.json', '{')], {}, 'CONFIG_INVALID'],
  ['config file []', ['summary', '--config', file('array.json', '[]')], {}, 'CONFIG_INVALID'],
  ['config file null', ['summary', '--config', file('null.json', 'null')], {}, 'CONFIG_INVALID'],
  ['config file "x"', ['summary', '--config', file('string.json', '"x"')], {}, 'CONFIG_INVALID'],
  [
    'config section not an object, set by a variable',
    ['summary', '--config', file('kafka.json', '{"kafka":"x"}')],
    { RATEL_KAFKA_BROKERS: 'k:1' },
    'CONFIG_INVALID',
  ],
  ['RATEL_METRICS_PORT=abc', ['summary'], { RATEL_METRICS_PORT: 'abc' }, 'CONFIG_INVALID'],
  ['RATEL_KAFKA_BROKERS=', ['summary'], { RATEL_KAFKA_BROKERS: '' }, 'CONFIG_INVALID'],
  ['bad --month', ['summary', '--month', '2026-13'], {}, 'USAGE_INVALID'],
  ['bad --accounts', ['month', '--accounts', 'many'], {}, 'USAGE_INVALID'],
  ['unknown option', ['month', '--bogus'], {}, 'USAGE_INVALID'],
  ['unknown command', ['bogus'], {}, 'USAGE_INVALID'],
  ['no command', [], {}, 'USAGE_INVALID'],
  ['missing accounts file', ['invoice', '--accounts-file', join(dir, 'none.json')], {}, 'INPUT_UNREADABLE'],
  ['accounts file is a folder', ['invoice', '--accounts-file', folder], {}, 'INPUT_UNREADABLE'],
  ['unknown --engine', ['summary', '--engine', 'postgres'], {}, 'CONFIG_INVALID'],
  ['catalog folder missing', ['invoice'], { RATEL_CATALOG_DIR: join(dir, 'no-catalog') }, 'INPUT_UNREADABLE'],
  ['bad log level', ['summary', '--log-level', 'loud'], {}, 'CONFIG_INVALID'],
  ['out folder not writable (month)', ['month', '--accounts', '2', '--no-progress', '--out', '/proc/ratel-x'], {}, 'OUTPUT_UNWRITABLE'],
  ['out folder not writable (invoice)', ['invoice', '--accounts', '2', '--out', '/proc/ratel-x'], {}, 'OUTPUT_UNWRITABLE'],
  ['out folder is a file', ['invoice', '--accounts', '2', '--out', file('out-file', '')], {}, 'OUTPUT_UNWRITABLE'],
  ['chDB data folder not writable', ['summary'], { RATEL_CHDB_DIR: '/proc/ratel-x' }, 'OUTPUT_UNWRITABLE'],
];

describe('regression: untyped startup errors', () => {
  it.each(CASES)('%s: one line "ratel: CODE …", exit 2', (_what, args, env, code) => {
    const r = spawnSync(process.execPath, [cli, ...args], {
      env: { ...process.env, RATEL_OUT_DIR: join(dir, 'out'), RATEL_CHDB_DIR: join(dir, 'chdb'), ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(new RegExp(`^ratel: ${code} \\S`))]);
    expect(r.status).toBe(2);
  });
});
