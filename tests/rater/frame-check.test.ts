/** The pool's worker: checks a batch of frames and names the ones that cannot be rated, in order. */
import { checkFrames as check } from '@ratel/rater';
import { type Cdr, localCodecs } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';
import { voice } from './helpers.js';

const codec = localCodecs().cdr;

function task(frames: Buffer[]) {
  const offsets = new Int32Array(frames.length + 1);
  for (let i = 0; i < frames.length; i++) offsets[i + 1] = (offsets[i] as number) + (frames[i] as Buffer).length;
  const all = Buffer.concat(frames);
  const buffer = new ArrayBuffer(all.length);
  new Uint8Array(buffer).set(all);
  return { buffer, offsets, schemaId: codec.schemaId };
}

describe('decode worker check', () => {
  const good = codec.encode(voice('ok', 'u1', '+33612345678', '2025-03-03T08:00:00Z', 60));
  const badRule: Cdr = { ...voice('neg', 'u1', '+33612345678', '2025-03-03T08:00:00Z', 60) };
  (badRule.voice as NonNullable<Cdr['voice']>).billable_s = 120; // more than its duration
  const otherSchema = Buffer.from(good);
  otherSchema.writeUInt32BE(99, 1);

  it('passes good frames and names each bad one with its reason, in batch order', () => {
    const frames = [
      good,
      Buffer.from('junk'),
      otherSchema,
      codec.encode(badRule),
      Buffer.concat([good.subarray(0, 5), Buffer.from([0xff])]),
      good,
    ];
    const { bad } = check(task(frames));
    expect(bad.map((b) => b.index)).toEqual([1, 2, 3, 4]);
    expect(bad[0]?.reason).toMatch(/wire-format/);
    expect(bad[1]?.reason).toBe('unknown schema id 99');
    expect(bad[2]?.reason).toMatch(/billable_s 120 exceeds duration_s/);
    expect(bad[3]?.reason).toMatch(/Avro body does not match/);
  });

  it('a batch of good frames has no bad ones', () => {
    expect(check(task([good, good, good])).bad).toEqual([]);
  });
});
