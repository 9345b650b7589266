// The webhook signature (ingest/src/alerts-out/signature.ts). The expected HMAC was worked out
// apart from ratel:
//   printf '%s' '1700000000.{"id":"x"}' | openssl dgst -sha256 -hmac 'whsec-0123456789abcdef'
import { alertsOut } from '@ratel/ingest';
import { describe, expect, it } from 'vitest';

const { signatureHeader, signatureProblem, verifySignature } = alertsOut;
const SECRET = 'whsec-0123456789abcdef';
const BODY = '{"id":"x"}';
const T = 1_700_000_000;
const HEX = 'ffcc3087b2ccc7bc8c7614f2a2500a2cb8605108d6b4bb72c037de4f60d0bd08';

describe('webhook signature', () => {
  it('is t=<unix seconds>,v1=<HMAC-SHA256 of "t.body" in hex>', () => {
    expect(signatureHeader(SECRET, BODY, T)).toBe(`t=${T},v1=${HEX}`);
    expect(signatureHeader(SECRET, Buffer.from(BODY), T)).toBe(`t=${T},v1=${HEX}`);
  });

  it('verifies within the tolerance, on either side of the clock', () => {
    const h = signatureHeader(SECRET, BODY, T);
    expect(verifySignature(SECRET, h, BODY, { nowSeconds: T })).toBe(true);
    expect(verifySignature(SECRET, h, BODY, { nowSeconds: T + 300 })).toBe(true);
    expect(verifySignature(SECRET, h, BODY, { nowSeconds: T - 300 })).toBe(true);
  });

  it('refuses a replay past the tolerance, a changed body, another secret or a changed t', () => {
    const h = signatureHeader(SECRET, BODY, T);
    expect(signatureProblem(SECRET, h, BODY, { nowSeconds: T + 301 })).toMatch(/tolerance/);
    expect(signatureProblem(SECRET, h, BODY, { nowSeconds: T + 10, toleranceSeconds: 5 })).toMatch(/tolerance/);
    expect(signatureProblem(SECRET, h, '{"id":"y"}', { nowSeconds: T })).toBe('signature does not match');
    expect(signatureProblem('another-secret-0123', h, BODY, { nowSeconds: T })).toBe('signature does not match');
    expect(signatureProblem(SECRET, h.replace(`t=${T}`, `t=${T + 1}`), BODY, { nowSeconds: T })).toBe('signature does not match');
  });

  it('takes any one of several v1 values (a secret being rotated)', () => {
    const other = signatureHeader('the-old-secret-0123', BODY, T).split(',')[1];
    expect(verifySignature(SECRET, `t=${T},${other},v1=${HEX}`, BODY, { nowSeconds: T })).toBe(true);
    expect(verifySignature(SECRET, `t=${T},${other}`, BODY, { nowSeconds: T })).toBe(false);
  });

  it('says what is wrong with a malformed header', () => {
    expect(signatureProblem(SECRET, undefined, BODY)).toBe('no signature header');
    expect(signatureProblem(SECRET, `v1=${HEX}`, BODY)).toMatch(/no timestamp/);
    expect(signatureProblem(SECRET, `t=abc,v1=${HEX}`, BODY)).toMatch(/no timestamp/);
    expect(signatureProblem(SECRET, `t=${T}`, BODY)).toBe('no v1= signature');
    expect(signatureProblem(SECRET, `t=${T},v1=${HEX.slice(2)}`, BODY, { nowSeconds: T })).toBe('no v1= signature');
    expect(signatureProblem(SECRET, `t=${T},v0=${HEX}`, BODY, { nowSeconds: T })).toBe('no v1= signature');
  });
});
