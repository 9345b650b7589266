/**
 * Finding: a request waiting for its turn (httpIngest.maxInFlight reached) whose client went away
 * was read once its turn came, but its 'close' had been emitted already: the read never ended,
 * the turn was never given back, and once every turn was lost so the server answered nothing.
 * readBody now takes a body already destroyed as ABORTED. Real Kafka (shared broker, a topic of
 * its own), the server in this process with one turn.
 */
import { createKafka, createLogger, httpIngest, loadConfig, sources } from '@ratel/ingest';
import { localCodecs, voiceCdr } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';
import { KAFKA_BROKERS } from '../services.js';

const TOKEN = 'regression-token-0123456789';
const line = `${sources.ratelJsonLine(voiceCdr({ id: 'w1', account: 'acc-1', user: 'u1', start: Date.UTC(2026, 9, 5), callee: '+33612345678', seconds: 30 }))}\n`;

describe('regression: http ingest waiting request gone stalls', () => {
  it('a client gone while waiting gives its turn back: the next request is answered', async () => {
    const tag = `it.http.gone.${process.pid}.${Date.now()}`;
    const cfg = loadConfig({
      env: {
        RATEL_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
        RATEL_KAFKA_TOPIC: tag,
        RATEL_KAFKA_DLQ_TOPIC: `${tag}.dlq`,
        RATEL_HTTP_INGEST_TOKEN: TOKEN,
        RATEL_HTTP_INGEST_PORT: '0',
        RATEL_HTTP_INGEST_MAX_IN_FLIGHT: '1',
      },
    });
    const log = createLogger('silent');
    const kafka = createKafka(cfg, log);
    const svc = await httpIngest.startHttpIngestService(cfg, { kafka, codec: localCodecs().cdr, log });
    const url = `${svc.ingest.url}/v1/cdrs?format=ratel-jsonl`;
    const headers = { authorization: `Bearer ${TOKEN}` };
    const waiting = async () => (await svc.ingest.metrics.waiting.get()).values[0]?.value ?? 0;
    try {
      // A holds the only turn: its body is still coming.
      let finish: () => void = () => {};
      const slow = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(line));
          finish = () => c.close();
        },
      });
      const a = fetch(url, { method: 'POST', headers, body: slow, duplex: 'half' } as RequestInit);
      // B waits for the turn, then its client goes away.
      const gone = new AbortController();
      const b = fetch(url, { method: 'POST', headers, body: line, signal: gone.signal }).catch((e: Error) => e.name);
      for (let i = 0; i < 100 && (await waiting()) < 1; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await waiting()).toBe(1);
      gone.abort();
      expect(await b).toBe('AbortError');
      await new Promise((r) => setTimeout(r, 200));
      finish();
      expect((await a).status).toBe(202);
      // C: answered, within seconds (before the fix it waited for a turn that never came back).
      const c = await fetch(url, { method: 'POST', headers, body: line, signal: AbortSignal.timeout(10_000) });
      expect(c.status).toBe(202);
    } finally {
      await svc.stop();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [tag, `${tag}.dlq`] }).catch(() => {});
      await admin.disconnect();
    }
  });
});
