/** What a failed connection says about TLS: an untrusted certificate, or a TLS port reached in plain text. */
import { connect } from 'node:tls';

/** Node's codes for a certificate that does not verify (OpenSSL's, and the hostname check's). */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The error codes along an error's chain of causes (cause, kafkajs' originalError). */
export function errorCodes(e: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  let cur: unknown = e;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    const o = cur as { code?: unknown; cause?: unknown; originalError?: unknown };
    if (typeof o.code === 'string') out.push(o.code);
    cur = o.cause ?? o.originalError;
  }
  return out;
}

/** The certificate problem of a failed TLS connection (a readable reason), or undefined. */
export function untrustedReason(e: unknown): string | undefined {
  const code = errorCodes(e).find((c) => UNTRUSTED.has(c));
  if (code === undefined) return undefined;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'it does not name this host';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return `${code}: outside its validity dates`;
  return `${code}: not signed by a CA ratel trusts`;
}

/**
 * What host:port does with a TLS handshake (any certificate accepted), within the timeout:
 * 'tls' completes it, 'refused' takes no connection, 'no-tls' takes the connection but no handshake.
 */
export function probeTls(host: string, port: number, timeoutMs = 2000): Promise<'tls' | 'refused' | 'no-tls'> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, rejectUnauthorized: false, servername: /^[\d.:[\]]+$/.test(host) ? undefined : host });
    const done = (v: 'tls' | 'refused' | 'no-tls') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done('no-tls'), timeoutMs);
    socket.once('secureConnect', () => done('tls'));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      done(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(e.code ?? '') ? 'refused' : 'no-tls'),
    );
  });
}

/** Whether host:port completes a TLS handshake (any certificate), within the timeout. */
export const speaksTls = async (host: string, port: number, timeoutMs = 2000): Promise<boolean> =>
  (await probeTls(host, port, timeoutMs)) === 'tls';
