/**
 * Finding: `retry('dead-letter topic', …)` never retried, because withRetry only retried
 * RatelErrors and kafkajs throws its own errors. Now a kafkajs error marked retriable is retried
 * with backoff, and one that is not still fails at once.
 */
import { withRetry } from '@ratel/ingest';
import { KafkaJSConnectionError, KafkaJSNonRetriableError } from 'kafkajs';
import { describe, expect, it } from 'vitest';

describe('regression: dead-letter send never retried', () => {
  it('a retriable kafkajs error is retried until the send goes through', async () => {
    let calls = 0;
    const retried: number[] = [];
    const r = await withRetry(
      async () => {
        if (++calls < 3) throw new KafkaJSConnectionError('Connection error: broker gone');
        return 'sent';
      },
      { deadlineMs: 5000, initialMs: 10, onRetry: (n) => retried.push(n) },
    );
    expect([r, calls, retried]).toEqual(['sent', 3, [1, 2]]);
  });

  it('a kafkajs error that is not retriable fails at once', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new KafkaJSNonRetriableError('Message too large');
        },
        { deadlineMs: 5000, initialMs: 10 },
      ),
    ).rejects.toThrow('Message too large');
    expect(calls).toBe(1);
  });
});
