/**
 * The rating context (catalog, accounts, limits, date window) as the rating workers receive it,
 * once, when they start (Piscina's workerData): each tariff's compiled trie as its TrieData, whose
 * SharedArrayBuffer every worker reads in place (shared, never copied), and everything else
 * serialised once (v8.serialize) into a SharedArrayBuffer that each worker deserialises itself.
 * The main thread pays one serialisation whatever the number of workers.
 */
import { deserialize, serialize } from 'node:v8';
import type { Catalog, Tariff } from './catalog.js';
import type { RateContext } from './rate.js';
import { Trie, type TrieData } from './trie.js';

export interface ContextImage {
  /** The tries of the catalog's tariffs, in the order of `tariffTries`. */
  tries: TrieData[];
  /** v8.serialize of the context, each tariff's trie replaced by its index in `tries`. */
  bytes: SharedArrayBuffer;
}

type TariffImage = Omit<Tariff, 'trie'> & { trie: number };

export function contextImage(ctx: RateContext): ContextImage {
  const tries: TrieData[] = [];
  const tariffs = new Map<string, TariffImage>();
  for (const [id, t] of ctx.catalog.tariffs) {
    tariffs.set(id, { ...t, trie: tries.length });
    tries.push(t.trie.data);
  }
  const plain = serialize({ ...ctx, catalog: { ...ctx.catalog, tariffs } });
  const bytes = new SharedArrayBuffer(plain.length);
  new Uint8Array(bytes).set(plain);
  return { tries, bytes };
}

/** The context a worker rates with, rebuilt from its image (the tries over the shared buffers). */
export function contextFromImage(image: ContextImage): RateContext {
  const ctx = deserialize(new Uint8Array(image.bytes)) as RateContext & { catalog: { tariffs: Map<string, TariffImage> } };
  const tariffs = new Map<string, Tariff>();
  for (const [id, t] of ctx.catalog.tariffs) tariffs.set(id, { ...t, trie: new Trie(image.tries[t.trie] as TrieData) });
  const catalog: Catalog = { ...ctx.catalog, tariffs };
  return { ...ctx, catalog };
}
