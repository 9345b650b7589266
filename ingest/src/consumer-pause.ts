/**
 * Pausing the consumer when the pipeline stops on a failure. A consumer that kafkajs crashed or
 * stopped has left its group, and its pause throws ("Consumer group was not initialized"): it
 * fetches nothing more anyway, so that throw is no second failure to raise from the event
 * handler that reports the first.
 */
import type { Consumer } from 'kafkajs';

/** Pauses `topic` on `consumer`; false when the consumer is no longer running (nothing to pause). */
export function pauseIfRunning(consumer: Pick<Consumer, 'pause'>, topic: string): boolean {
  try {
    consumer.pause([{ topic }]);
    return true;
  } catch {
    return false;
  }
}
