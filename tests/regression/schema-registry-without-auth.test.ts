/**
 * Finding: the schema registry client had no auth and no TLS settings, so a secured registry
 * (Confluent Cloud: an API key and secret over HTTPS) could not be used. ratel's registry client
 * now sends basic auth (schemaRegistry.username / password) and trusts the CA of
 * schemaRegistry.tls.caFile. Tested against a stand-in of the registry's REST call over HTTPS
 * with the local test CA's certificate (made by `deploy/services.sh up secured`).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generateAccounts, generateCdrs } from '@ratel/ingest';
import { localCodecs, registryCodecs } from '@ratel/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CA_FILE, CERTS, OTHER_CA_FILE } from '../secured-services.js';

const KEY = 'sr-api-key';
const SECRET = 'sr-api-secret-91c4';
let server: Server;
let url: string;
const seen: { path: string; auth?: string; body: { schemaType?: string; schema?: string } }[] = [];

beforeAll(async () => {
  server = createServer({ cert: readFileSync(join(CERTS, 'server.pem')), key: readFileSync(join(CERTS, 'server.key')) }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(body || '{}') });
      if (req.headers.authorization !== `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error_code":401,"message":"Unauthorized"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify({ id: req.url?.includes('rated') ? 101 : req.url?.includes('alerts') ? 102 : 100 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://localhost:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server?.close());

describe('regression: schema registry without auth', () => {
  it('registers over HTTPS with basic auth and the configured CA, and frames with the registry ids', async () => {
    const codecs = await registryCodecs({
      url,
      auth: { username: KEY, password: SECRET, caFile: CA_FILE },
      cdrTopic: 'sr.cdrs',
      ratedTopic: 'sr.cdrs.rated',
      alertsTopic: 'sr.alerts.v1',
    });
    expect([codecs.mode, codecs.cdr.schemaId, codecs.rated.schemaId, codecs.alert.schemaId]).toEqual(['registry', 100, 101, 102]);
    expect(seen.map((s) => s.path).sort()).toEqual([
      '/subjects/sr.alerts.v1-value/versions',
      '/subjects/sr.cdrs-value/versions',
      '/subjects/sr.cdrs.rated-value/versions',
    ]);
    expect(seen[0]?.body.schemaType).toBe('AVRO');
    expect(JSON.parse(seen[0]?.body.schema ?? '{}').type).toBe('record');
    const [cdr] = generateCdrs(generateAccounts({ accounts: 1, month: 202610, seed: 1 }), {
      accounts: 1,
      month: 202610,
      seed: 1,
      malformedShare: 0,
    });
    if (!cdr) throw new Error('no CDR generated');
    const frame = codecs.cdr.encode(cdr);
    expect(frame.readUInt32BE(1)).toBe(100);
    expect(codecs.cdr.decode(frame)).toEqual(localCodecs().cdr.decode(localCodecs().cdr.encode(cdr)));
  });

  it('wrong credentials and an untrusted certificate are clear errors without the secret', async () => {
    const wrong = await registryCodecs({
      url,
      auth: { username: KEY, password: 'not-the-secret', caFile: CA_FILE },
      cdrTopic: 'a',
      ratedTopic: 'b',
      alertsTopic: 'c',
    }).catch((e: Error) => e);
    expect((wrong as Error).message).toMatch(/refused the credentials of user "sr-api-key" \(HTTP 401\)/);
    expect((wrong as Error).message).not.toContain('not-the-secret');
    const untrusted = await registryCodecs({
      url,
      auth: { username: KEY, password: SECRET, caFile: OTHER_CA_FILE },
      cdrTopic: 'a',
      ratedTopic: 'b',
      alertsTopic: 'c',
    }).catch((e: Error & { code?: string }) => e);
    expect((untrusted as { code?: string }).code).toBe('TLS_UNTRUSTED');
    expect((untrusted as Error).message).toContain(url);
    expect((untrusted as Error).message).not.toContain(SECRET);
  });
});
