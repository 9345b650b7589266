/**
 * An embedded (chDB) store of its own for a test file: a new temporary folder, the config that
 * points at it and the schema created before the file's tests; closed and removed after them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchema, openStore, type Store } from '@ratel/aggregator';
import { type Config, loadConfig, storeConfigOf } from '@ratel/ingest';
import { afterAll, beforeAll } from 'vitest';

/** Registers the file's beforeAll/afterAll; `ready` gets the config and the open store. Returns the folder. */
export function embeddedStore(prefix: string, ready: (cfg: Config, store: Store) => void): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let store: Store | null = null;
  beforeAll(async () => {
    const cfg = loadConfig({
      env: {},
      overrides: { 'store.engine': 'chdb', 'store.dataDir': join(dir, 'chdb'), outDir: join(dir, 'out') },
    });
    store = await openStore(storeConfigOf(cfg));
    await createSchema(store);
    ready(cfg, store);
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
