/**
 * A rows encoder for the rating workers that refuses every batch, naming the young generation
 * its worker thread runs with (worker_threads.resourceLimits): the pool test reads it back from
 * the batch's failure.
 */
import { resourceLimits } from 'node:worker_threads';

export function createRowsEncoder() {
  return () => {
    throw new Error(`young generation ${resourceLimits.maxYoungGenerationSizeMb} MB`);
  };
}
