// The webhook's attempts and retries (ingest/src/alerts-out/webhook.ts) against a real HTTP
// server on loopback: signed requests, exponential backoff with jitter, give-up, timeouts,
// redirects not followed, and a stop that cuts a wait short.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertsOut } from '@ratel/ingest';
import type { AlertEvent } from '@ratel/schemas';
import { afterEach, describe, expect, it } from 'vitest';

const { backoffMs, deliver, verifySignature } = alertsOut;
const SECRET = 'whsec-0123456789abcdef';
const alert: AlertEvent = {
  id: '6f1c0b3d2a9e8f7c6b5a4d3e2f1a0b9c',
  kind: 'CREDIT_LIMIT',
  scope: 'ACCOUNT',
  may_restrict: 'OUTBOUND_CALLS',
  account_id: 'acc-1',
  user_id: 'u1',
  month: 202503,
  cdr_id: 'c9',
  at_ms: 1_741_600_000_000,
  cdr_timestamp_ms: 1_741_600_001_000,
  raised_at_ms: 1_741_600_001_200,
  detail: 'usage 100010000 micros exceeds credit limit 100000000',
};

interface Seen {
  path: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}
let server: Server | null = null;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = null;
});

/** A receiver answering each request with answer(n) (n from 1), recording what it got. */
async function receiver(answer: (n: number) => number | 'hang'): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      seen.push({ path: req.url, headers: req.headers, body });
      const a = answer(seen.length);
      if (a === 'hang') return;
      res.writeHead(a, a === 302 ? { location: '/elsewhere' } : {}).end();
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, seen };
}

const settings = (url: string, over: Partial<alertsOut.WebhookSettings> = {}): alertsOut.WebhookSettings => ({
  url,
  secret: SECRET,
  timeoutMs: 2000,
  minBackoffMs: 10,
  maxBackoffMs: 40,
  maxAttempts: 0,
  ...over,
});

function hooks(over: Partial<alertsOut.DeliveryHooks> = {}) {
  const failures: [string, number, number | null][] = [];
  const h: alertsOut.DeliveryHooks = {
    running: () => true,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    onFailure: (reason, attempt, retryIn) => failures.push([reason, attempt, retryIn]),
    ...over,
  };
  return { h, failures };
}

describe('backoffMs', () => {
  it('doubles its ceiling from the minimum up to the maximum, drawn between half the ceiling and the ceiling', () => {
    expect([1, 2, 3, 4, 5, 6, 30, 2000].map((n) => backoffMs(n, 250, 5000, () => 1))).toEqual([
      250, 500, 1000, 2000, 4000, 5000, 5000, 5000,
    ]);
    expect([1, 2, 3, 6].map((n) => backoffMs(n, 250, 5000, () => 0))).toEqual([125, 250, 500, 2500]);
    for (let n = 1; n < 12; n++) {
      const w = backoffMs(n, 250, 5000);
      const ceiling = Math.min(5000, 250 * 2 ** (n - 1));
      expect(w).toBeGreaterThanOrEqual(ceiling / 2);
      expect(w).toBeLessThanOrEqual(ceiling);
    }
  });
});

describe('deliver', () => {
  it('retries a receiver that fails twice, and every attempt is signed anew with the alert id and attempt number', async () => {
    const { url, seen } = await receiver((n) => (n <= 2 ? 503 : 200));
    const { h, failures } = hooks();
    expect(await deliver(settings(url), alert, h)).toBe('delivered');
    expect(seen.map((s) => s.headers['x-ratel-attempt'])).toEqual(['1', '2', '3']);
    for (const s of seen) {
      expect(s.headers['content-type']).toBe('application/json');
      expect(s.headers['x-ratel-alert-id']).toBe(alert.id);
      expect(verifySignature(SECRET, s.headers['x-ratel-signature'] as string, s.body)).toBe(true);
      expect(JSON.parse(s.body)).toEqual(alert);
    }
    expect(failures.map(([r, a]) => [r, a])).toEqual([
      ['http_503', 1],
      ['http_503', 2],
    ]);
    expect(failures[0]?.[2]).toBeGreaterThanOrEqual(5);
    expect(failures[1]?.[2]).toBeGreaterThanOrEqual(10);
  });

  it('gives up after maxAttempts; 0 means until delivered', async () => {
    const { url, seen } = await receiver(() => 500);
    const { h, failures } = hooks();
    expect(await deliver(settings(url, { maxAttempts: 3 }), alert, h)).toBe('given_up');
    expect(seen).toHaveLength(3);
    expect(failures.map(([, a, wait]) => [a, wait === null])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
  });

  it('a receiver that does not answer in time is a timeout; a closed port a network failure; a redirect is not followed', async () => {
    const { url, seen } = await receiver((n) => (n === 1 ? 'hang' : n === 2 ? 302 : 204));
    const { h, failures } = hooks();
    expect(await deliver(settings(url, { timeoutMs: 200 }), alert, h)).toBe('delivered');
    expect(failures.map(([r]) => r)).toEqual(['timeout', 'http_302']);
    expect(seen.map((s) => [s.path, s.headers['x-ratel-attempt']])).toEqual([
      ['/hook', '1'],
      ['/hook', '2'],
      ['/hook', '3'],
    ]);
    const closed = await receiver(() => 200);
    const port = new URL(closed.url).port;
    server?.close();
    server = null;
    const down = hooks();
    expect(await deliver(settings(`http://127.0.0.1:${port}/hook`, { maxAttempts: 1 }), alert, down.h)).toBe('given_up');
    expect(down.failures.map(([r]) => r)).toEqual(['network']);
  });

  it('a stop during the wait ends the delivery as stopped, the alert left for the next reader', async () => {
    const { url } = await receiver(() => 503);
    const stop = new AbortController();
    let running = true;
    const { h } = hooks({
      running: () => running,
      sleep: async () => {
        running = false;
        stop.abort();
      },
      stop: stop.signal,
    });
    expect(await deliver(settings(url), alert, h)).toBe('stopped');
  });
});
