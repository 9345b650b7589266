/**
 * The file Piscina loads in each PDF worker (pdf-pool.ts): CommonJS, so that Piscina's require()
 * does not load an ES module through Node 20's require(esm) (it aborted the process from a
 * starting rating worker: rater/src/rating-worker-entry.cts); it imports pdf-worker.js.
 */
export = import('./pdf-worker.js').then((m) => m.default);
