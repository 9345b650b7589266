/**
 * Schema-valid CDRs with extreme values, through the engine and the store encoder: each is
 * either refused with a typed dead letter or rated into rows the encoder takes. Never an
 * exception. And the frame checker, fed random and mutated bytes for a bounded time
 * (RATEL_FUZZ_MS, 10 s by default), only ever answers with a reason.
 */
import { columnsOf, rowEncoder, TABLES } from '@ratel/aggregator';
import { accountBook, checkFrames, loadCatalog, newOutput, RatingEngine } from '@ratel/rater';
import { type Cdr, DEFAULT_WINDOW, localCodecs } from '@ratel/schemas';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountInput } from './helpers.js';

const catalog = loadCatalog();
const accounts = accountBook(
  [
    accountInput('a1', 'fr-pro', ['u1', 'u2']),
    accountInput('a2', 'be-mobile-unlimited', ['m1']),
    accountInput('a3', 'answering-service', ['s1']),
  ],
  catalog,
);
const NOW = Date.parse('2026-10-20T12:00:00Z');
const codec = localCodecs().cdr;
const FUZZ_MS = Number(process.env.RATEL_FUZZ_MS ?? 10_000);

const extremeInt = fc.oneof(
  fc.constantFrom(0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 86_400, 86_401),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);
const extremeLong = fc.oneof(
  fc.constantFrom(0, -1, 1e16, 8.64e15, 2 ** 53 - 2, -(2 ** 53) + 2, NOW, NOW + 3_600_001, Date.parse('2100-01-01')),
  fc.integer({ min: -(2 ** 48), max: 2 ** 48 }),
  fc.integer({ min: NOW - 200 * 86_400_000, max: NOW + 86_400_000 }),
);
const text = fc.oneof(
  fc.constantFrom('', '+33612345678', '0612345678', '112', '0899123456', '+', '00', 'a'.repeat(300), '=1+2', '\u0000', '../x'),
  fc.string({ maxLength: 40 }),
);
const direction = fc.constantFrom('OUTBOUND' as const, 'INBOUND' as const, 'FORWARDED' as const);
const ids = fc.constantFrom('a1', 'a2', 'a3', 'nobody', '');
const users = fc.constantFrom('u1', 'u2', 'm1', 's1', 'x', '');

const cdr: fc.Arbitrary<Cdr> = fc
  .record({
    id: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('dup', 'x'.repeat(400))),
    account_id: ids,
    user_id: users,
    start_ms: extremeLong,
    roaming_country: fc.constantFrom(null, 'FR', 'ES', 'US', 'BE', ''),
    kind: fc.constantFrom('VOICE' as const, 'SMS' as const, 'MMS' as const, 'DATA' as const, 'EVENT' as const),
    n: extremeInt,
    m: extremeInt,
    big: extremeLong,
    big2: extremeLong,
    a: text,
    b: text,
    dir: direction,
  })
  .map((r): Cdr => {
    const base = {
      id: r.id,
      kind: r.kind,
      account_id: r.account_id,
      user_id: r.user_id,
      start_ms: r.start_ms,
      roaming_country: r.roaming_country,
    };
    const none = { voice: null, message: null, data: null, event: null };
    switch (r.kind) {
      case 'VOICE':
        return {
          ...base,
          ...none,
          voice: {
            sip_call_id: r.a,
            trunk_id: 't',
            caller: r.b,
            callee: r.a,
            forwarded_from: null,
            direction: r.dir,
            answer_ms: null,
            end_ms: r.big,
            duration_s: r.n,
            billable_s: r.m,
            disposition: 'ANSWERED',
            sip_status: 200,
          },
        };
      case 'SMS':
      case 'MMS':
        return { ...base, ...none, message: { sender: r.b, recipient: r.a, direction: r.dir, parts: r.n } };
      case 'DATA':
        return { ...base, ...none, data: { end_ms: r.big, bytes_up: r.big, bytes_down: r.big2, apn: r.a } };
      default:
        return { ...base, ...none, event: { service: r.a, quantity: r.n, reference: null } };
    }
  });

const encoders = {
  rated_events: rowEncoder('rated_events', columnsOf(TABLES.rated_events)),
  alerts: rowEncoder('alerts', columnsOf(TABLES.alerts)),
};

describe('hostile values', () => {
  it('any schema-valid CDR gives a typed refusal or a rating the store encoder takes, never an exception', () => {
    fc.assert(
      fc.property(fc.array(cdr, { minLength: 1, maxLength: 30 }), fc.boolean(), (cdrs, window) => {
        const engine = new RatingEngine({ catalog, accounts, window: window ? DEFAULT_WINDOW : undefined }, () => NOW);
        const out = newOutput();
        engine.addAll(cdrs, out);
        engine.addAll([...cdrs].reverse(), out);
        for (const d of out.dead) {
          expect(d.code).toMatch(/^(CDR_|UNKNOWN_DESTINATION)/);
          expect(d.reason.length).toBeLessThan(2000);
        }
        encoders.rated_events.encode(out.events);
        encoders.alerts.encode(out.alerts);
        for (const e of out.events) expect(Number.isSafeInteger(e.cost_micros) && e.cost_micros >= 0).toBe(true);
      }),
      { numRuns: 300, seed: 12 },
    );
  });

  it(`the frame checker answers every frame with nothing or a reason (fuzzed ${FUZZ_MS} ms)`, () => {
    const valid = fc.sample(cdr, { numRuns: 200, seed: 3 }).flatMap((c) => {
      try {
        return [codec.encode(c)];
      } catch {
        return []; // values avsc itself cannot encode (a long beyond 2^53)
      }
    });
    const frames = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([f, at, byte]) => {
        const g = Buffer.from(f);
        if (g.length > 0) g[at % g.length] = byte;
        return g;
      }),
      fc.tuple(fc.constantFrom(...valid), fc.nat()).map(([f, n]) => f.subarray(0, n % (f.length + 1))),
    );
    fc.assert(
      fc.property(fc.array(frames, { minLength: 1, maxLength: 20 }), (batch) => {
        const all = Buffer.concat(batch);
        const offsets = new Int32Array(batch.length + 1);
        batch.forEach((f, i) => {
          offsets[i + 1] = (offsets[i] as number) + f.length;
        });
        const { bad } = checkFrames({
          buffer: all.buffer.slice(all.byteOffset, all.byteOffset + all.length) as ArrayBuffer,
          offsets,
          schemaId: codec.schemaId,
          window: DEFAULT_WINDOW,
          nowMs: NOW,
        });
        for (const b of bad) expect(b.index).toBeLessThan(batch.length);
        // Every frame the checker lets through decodes and rates without an exception.
        const good = batch.filter((_, i) => !bad.some((b) => b.index === i));
        const out = newOutput();
        new RatingEngine({ catalog, accounts, window: DEFAULT_WINDOW }, () => NOW).addAll(
          good.map((f) => codec.decode(f)),
          out,
        );
      }),
      { numRuns: Number.POSITIVE_INFINITY, interruptAfterTimeLimit: FUZZ_MS, seed: Number(process.env.RATEL_FUZZ_SEED ?? 7) },
    );
  });
});
