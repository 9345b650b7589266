/** The CLI's failure modes: one clear line and a non-zero exit, never a bare stack trace. */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CATALOG_DIR } from '@ratel/rater';
import { afterAll, describe, expect, it } from 'vitest';

const cli = join(import.meta.dirname, '../../ingest/dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'ratel-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ratel(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    env: { ...process.env, RATEL_OUT_DIR: join(dir, 'out'), RATEL_CHDB_DIR: join(dir, 'chdb'), ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stderr: r.stderr.trim(), stdout: r.stdout };
}

describe('ratel CLI errors', () => {
  it('--help lists the commands', () => {
    const r = ratel(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/month[\s\S]*produce[\s\S]*run[\s\S]*invoice[\s\S]*dlq-replay/);
  });
  it('a broken tariff file: CATALOG_INVALID naming the file and the place', () => {
    const cat = join(dir, 'catalog');
    cpSync(DEFAULT_CATALOG_DIR, cat, { recursive: true });
    writeFileSync(join(cat, 'tariffs', 'fr-retail.json'), '{"id": "fr-retail", "versions": [');
    const r = ratel(['month', '--accounts', '5', '--no-progress'], { RATEL_CATALOG_DIR: cat });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^ratel: CATALOG_INVALID tariff catalog .*fr-retail\.json.*not valid JSON/);
  });
  it('an unreachable broker: BROKER_UNREACHABLE naming the address', () => {
    const r = ratel(['produce', '--accounts', '2', '--limit', '10'], { RATEL_KAFKA_BROKERS: '127.0.0.1:1' });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').at(-1)).toMatch(/^ratel: BROKER_UNREACHABLE Kafka broker not reachable at 127\.0\.0\.1:1/);
  });
  it('an unreachable ClickHouse server: STORE_UNREACHABLE naming the URL', () => {
    const r = ratel(['month', '--accounts', '5', '--no-progress', '--engine', 'server'], { RATEL_CLICKHOUSE_URL: 'http://127.0.0.1:1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ratel: STORE_UNREACHABLE ClickHouse not reachable at http:\/\/127\.0\.0\.1:1/);
  });
  it('invoice closes a month on the store: invoices issued once, roaming abuse checked, summary printed', () => {
    const month = ratel(['month', '--accounts', '5', '--month', '2026-10', '--no-progress', '--show', '0']);
    expect(month.code, month.stderr).toBe(0);
    expect(month.stdout).toMatch(/invoices: 5 issued \(0 already issued\)/);
    const again = ratel(['invoice', '--accounts', '5', '--month', '2026-10']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/invoices: 0 issued \(5 already issued\)/);
    expect(again.stdout).toMatch(/roaming abuse flagged: 0/);
    expect(again.stdout).toMatch(/revenue by plan/i);
    const next = ratel(['invoice', '--accounts', '5', '--month', '2026-11', '--show', '1']);
    expect(next.code, next.stderr).toBe(0);
    // November has no usage: its invoices carry December's recurring fees, billed in advance (SPEC §5)
    expect(next.stdout).toMatch(/invoices: 5 issued \(0 already issued\)/);
    expect(next.stdout).toMatch(/Invoice acc-\d+-202611[\s\S]*2026-12 \(in advance\)/);
  });
  it('a bad flag value is refused with the rule: one USAGE_INVALID line, exit 2', () => {
    const r = ratel(['month', '--month', '2026-13']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ratel: USAGE_INVALID .*month must be YYYY-MM[^\n]*$/);
  });
  it('--help still prints the help and exits 0', () => {
    const r = ratel(['month', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: ratel month/);
    expect(r.stderr).toBe('');
  });
  it('a dead-letter topic equal to the CDR topic stops the start: CONFIG_INVALID, exit 2', () => {
    const r = ratel(['dlq-replay'], { RATEL_KAFKA_TOPIC: 'same', RATEL_KAFKA_DLQ_TOPIC: 'same' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ratel: CONFIG_INVALID config kafka\.deadLetterTopic \(RATEL_KAFKA_DLQ_TOPIC\): must differ/);
  });
  it('invoice writes the missing files of invoices issued before', () => {
    const out = join(dir, 'repair-out');
    const first = ratel(['invoice', '--accounts', '3', '--month', '2026-08', '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    const folder = join(out, '202608');
    const [lost] = readdirSync(folder).filter((f) => f.endsWith('.csv'));
    rmSync(join(folder, lost as string));
    const again = ratel(['invoice', '--accounts', '3', '--month', '2026-08', '--out', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 issued \(3 already issued\).*missing files of 1 invoices issued before/);
    expect(existsSync(join(folder, lost as string))).toBe(true);
  });
});
