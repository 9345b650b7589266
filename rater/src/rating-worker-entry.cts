/**
 * The file Piscina loads in each rating worker (pool.ts). Piscina tries require() on its worker
 * file first; on Node 20 a require() of an ES module takes the synchronous require(esm) path,
 * which aborted the whole process from a starting rating worker (V8: "IsGraphAsync must be used
 * on an instantiated module") in about one run in four of the import tests. This CommonJS file is
 * what Piscina requires; it loads the worker module with import(), the asynchronous loader.
 */
export = import('./rating-worker.js').then((m) => m.default);
