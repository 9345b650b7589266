/** The worker-thread pool (Piscina) that checks CDR batches in parallel (see decode-worker.ts). */
import type { CdrLimits, DateWindow } from '@ratel/schemas';
import { Piscina } from 'piscina';
import type { CheckResult, CheckTask } from './decode-worker.js';

export interface DecodePool {
  /** The frames of a batch that cannot be rated (bad framing, schema id, Avro body or CDR). */
  check(frames: readonly Buffer[], schemaId: number, bounds?: Bounds): Promise<CheckResult>;
  readonly utilization: number;
  close(): Promise<void>;
}

/** The bounds and date window the frames are checked against (see cdr-check.ts). */
export interface Bounds {
  limits?: CdrLimits | undefined;
  window?: DateWindow | undefined;
}

export function createDecodePool(threads: number): DecodePool {
  const pool = new Piscina({
    // Resolves to the compiled worker both from src/ (tests) and dist/.
    filename: new URL('../dist/decode-worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  });
  return {
    async check(frames, schemaId, bounds = {}) {
      let total = 0;
      for (const f of frames) total += f.length;
      const buffer = new ArrayBuffer(total);
      const view = new Uint8Array(buffer);
      const offsets = new Int32Array(frames.length + 1);
      let off = 0;
      frames.forEach((f, i) => {
        offsets[i] = off;
        view.set(f, off);
        off += f.length;
      });
      offsets[frames.length] = off;
      const task: CheckTask = { buffer, offsets, schemaId, limits: bounds.limits, window: bounds.window, nowMs: Date.now() };
      return pool.run(task, { transferList: [buffer, offsets.buffer as ArrayBuffer] }) as Promise<CheckResult>;
    },
    get utilization() {
      return pool.utilization;
    },
    async close() {
      await pool.destroy();
    },
  };
}
