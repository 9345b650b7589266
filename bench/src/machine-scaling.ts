/**
 * What the machine's cores give to two threads of work that shares nothing: the yardstick for
 * rater_scaling_2t. A fixed loop of integer arithmetic over a few kilobytes (the first level of
 * cache; no allocation, no garbage collection, no memory traffic) runs in one worker thread,
 * then in two at once; the ratio is 2 × (one thread's wall time) / (two threads' wall time).
 * On a machine whose second core is all its own it reads about 2.0; a shared host (a busy
 * neighbour, a virtual core that is another's hyperthread) shows less, and no program scales
 * past it there.
 */
import { Worker } from 'node:worker_threads';

/** The worker: `units` rounds of an xorshift walk over 1,024 integers; posts their sum (so that the loop is not dropped as dead code). */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const a = new Int32Array(1024);
let x = 2463534242 | 0;
for (let u = 0; u < workerData.units; u++)
  for (let i = 0; i < 1024; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    a[i] = (a[i] + x) | 0;
  }
let s = 0;
for (let i = 0; i < 1024; i++) s = (s + a[i]) | 0;
parentPort.postMessage(s);
`;

/** Wall milliseconds for `threads` workers each doing `units` rounds at once (from the first start to the last end). */
async function wall(threads: number, units: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(WORKER, { eval: true, workerData: { units } });
          w.once('message', () => {
            void w.terminate();
            resolve();
          });
          w.once('error', reject);
        }),
    ),
  );
  return performance.now() - t0;
}

/** One measurement of the 2-thread ratio: about `ms` milliseconds of work for one thread, then the same for each of two. */
export async function machineScaling2t(ms = 400): Promise<number> {
  // Calibrate: rounds for about `ms` on one thread (a worker's start is a few milliseconds).
  const probe = 20_000;
  const probeMs = await wall(1, probe);
  const units = Math.max(probe, Math.round((probe * ms) / Math.max(1, probeMs)));
  const one = await wall(1, units);
  const two = await wall(2, units);
  return (2 * one) / two;
}
