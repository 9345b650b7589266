// Bug: when the broker stopped, kafkajs crashed the consumer and the pipeline's failure handler
// paused it; a crashed consumer's pause throws "Consumer group was not initialized", and that
// throw escaped the CRASH event handler as an uncaught error (seen in a clean-clone CI run of
// tests/integration/http-ingest.test.ts). The pipeline now pauses only a consumer still running.
import { KafkaJSNonRetriableError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { pauseIfRunning } from '../../ingest/src/consumer-pause.js';

describe('pause after a consumer crash', () => {
  it("a crashed consumer's pause that throws is no second failure", () => {
    const crashed = {
      pause: () => {
        throw new KafkaJSNonRetriableError('Consumer group was not initialized, consumer#run must be called first');
      },
    };
    expect(pauseIfRunning(crashed, 'cdrs')).toBe(false);
  });

  it('a running consumer is paused on the topic', () => {
    const paused: unknown[] = [];
    expect(pauseIfRunning({ pause: (t) => void paused.push(t) }, 'cdrs')).toBe(true);
    expect(paused).toEqual([[{ topic: 'cdrs' }]]);
  });
});
