/**
 * @ratel/rater: the tariff catalog, the accounts, and rating CDRs into rated events (see
 * rater/README.md for what the package owns and what it does not).
 *
 * The Public groups are what users of the package call. The Internal group, last, is exported for
 * the other ratel packages (the pipeline, the import, the benchmarks) and for the tests: it may
 * change without notice.
 */

/* Public: catalog, accounts and the subscriber directory. */

export {
  type Account,
  type AccountBook,
  accountBook,
  type Buyer,
  compileAccount,
  loadAccounts,
  type PlanFrom,
  planOf,
} from './accounts.js';
export { type Catalog, DEFAULT_CATALOG_DIR, loadCatalog, type Plan, type Tariff } from './catalog.js';
export { type AccountEntry, type AccountInput, DEST_CLASSES, type DestClass, type PlanInput } from './catalog-schema.js';
export { AMBIGUOUS, Directory, NO_SUBSCRIBER, type Subscriber } from './directory.js';

/* Public: rating. A RatingSession for streams and files, the RatingEngine under it, rateAll for a whole set at once. */

export { alertId } from './alert-id.js';
export {
  type Accepted,
  type DeadLetter,
  type EngineOutput,
  latestVersions,
  newOutput,
  type PriorRating,
  RatingEngine,
  rateAll,
} from './engine.js';
export { alertKey } from './engine-order.js';
export type { RateContext, Rating } from './rate.js';
export {
  type BadFrame,
  type EncodedRowsSink,
  type FrameBatch,
  type PoolBatchResult,
  RatingPool,
  type RatingPoolOptions,
} from './rating-pool.js';
export { type Alert, type AlertKind, EU_ZONE, Reason } from './reasons.js';
export {
  accountMonthKey,
  type BatchResult,
  type HistoryPort,
  type RatedRows,
  type RatedRowsSink,
  RatingSession,
  type SessionLog,
  type SessionOptions,
  type StoredAccountMonth,
} from './session.js';

/* Public: numbers and prices, as rating reads and computes them. */

export { type Dialling, displayNumber, normalise } from './normalise.js';
export { callPrice, chargedSeconds, dataPrice, unitsPrice } from './price.js';

/*
 * Internal: the building blocks under the engine (rules, index, held CDRs, trie) and the
 * rating pool's plumbing (shards, the worker pool, the context image, frame checks), for the other ratel packages, the benchmarks and the tests. Not for
 * users: they may change without notice.
 */

export { type AccountMonth, newAccountMonth, type UserMonth } from './allowance.js';
export { compilePlan, deckRowFromInput, diallingOf, loadDeckCsv } from './catalog.js';
export { type ContextImage, contextFromImage, contextImage } from './context-image.js';
export { numberKey } from './directory.js';
export { EngineIndex, idKey, LOCATED, REFUSED_MONTH, UNKNOWN_ACCOUNT } from './engine-index.js';
export { byStart, EngineOrder, type RateInto, startOrder, startsBefore } from './engine-order.js';
export { type CheckResult, type CheckTask, checkFrames, type FrameRead, readFrame } from './frame-check.js';
export { HeldCdrs } from './held-cdrs.js';
export { KeyIndex } from './key-index.js';
export { KeySet } from './key-set.js';
export { bandOf, MonthClock } from './month-clock.js';
export { keyNumber } from './normalise.js';
export { createShardPool, RATING_WORKER, type ShardPool, WORKER_YOUNG_GENERATION_MB } from './pool.js';
export { type Draft, newDraft, newRating, type Resolved, rateCdr, resolve } from './rate.js';
export { maskOf, reasonsOf } from './reasons.js';
export { chargeCredit } from './rules/credit.js';
export { rateData } from './rules/data.js';
export { rateEvent } from './rules/event.js';
export { rateMessage } from './rules/message.js';
export { includedMask, onNet, rateVoice } from './rules/voice.js';
export { accountShard, bodyShard, keepShardAccounts } from './shard.js';
export { StringIndex } from './string-index.js';
export { compileTrie, type DeckRow, Trie, type TrieData } from './trie.js';
export type { EncodedRows, WorkerSetup } from './worker-protocol.js';
