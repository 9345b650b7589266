/**
 * A small client of the Confluent Schema Registry REST API: the one call ratel makes, registering
 * a schema under a subject (POST /subjects/<subject>/versions, which returns the id of an
 * identical schema already registered). Basic auth, and TLS with a CA file and an optional
 * client certificate. Replaces @confluentinc/schemaregistry, which brought 244 packages (cloud
 * KMS SDKs, Vault, axios...) into every install for this one request.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { errors } from './errors.js';
import { safeUrl } from './redact.js';
import { untrustedReason } from './tls.js';
import type { RegistryClient } from './wire.js';

export interface RegistryOptions {
  url: string;
  username?: string | null;
  password?: string | null;
  /** PEM files: the CA of the registry's certificate, and a client certificate and key. */
  caFile?: string | null;
  certFile?: string | null;
  keyFile?: string | null;
  timeoutMs?: number;
}

const readPem = (f: string, what: string): Buffer => {
  try {
    return readFileSync(f);
  } catch (e) {
    throw errors.inputUnreadable(f, `schema registry ${what}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
};

export function restRegistryClient(opts: RegistryOptions): RegistryClient {
  const base = new URL(opts.url);
  const where = safeUrl(opts.url);
  const username = opts.username ?? (decodeURIComponent(base.username) || null);
  const password = opts.password ?? (decodeURIComponent(base.password) || null);
  base.username = '';
  base.password = '';
  const tls =
    base.protocol === 'https:'
      ? {
          ...(opts.caFile ? { ca: readPem(opts.caFile, 'CA file') } : {}),
          ...(opts.certFile ? { cert: readPem(opts.certFile, 'certificate file') } : {}),
          ...(opts.keyFile ? { key: readPem(opts.keyFile, 'key file') } : {}),
        }
      : {};
  const auth = username !== null ? `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` : undefined;
  return {
    register(subject, schema) {
      const target = new URL(`${base.pathname.replace(/\/$/, '')}/subjects/${encodeURIComponent(subject)}/versions`, base);
      const body = JSON.stringify({ schemaType: schema.schemaType, schema: schema.schema });
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise<number>((resolve, reject) => {
        const req = send(
          target,
          {
            method: 'POST',
            ...tls,
            timeout: opts.timeoutMs ?? 10_000,
            headers: {
              'content-type': 'application/vnd.schemaregistry.v1+json',
              accept: 'application/vnd.schemaregistry.v1+json, application/json',
              'content-length': Buffer.byteLength(body),
              ...(auth ? { authorization: auth } : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              if (res.statusCode === 401 || res.statusCode === 403)
                return reject(
                  new Error(`the registry refused the credentials${username ? ` of user "${username}"` : ''} (HTTP ${res.statusCode})`),
                );
              let parsed: { id?: unknown; message?: unknown } = {};
              try {
                parsed = JSON.parse(text);
              } catch {
                // not JSON: reported below with the status
              }
              if (res.statusCode !== 200 || typeof parsed.id !== 'number')
                return reject(
                  new Error(`HTTP ${res.statusCode}: ${typeof parsed.message === 'string' ? parsed.message : text.slice(0, 200)}`),
                );
              resolve(parsed.id);
            });
          },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 10_000} ms`)));
        req.on('error', (e) => {
          const reason = untrustedReason(e);
          reject(
            reason
              ? errors.tlsUntrusted(
                  'schema registry',
                  where,
                  reason,
                  'set schemaRegistry.tls.caFile (RATEL_SCHEMA_REGISTRY_CA_FILE) to its CA',
                  e,
                )
              : e,
          );
        });
        req.end(body);
      });
    },
  };
}
