/**
 * Finding: @confluentinc/schemaregistry pulled 244 of the 306 production packages (cloud KMS
 * SDKs, Vault, axios, jsonwebtoken) into every install, even with no registry configured. ratel
 * now speaks the registry's REST API itself (schemas/src/registry-client.ts); the package is only
 * a development dependency, for the interoperability test of tests/schemas/wire.test.ts.
 * Measured: `npm ls --omit=dev --all --parseable | wc -l` 316 -> 65 lines.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const manifest = (p: string) => JSON.parse(readFileSync(join(ROOT, p, 'package.json'), 'utf8'));

describe('regression: registry client always installed', () => {
  it('no workspace depends on @confluentinc/schemaregistry in production', () => {
    for (const ws of ['schemas', 'rater', 'aggregator', 'ingest', 'bench', '.']) {
      const m = manifest(ws);
      expect(Object.keys({ ...m.dependencies, ...m.optionalDependencies }), ws).not.toContain('@confluentinc/schemaregistry');
    }
  });

  it('the production tree holds neither it nor the SDKs it brought', () => {
    const prod = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).split('\n');
    for (const p of ['@confluentinc/schemaregistry', '@azure/', '@aws-sdk/', '@google-cloud/', 'node-vault', 'axios', 'jsonwebtoken'])
      expect(
        prod.filter((l) => l.includes(`node_modules/${p}`)),
        p,
      ).toEqual([]);
    // Everything left: ratel's own dependencies and theirs (about 65 lines with the workspaces).
    expect(prod.filter((l) => l !== '').length).toBeLessThan(120);
  });

  it('loading the wire module does not load a registry client', () => {
    const src = readFileSync(join(ROOT, 'schemas/src/wire.ts'), 'utf8');
    expect(src).not.toMatch(/from '@confluentinc\/schemaregistry'|import\('@confluentinc\/schemaregistry'\)/);
  });
});
