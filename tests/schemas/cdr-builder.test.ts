/** The CDR builder fills a complete cdr.v1 record from what rating reads. */
import { checkCdr, dataCdr, eventCdr, localCodecs, messageCdr, voiceCdr } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';

const codec = localCodecs().cdr;
const common = { id: 'x', account: 'a', user: 'u', start: '2026-10-05T09:00:00' };

describe('CDR builder', () => {
  it('builds well-formed records of every kind that survive the wire', () => {
    const cdrs = [
      voiceCdr({ ...common, callee: '0612345678', seconds: 60, ringSeconds: 5 }),
      voiceCdr({ ...common, callee: '0612345678', seconds: 0 }),
      messageCdr({ ...common, recipient: '0612345678', parts: 3 }),
      messageCdr({ ...common, recipient: '0612345678', mms: true }),
      dataCdr({ ...common, bytesDown: 1000, bytesUp: 10, seconds: 30 }),
      eventCdr({ ...common, service: 'answering.handled_call' }),
    ];
    for (const c of cdrs) {
      expect(checkCdr(c)).toBeNull();
      expect(codec.decode(codec.encode(c))).toEqual(c);
    }
  });

  it('reads ISO times as UTC unless they carry an offset, and derives the call times', () => {
    const v = voiceCdr({ ...common, start: '2026-10-05T09:00:00+02:00', callee: '1', seconds: 60, ringSeconds: 5 });
    expect(v.start_ms).toBe(Date.UTC(2026, 9, 5, 7));
    expect(v.voice).toMatchObject({
      answer_ms: v.start_ms + 5000,
      end_ms: v.start_ms + 65_000,
      duration_s: 65,
      billable_s: 60,
      disposition: 'ANSWERED',
    });
    expect(voiceCdr({ ...common, callee: '1', seconds: 0 }).voice).toMatchObject({
      answer_ms: null,
      disposition: 'NO_ANSWER',
      sip_status: 480,
    });
    expect(voiceCdr({ ...common, callee: '1', seconds: 1 }).start_ms).toBe(Date.UTC(2026, 9, 5, 9));
  });
});
