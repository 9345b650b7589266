import { openChdbStore } from './chdb-store.js';
import { openServerStore, type ServerAuth } from './server-store.js';
import type { Store } from './store.js';

export type StoreConfig = { engine: 'chdb'; dataDir: string } | ({ engine: 'server'; url: string; database?: string } & ServerAuth);

/** Opens the configured engine. Server errors come back as STORE_UNREACHABLE / STORE_QUERY_FAILED. */
export async function openStore(cfg: StoreConfig): Promise<Store> {
  return cfg.engine === 'chdb' ? openChdbStore(cfg.dataDir) : openServerStore(cfg.url, cfg.database, cfg);
}
