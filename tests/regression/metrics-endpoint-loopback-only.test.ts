/**
 * Finding: the metrics endpoint was hard-wired to 127.0.0.1, so Prometheus on another host could
 * not scrape it. It now binds to metricsHost (RATEL_METRICS_HOST, loopback by default); off
 * loopback a bearer token (RATEL_METRICS_TOKEN) is required by the config and asked of every request.
 */
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { createMetrics, loadConfig, serveMetrics } from '@ratel/ingest';
import { describe, expect, it } from 'vitest';

const TOKEN = 'a-token-for-the-scraper-0042';
/** An address of this machine that is not loopback (there may be none in a bare container). */
const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('regression: metrics endpoint loopback only', () => {
  it('binds to the configured address, asks for the token, and serves with it', async () => {
    const cfg = loadConfig({ env: { RATEL_METRICS_HOST: '0.0.0.0', RATEL_METRICS_TOKEN: TOKEN } });
    const server = await serveMetrics(createMetrics(), 0, () => true, { host: cfg.metricsHost, token: cfg.metricsToken });
    try {
      const { address, port } = server.address() as AddressInfo;
      expect(address).toBe('0.0.0.0');
      const base = `http://${external ?? '127.0.0.1'}:${port}`;
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      expect((await fetch(`${base}/healthz`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('ratel_records_consumed_total');
      expect((await fetch(`${base}/readyz`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      server.close();
    }
  });

  it('off loopback without a token is CONFIG_INVALID; the default stays loopback and open', async () => {
    expect(() => loadConfig({ env: { RATEL_METRICS_HOST: '0.0.0.0' } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    const server = await serveMetrics(createMetrics(), 0, () => true);
    try {
      const { address, port } = server.address() as AddressInfo;
      expect(address).toBe('127.0.0.1');
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      server.close();
    }
  });
});
