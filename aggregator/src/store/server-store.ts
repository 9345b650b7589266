/** Server engine: a ClickHouse server over HTTP through @clickhouse/client. */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { errorCodes, errors, probeTls, safeUrl, speaksTls, untrustedReason } from '@ratel/schemas';
import { encodeFor, ROW_BINARY } from './encode.js';
import type { EncodedRows, Store } from './store.js';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET']);

const isNetworkError = (e: unknown): boolean => {
  const code = (e as { code?: string; cause?: { code?: string } })?.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  return code !== undefined && NETWORK_CODES.has(code);
};

/** ClickHouse's codes for a refused login: unknown user, wrong or missing password, address not allowed, failed authentication. */
const AUTH_CODES = new Set(['192', '193', '194', '195', '516']);

/** A refused login: by the client's parsed code, or by "Code: 193" in the text (18.16's error format is not parsed). */
const isAuthError = (e: unknown): boolean =>
  errorCodes(e).some((c) => AUTH_CODES.has(c)) || /\bCode: (19[2-5]|516)\b/.test(e instanceof Error ? e.message : String(e));

/** The user, password and TLS files of a server store (PEM files; the CA defaults to the system's). */
export interface ServerAuth {
  username?: string;
  password?: string | null;
  tls?: { caFile?: string | null; certFile?: string | null; keyFile?: string | null };
}

const readPem = (f: string, what: string): Buffer => {
  try {
    return readFileSync(f);
  } catch (e) {
    throw errors.inputUnreadable(f, `ClickHouse ${what} (store.tls): ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
};

function tlsOf(url: string, tls: ServerAuth['tls']) {
  if (!url.startsWith('https:') || !tls || !(tls.caFile || tls.certFile)) return {};
  const ca_cert = tls.caFile ? readPem(tls.caFile, 'CA file') : Buffer.from(rootCertificates.join('\n'));
  if (tls.certFile && tls.keyFile)
    return { tls: { ca_cert, cert: readPem(tls.certFile, 'certificate file'), key: readPem(tls.keyFile, 'key file') } };
  return { tls: { ca_cert } };
}

/**
 * Why a connection failed, as a typed error naming the server, never the password: a refused
 * login (STORE_AUTH_FAILED), a certificate not trusted (TLS_UNTRUSTED), an HTTPS port reached
 * with http:// (TLS_REQUIRED), else STORE_UNREACHABLE.
 */
async function connectError(url: string, user: string, e: unknown): Promise<Error> {
  const where = safeUrl(url);
  if (isAuthError(e)) return errors.storeAuthFailed(url, user, e);
  const reason = untrustedReason(e);
  if (reason) return errors.tlsUntrusted('ClickHouse', where, reason, 'set store.tls.caFile (RATEL_CLICKHOUSE_CA_FILE) to its CA', e);
  const u = new URL(url);
  if (u.protocol === 'http:' && isNetworkError(e) && (await speaksTls(u.hostname, Number(u.port || 80))))
    return errors.tlsRequired('ClickHouse', where, 'use an https:// store.url (RATEL_CLICKHOUSE_URL)', e);
  return errors.storeUnreachable(url, e);
}

export async function openServerStore(url: string, database = 'default', auth: ServerAuth = {}): Promise<Store> {
  const user = auth.username ?? (decodeURIComponent(new URL(url).username) || 'default');
  const client: ClickHouseClient = createClient({
    url,
    database,
    ...(auth.username !== undefined ? { username: auth.username } : {}),
    ...(auth.password ? { password: auth.password } : {}),
    ...tlsOf(url, auth.tls),
    // ratel reports errors itself (typed, once); the client's own logger stays quiet.
    log: { level: ClickHouseLogLevel.OFF },
    // Shorter than the server's keep-alive timeout, so an idle socket is never reused after the
    // server closed it (which shows as EPIPE / socket hang up).
    keep_alive: { enabled: true, idle_socket_ttl: 1000 },
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  const fail = (sql: string, e: unknown): never => {
    if (isAuthError(e)) throw errors.storeAuthFailed(url, user, e);
    throw isNetworkError(e) ? errors.storeUnreachable(url, e) : errors.storeQueryFailed('server', sql, e);
  };
  const u = new URL(url);
  // An https:// URL on a plain HTTP port would wait for the request timeout: a TLS handshake first says so at once.
  if (u.protocol === 'https:' && (await probeTls(u.hostname, Number(u.port || 443), 3000)) === 'no-tls') {
    await client.close();
    throw errors.storeUnreachable(
      url,
      new Error(`${u.host} did not answer a TLS handshake: is it a plain HTTP port? then use an http:// store.url (RATEL_CLICKHOUSE_URL)`),
    );
  }
  try {
    const ok = await client.ping();
    if (!ok.success) throw ok.error;
    // /ping asks for no login: a first query checks the user and password.
    await client.command({ query: 'SELECT 1' });
  } catch (e) {
    await client.close();
    throw await connectError(url, user, e);
  }
  const store: Store = {
    engine: 'server',
    where: safeUrl(url),
    async exec(sql) {
      try {
        await client.command({ query: sql });
      } catch (e) {
        fail(sql, e);
      }
    },
    async query<T>(sql: string) {
      try {
        const rs = await client.query({ query: sql, format: 'JSONEachRow' });
        return (await rs.json()) as T[];
      } catch (e) {
        return fail(sql, e);
      }
    },
    encode(table, rows): EncodedRows {
      return encodeFor('server', table, rows);
    },
    async insert(table, rows) {
      await store.insertEncoded(table, [store.encode(table, rows)]);
    },
    async insertEncoded(table, parts) {
      const some = parts.filter((p) => p.rows > 0);
      const first = some[0];
      if (first === undefined) return;
      const columns = ROW_BINARY.get(table)?.columns.map((c) => c.name);
      const query =
        first.format === 'RowBinary'
          ? `INSERT INTO ${table} (${columns?.join(', ')}) FORMAT RowBinary`
          : `INSERT INTO ${table} FORMAT JSONEachRow`;
      try {
        const res = await client.exec({ query, values: Readable.from(some.map((p) => p.data)) });
        await new Promise<void>((ok, ko) => res.stream.on('end', ok).on('error', ko).resume());
      } catch (e) {
        fail(`INSERT INTO ${table}`, e);
      }
    },
    async close() {
      await client.close();
    },
  };
  return store;
}
