/**
 * The webhook's signature: `X-Ratel-Signature: t=<unix seconds>,v1=<hex>`, where hex is
 * HMAC-SHA256(alerts.webhook.secret, "<t>.<body>") over the exact bytes of the body. Each attempt
 * is signed anew, so `t` is the time of the attempt: a receiver refuses a signature whose `t` is
 * more than its tolerance (300 s recommended) from its own clock, so a request captured on the way
 * cannot be played again later, and compares in constant time. Several `v1=` values may be
 * given (one per secret while a secret is rotated): any one that matches is enough.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-ratel-signature';
/** How far `t` may be from the receiver's clock (seconds) by default. */
export const DEFAULT_TOLERANCE_S = 300;

const hmac = (secret: string, t: number, body: string | Buffer): Buffer =>
  createHmac('sha256', secret).update(`${t}.`).update(body).digest();

/** The header value for `body` signed at `unixSeconds`. */
export function signatureHeader(secret: string, body: string | Buffer, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmac(secret, unixSeconds, body).toString('hex')}`;
}

/** Why a signature is refused, or null when it holds. */
export function signatureProblem(
  secret: string,
  header: string | undefined,
  body: string | Buffer,
  opts: { nowSeconds?: number; toleranceSeconds?: number } = {},
): string | null {
  if (!header) return 'no signature header';
  let t: number | null = null;
  const sigs: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't' && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && /^[0-9a-f]{64}$/.test(v)) sigs.push(v);
  }
  if (t === null) return 'no timestamp (t=) in the signature';
  if (sigs.length === 0) return 'no v1= signature';
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_S)) return 'timestamp outside the tolerance (replayed or clock skew)';
  const want = hmac(secret, t, body);
  return sigs.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), want)) ? null : 'signature does not match';
}

/** Whether the signature holds (signatureProblem says why not). */
export const verifySignature = (...args: Parameters<typeof signatureProblem>): boolean => signatureProblem(...args) === null;
