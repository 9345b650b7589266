/** The bearer token check of the HTTP ingest (ingest/src/http-ingest/auth.ts). */
import { httpIngest } from '@ratel/ingest';
import { describe, expect, it } from 'vitest';

const TOKEN = 'a-token-of-sixteen-or-more';

describe('BearerCheck', () => {
  const check = new httpIngest.BearerCheck([TOKEN]);
  it('accepts the token as a bearer, the scheme in any case', () => {
    expect(check.accepts(`Bearer ${TOKEN}`)).toBe(true);
    expect(check.accepts(`bearer  ${TOKEN} `)).toBe(true);
  });
  it('refuses no header, another token, a prefix or an extension of it, and other schemes', () => {
    for (const h of [
      undefined,
      '',
      'Bearer',
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN} extra`,
      `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`,
      TOKEN,
    ])
      expect(check.accepts(h), String(h)).toBe(false);
  });
  it('takes any of several tokens; with none, refuses everything', () => {
    const two = new httpIngest.BearerCheck([null, TOKEN, 'another-token-0123456']);
    expect(two.accepts('Bearer another-token-0123456')).toBe(true);
    expect(two.accepts(`Bearer ${TOKEN}`)).toBe(true);
    expect(new httpIngest.BearerCheck([null]).accepts('Bearer null')).toBe(false);
  });
});
