/**
 * A rows encoder for the rating workers (loaded by each worker, like the aggregator's) that
 * refuses the first `options.fail` batches of each worker, or every batch when it is -1, and
 * appends a line to `options.marks` each time it does: the real encoder otherwise.
 */
import { appendFileSync } from 'node:fs';
import { createRowsEncoder as storeEncoder } from '../../aggregator/dist/rows-encoder.js';

export function createRowsEncoder(options) {
  const encode = storeEncoder(options);
  const always = options.fail < 0;
  let left = options.fail;
  return (rows, into) => {
    if (always || left-- > 0) {
      appendFileSync(options.marks, 'refused\n');
      throw new Error('injected encoder refusal');
    }
    return encode(rows, into);
  };
}
