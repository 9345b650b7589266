/**
 * A rows encoder for the rating workers that ends its worker thread (process.exit in a worker
 * stops that thread only) at its `options.exitAt`-th batch, the first time any worker gets there
 * (a marker file says it happened): the real encoder otherwise.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { createRowsEncoder as storeEncoder } from '../../aggregator/dist/rows-encoder.js';

export function createRowsEncoder(options) {
  const encode = storeEncoder(options);
  let n = 0;
  return (rows, into) => {
    if (++n === options.exitAt && !existsSync(options.marker)) {
      writeFileSync(options.marker, 'exited\n');
      process.exit(3);
    }
    return encode(rows, into);
  };
}
