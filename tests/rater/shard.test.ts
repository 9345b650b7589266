// Which rating worker owns an account (rater/src/shard.ts): the shard read from a CDR's Avro body
// without decoding it is the shard of its account id, and a worker keeps only its shard's accounts.
import { accountShard, bodyShard, keepShardAccounts } from '@ratel/rater';
import { cdrType } from '@ratel/schemas';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { voice } from './helpers.js';

describe('bodyShard', () => {
  it('is the shard of the account id the body holds, for any id and number of shards', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 16 }),
        (account, id, shards) => {
          const body = cdrType.toBuffer(voice(id, 'u1', '+33612345678', '2026-10-05T10:00:00Z', 60, { account }));
          expect(bodyShard(body, 0, body.length, shards)).toBe(accountShard(account, shards));
        },
      ),
    );
  });

  it('is -1 for a body cut short or whose id length is absurd', () => {
    const body = cdrType.toBuffer(voice('c1', 'u1', '+33612345678', '2026-10-05T10:00:00Z', 60, { account: 'acme' }));
    expect(bodyShard(body, 0, 3, 4)).toBe(-1);
    const absurd = Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    expect(bodyShard(absurd, 0, absurd.length, 4)).toBe(-1);
  });
});

describe('keepShardAccounts', () => {
  it("keeps exactly the shard's accounts; the shards together hold the whole book once", () => {
    const ids = Array.from({ length: 1000 }, (_, k) => (k % 7 === 0 ? `compte-é${k}` : `acct${k}`));
    for (const shards of [1, 2, 3, 4]) {
      const kept = new Set<string>();
      for (let s = 0; s < shards; s++) {
        const book = new Map(ids.map((id) => [id, { id }]));
        keepShardAccounts(book, s, shards);
        for (const id of book.keys()) {
          expect(accountShard(id, shards)).toBe(s);
          expect(kept.has(id)).toBe(false);
          kept.add(id);
        }
      }
      expect(kept.size).toBe(ids.length);
    }
  });
});
