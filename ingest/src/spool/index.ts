/** The spool folder of `ratel import --watch` (README.md): when a file is complete, where it goes, its metrics. */
export { createSpoolMetrics, type SpoolMetrics } from './metrics.js';
export { freeName, type Outcome, type Placed, placeFile } from './outcome.js';
export { type Complete, type FileStat, type ReadyBy, type SettleOptions, Settler, sameStat } from './settle.js';
export { everyLineRejected, SpoolWatcher, type SpoolWatcherOptions, WORK_DIR } from './watcher.js';
export { procWriterScan, type WriterScan } from './writers.js';
