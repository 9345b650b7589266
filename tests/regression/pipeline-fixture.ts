/**
 * The pipeline in this process on a harness run (private topic, group and database on the real
 * Kafka and ClickHouse server), over a store the test may wrap to inject a fault.
 */
import type { Store } from '@ratel/aggregator';
import { createKafka, createLogger, type Pipeline, startPipeline } from '@ratel/ingest';
import { loadCatalog } from '@ratel/rater';
import { localCodecs } from '@ratel/schemas';
import type { Run } from '../integration/harness.js';

export async function withFaultyPipeline(run: Run, store: Store, body: (p: Pipeline) => Promise<void>): Promise<void> {
  const log = createLogger(process.env.RATEL_TEST_LOG ?? 'silent');
  const p = await startPipeline(createKafka(run.cfg, log), run.cfg, {
    catalog: loadCatalog(),
    accounts: run.accounts,
    codecs: localCodecs(),
    log,
    store,
  });
  try {
    await body(p);
  } finally {
    await p.stop().catch(() => {});
  }
}

/** `store` with `encode` replaced for one table. */
export function withEncode(store: Store, table: string, encode: Store['encode']): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'encode') return (t: string, rows: readonly object[]) => (t === table ? encode(t, rows) : target.encode(t, rows));
      const v = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
