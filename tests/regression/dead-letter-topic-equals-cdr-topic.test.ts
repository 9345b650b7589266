/**
 * Finding: a dead-letter topic equal to the CDR topic looped 3 bad frames into 7,923 dead letters
 * in 30 s (each dead letter consumed again as a CDR). The config now refuses it at start.
 */
import { loadConfig } from '@ratel/ingest';
import { describe, expect, it } from 'vitest';

describe('regression: dead-letter topic equals the CDR topic', () => {
  it('is CONFIG_INVALID naming kafka.deadLetterTopic, from the environment or a flag', () => {
    expect(() => loadConfig({ env: { RATEL_KAFKA_TOPIC: 'cdrs', RATEL_KAFKA_DLQ_TOPIC: 'cdrs' } })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('kafka.deadLetterTopic (RATEL_KAFKA_DLQ_TOPIC)'),
      }),
    );
    expect(() => loadConfig({ env: {}, overrides: { 'kafka.deadLetterTopic': 'ratel.cdrs' } })).toThrow(/kafka\.deadLetterTopic/);
  });
  it('distinct topics still load', () => {
    expect(loadConfig({ env: { RATEL_KAFKA_TOPIC: 'cdrs', RATEL_KAFKA_DLQ_TOPIC: 'cdrs.dlq' } }).kafka.deadLetterTopic).toBe('cdrs.dlq');
  });
});
