/** Retries an operation with exponential backoff while its error is transient (store or broker down). */
import { isRatelError } from '@ratel/schemas';

export interface RetryOptions {
  /** Give up after this long (ms). */
  deadlineMs: number;
  initialMs?: number;
  maxMs?: number;
  onRetry?: (attempt: number, error: unknown) => void;
}

/**
 * Whether an error may pass: the store or broker unreachable (ratel's codes), or a kafkajs error
 * that kafkajs itself marks retriable (a leader moving, a connection lost). kafkajs throws its
 * own error classes, so a test on RatelError alone never retried a dead-letter send.
 */
const transient = (e: unknown): boolean =>
  (isRatelError(e) &&
    (e.code === 'STORE_UNREACHABLE' || e.code === 'BROKER_UNREACHABLE' || /timeout|ECONN|socket|EPIPE/i.test(e.message))) ||
  (e instanceof Error && (e as { retriable?: unknown }).retriable === true);

export async function withRetry<T>(op: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const end = Date.now() + opts.deadlineMs;
  let wait = opts.initialMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (!transient(e) || Date.now() + wait > end) throw e;
      opts.onRetry?.(attempt, e);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(opts.maxMs ?? 5000, wait * 2);
    }
  }
}
