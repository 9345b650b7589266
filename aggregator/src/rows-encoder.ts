/**
 * A rated batch's rows encoded for the store (archived CDRs, rated events, alerts), as the
 * rating workers make them: this module is what they load (ROWS_ENCODER_MODULE), and the
 * in-process sinks encode with the same function (session-ports.ts).
 */
import type { EncodedRows, RatedRows } from '@ratel/rater';
import { encodeRatedRows } from './store/encode.js';
import type { EngineName } from './store/store.js';

export interface RowsEncoderOptions {
  engine: EngineName;
}

/** The module a RatingPool's workers load to encode their rows (RatingPoolOptions.encoder.module), from dist/ in every case. */
export const ROWS_ENCODER_MODULE = new URL('../dist/rows-encoder.js', import.meta.url).href;

/**
 * Encodes a batch's rows: one part per table, in the order cdrs, rated_events, alerts, views of one
 * buffer (`into` when given and large enough: a rating worker reuses the buffers its rows went
 * back to the main thread in). An encoder refusal throws.
 */
export function createRowsEncoder(options: RowsEncoderOptions): (rows: RatedRows, into?: Buffer | null) => EncodedRows[] {
  const { engine } = options;
  return (rows, into = null) => encodeRatedRows(engine, rows, into);
}

/** The encoder options of a store: give them with ROWS_ENCODER_MODULE to a RatingPool. */
export const rowsEncoderFor = (store: { engine: EngineName }) => ({ module: ROWS_ENCODER_MODULE, options: { engine: store.engine } });
