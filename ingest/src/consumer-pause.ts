/**
 * Pausing the consumer when the pipeline stops (Pipeline.stop), which may come after kafkajs
 * crashed or stopped it. Such a consumer has left its group, and its pause throws ("Consumer
 * group was not initialized"): it fetches nothing more anyway, so that throw is no failure of
 * the stop.
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
