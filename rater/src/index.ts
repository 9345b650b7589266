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
export { type AccountMonth, newAccountMonth, type UserMonth } from './allowance.js';
export {
  type Catalog,
  compilePlan,
  DEFAULT_CATALOG_DIR,
  deckRowFromInput,
  diallingOf,
  loadCatalog,
  loadDeckCsv,
  type Plan,
  type Tariff,
} from './catalog.js';
export { type AccountEntry, type AccountInput, DEST_CLASSES, type DestClass, type PlanInput } from './catalog-schema.js';
export { type CheckResult, type CheckTask, checkFrames } from './decode-worker.js';
export { AMBIGUOUS, Directory, NO_SUBSCRIBER, numberKey, type Subscriber } from './directory.js';
export {
  type Accepted,
  type DeadLetter,
  type EngineOutput,
  idKey,
  latestVersions,
  newOutput,
  type PriorRating,
  RatingEngine,
  rateAll,
} from './engine.js';
export { HeldCdrs } from './held-cdrs.js';
export { KeyIndex } from './key-index.js';
export { KeySet } from './key-set.js';
export { bandOf, MonthClock } from './month-clock.js';
export { type Dialling, displayNumber, keyNumber, normalise } from './normalise.js';
export { createDecodePool, type DecodePool } from './pool.js';
export { callPrice, chargedSeconds, dataPrice, unitsPrice } from './price.js';
export { type RateContext, type Rating, type Resolved, rateCdr, resolve } from './rate.js';
export { type Alert, type AlertKind, EU_ZONE, maskOf, Reason, reasonsOf } from './reasons.js';
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
export { StringIndex } from './string-index.js';
export { compileTrie, type DeckRow, Trie, type TrieData } from './trie.js';
