/**
 * The bearer token check: `Authorization: Bearer <token>`, compared in constant time (both sides
 * hashed first, so neither the length nor a prefix of the token shows in the timing).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export class BearerCheck {
  private readonly want: Buffer[];

  /** Any of the tokens is accepted (null ones are left out). */
  constructor(tokens: readonly (string | null)[]) {
    this.want = tokens.filter((t): t is string => t !== null).map(digest);
  }

  accepts(header: string | undefined): boolean {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
    if (m === null) return false;
    const got = digest(m[1] as string);
    let ok = false;
    for (const w of this.want) ok = timingSafeEqual(got, w) || ok;
    return ok;
  }
}
