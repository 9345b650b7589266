// Confluent wire format (schemas/src/wire.ts): magic byte 0, 4-byte big-endian schema id, Avro
// body; local ids, and registry ids interoperable with @confluentinc/schemaregistry's serdes.
import { AvroDeserializer, AvroSerializer, MockClient, SerdeType } from '@confluentinc/schemaregistry';
import {
  type AlertEvent,
  type Cdr,
  HEADER_BYTES,
  isRatelError,
  LOCAL_SCHEMA_IDS,
  localCodecs,
  MAGIC_BYTE,
  makeCodec,
  type RatedEvent,
  type RatelError,
  type RegistryClient,
  ratedEventType,
  registryCodecs,
} from '@ratel/schemas';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const START = Date.parse('2025-03-03T10:00:00Z');
const AVRO_MAX_LONG = 2 ** 53 - 2;

const voiceCdr: Cdr = {
  id: 'sbc1-000042',
  kind: 'VOICE',
  account_id: 'acc-1',
  user_id: 'u1',
  start_ms: START,
  roaming_country: null,
  voice: {
    sip_call_id: 'a84b4c76e66710@pc33.example.com',
    trunk_id: 'sbc-paris-1',
    caller: '+33140000000',
    callee: '06 12 34 56 78',
    forwarded_from: null,
    direction: 'OUTBOUND',
    answer_ms: START + 5_000,
    end_ms: START + 4_505_000,
    duration_s: 4505,
    billable_s: 4500,
    disposition: 'ANSWERED',
    sip_status: 200,
  },
  message: null,
  data: null,
  event: null,
};
const smsCdr: Cdr = {
  ...voiceCdr,
  id: 'smsc-1',
  kind: 'SMS',
  roaming_country: 'ES',
  voice: null,
  message: { sender: '+32470000000', recipient: '+32470000001', direction: 'OUTBOUND', parts: 3 },
};
const dataCdr: Cdr = {
  ...voiceCdr,
  id: 'pgw-1',
  kind: 'DATA',
  voice: null,
  data: { end_ms: START + 60_000, bytes_up: 123, bytes_down: 300_000_000_000, apn: 'internet' },
};
const eventCdr: Cdr = {
  ...voiceCdr,
  id: 'svc-1',
  kind: 'EVENT',
  voice: null,
  event: { service: 'answering.handled_call', quantity: 3, reference: null },
};
const rated: RatedEvent = {
  cdr_id: 'sbc1-000042',
  version: 2,
  account_id: 'acc-1',
  user_id: 'u1',
  plan_id: 'fr-start',
  kind: 'VOICE',
  direction: 'OUTBOUND',
  start_ms: START,
  month: 202503,
  counterpart: '33612345678',
  prefix: '336',
  destination: 'France mobile — métropole',
  dest_class: 'mobile',
  quantity: 4500,
  included_qty: 3600,
  billed_qty: 900,
  cost_micros: 2_250_000,
  currency: 'EUR',
  reasons: ['IN_PACK', 'OVER_CALL_CAP'],
  roaming_country: '',
  rated_at_ms: START + 10_000,
};

const alert: AlertEvent = {
  id: '0123456789abcdef0123456789abcdef',
  kind: 'CREDIT_LIMIT',
  scope: 'ACCOUNT',
  may_restrict: 'OUTBOUND_CALLS',
  account_id: 'acc-1',
  user_id: 'u1',
  month: 202503,
  cdr_id: 'sbc1-000042',
  at_ms: START,
  cdr_timestamp_ms: START + 60_000,
  raised_at_ms: START + 60_250,
  detail: 'usage 100010000 micros exceeds credit limit 100000000',
};

function ratelError(f: () => unknown): RatelError {
  try {
    f();
  } catch (e) {
    if (isRatelError(e)) return e;
    throw new Error(`expected a RatelError, got ${String(e)}`);
  }
  throw new Error('expected a RatelError, nothing was thrown');
}

describe('local codecs', () => {
  const codecs = localCodecs();

  it('frames with magic byte 0 and the local schema id, big-endian', () => {
    expect(codecs.mode).toBe('local');
    const f = codecs.cdr.encode(voiceCdr);
    expect(HEADER_BYTES).toBe(5);
    expect(f[0]).toBe(MAGIC_BYTE);
    expect(MAGIC_BYTE).toBe(0);
    expect([...f.subarray(1, 5)]).toEqual([0, 0, 0, LOCAL_SCHEMA_IDS.cdr]);
    expect(codecs.rated.encode(rated).readUInt32BE(1)).toBe(LOCAL_SCHEMA_IDS.rated);
    expect(codecs.alert.encode(alert).readUInt32BE(1)).toBe(LOCAL_SCHEMA_IDS.alert);
    expect(new Set(Object.values(LOCAL_SCHEMA_IDS)).size).toBe(3);
  });

  it.each([
    ['voice', voiceCdr],
    ['sms', smsCdr],
    ['data', dataCdr],
    ['event', eventCdr],
  ])('round-trips a %s CDR', (_k, cdr) => {
    expect(codecs.cdr.decode(codecs.cdr.encode(cdr))).toEqual(cdr);
  });

  it('round-trips a rated event, money and long timestamps exact', () => {
    // avsc accepts longs up to 2^53 - 2 (one below Number.MAX_SAFE_INTEGER)
    const big = { ...rated, cost_micros: AVRO_MAX_LONG, quantity: 300_000_000_123 };
    expect(codecs.rated.decode(codecs.rated.encode(big))).toEqual(big);
    expect(codecs.rated.decode(codecs.rated.encode(rated))).toEqual(rated);
  });

  it('the body is plain Avro binary of the rated-event schema', () => {
    const f = codecs.rated.encode(rated);
    expect(ratedEventType.fromBuffer(f.subarray(HEADER_BYTES))).toEqual(rated);
  });

  it('a bad magic byte -> CDR_MALFORMED', () => {
    const f = codecs.cdr.encode(voiceCdr);
    f[0] = 1;
    const e = ratelError(() => codecs.cdr.decode(f));
    expect(e.code).toBe('CDR_MALFORMED');
    expect(e.message).toMatch(/magic byte/);
  });

  it('a frame shorter than the header -> CDR_MALFORMED', () => {
    expect(ratelError(() => codecs.cdr.decode(Buffer.from([0, 0, 0, 1]))).code).toBe('CDR_MALFORMED');
    expect(ratelError(() => codecs.cdr.decode(Buffer.alloc(0))).code).toBe('CDR_MALFORMED');
  });

  it('an unknown schema id -> SCHEMA_UNKNOWN naming the id', () => {
    const f = codecs.cdr.encode(voiceCdr);
    f.writeUInt32BE(4242, 1);
    const e = ratelError(() => codecs.cdr.decode(f));
    expect(e.code).toBe('SCHEMA_UNKNOWN');
    expect(e.message).toContain('4242');
    expect(e.subject).toBe(4242);
  });

  it('a rated-event frame read as a CDR -> SCHEMA_UNKNOWN', () => {
    expect(ratelError(() => codecs.cdr.decode(codecs.rated.encode(rated))).code).toBe('SCHEMA_UNKNOWN');
  });

  it('a truncated body or trailing bytes -> CDR_MALFORMED', () => {
    const f = codecs.cdr.encode(voiceCdr);
    expect(ratelError(() => codecs.cdr.decode(f.subarray(0, f.length - 3))).code).toBe('CDR_MALFORMED');
    expect(ratelError(() => codecs.cdr.decode(Buffer.concat([f, Buffer.from([1, 2, 3])]))).code).toBe('CDR_MALFORMED');
  });

  it('refuses to encode a value outside the schema', () => {
    expect(() => codecs.cdr.encode({ ...voiceCdr, kind: 'FAX' as Cdr['kind'] })).toThrow();
  });

  it('round-trips arbitrary CDRs', () => {
    const str = fc.string({ maxLength: 20 });
    const long = fc.integer({ min: 0, max: AVRO_MAX_LONG });
    const int = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    const voice = fc.record({
      sip_call_id: str,
      trunk_id: str,
      caller: str,
      callee: str,
      forwarded_from: fc.option(str, { nil: null }),
      direction: fc.constantFrom('OUTBOUND' as const, 'INBOUND' as const, 'FORWARDED' as const),
      answer_ms: fc.option(long, { nil: null }),
      end_ms: long,
      duration_s: int,
      billable_s: int,
      disposition: fc.constantFrom('ANSWERED' as const, 'NO_ANSWER' as const, 'BUSY' as const, 'FAILED' as const, 'CANCELLED' as const),
      sip_status: int,
    });
    const cdr = fc.record({
      id: str,
      kind: fc.constant('VOICE' as const),
      account_id: str,
      user_id: str,
      start_ms: long,
      roaming_country: fc.option(str, { nil: null }),
      voice,
      message: fc.constant(null),
      data: fc.constant(null),
      event: fc.constant(null),
    });
    fc.assert(
      fc.property(cdr, (c) => {
        expect(codecs.cdr.decode(codecs.cdr.encode(c))).toEqual(c);
      }),
      { numRuns: 300 },
    );
  });

  it('encodeInto writes the bytes of encode at any position, and says how many bytes a short buffer lacks', () => {
    const str = fc.string({ maxLength: 30, unit: 'binary' });
    fc.assert(
      fc.property(
        fc.constantFrom(voiceCdr, smsCdr, dataCdr, eventCdr),
        str,
        str,
        fc.nat({ max: 50 }),
        fc.nat({ max: 400 }),
        (base, id, account, pos, size) => {
          const c = { ...base, id, account_id: account };
          const want = codecs.cdr.encode(c);
          const buf = Buffer.alloc(size, 0xee);
          const end = codecs.cdr.encodeInto(c, buf, pos);
          if (pos + want.length <= size) {
            expect(end).toBe(pos + want.length);
            expect(buf.subarray(pos, end).equals(want)).toBe(true);
            expect(buf.subarray(0, pos).every((b) => b === 0xee)).toBe(true);
          } else expect(end).toBe(size - pos - want.length);
        },
      ),
      { numRuns: 300 },
    );
    expect(() => codecs.cdr.encodeInto({ ...voiceCdr, kind: 'FAX' as Cdr['kind'] }, Buffer.alloc(500), 0)).toThrow();
    expect(() => codecs.cdr.encodeInto({ ...voiceCdr, kind: 'FAX' as Cdr['kind'] }, Buffer.alloc(2), 0)).toThrow();
  });

  it('makeCodec frames with the id it is given', () => {
    const c = makeCodec<RatedEvent>(ratedEventType, 0x01020304);
    const f = c.encode(rated);
    expect([...f.subarray(0, 5)]).toEqual([0, 1, 2, 3, 4]);
    expect(c.decode(f)).toEqual(rated);
  });
});

describe('registry codecs (@confluentinc/schemaregistry)', () => {
  /** A mock registry that already holds another subject, so ratel's ids differ from the local ones. */
  async function mockRegistry() {
    const client = new MockClient({ baseURLs: ['mock://'] });
    await client.register('unrelated-value', {
      schemaType: 'AVRO',
      schema: '{"type":"record","name":"Other","fields":[{"name":"x","type":"int"}]}',
    });
    await client.register('unrelated2-value', {
      schemaType: 'AVRO',
      schema: '{"type":"record","name":"Other2","fields":[{"name":"y","type":"string"}]}',
    });
    const codecs = await registryCodecs({ client: client as unknown as RegistryClient, cdrTopic: 't', ratedTopic: 'r', alertsTopic: 'a' });
    return { client, codecs };
  }

  it('registers the schemas under <topic>-value and frames with the registry ids', async () => {
    const { client, codecs } = await mockRegistry();
    expect(codecs.mode).toBe('registry');
    const cdrMeta = await client.getLatestSchemaMetadata('t-value');
    const ratedMeta = await client.getLatestSchemaMetadata('r-value');
    const alertMeta = await client.getLatestSchemaMetadata('a-value');
    expect(codecs.cdr.schemaId).toBe(cdrMeta.id);
    expect(codecs.rated.schemaId).toBe(ratedMeta.id);
    expect(codecs.alert.schemaId).toBe(alertMeta.id);
    expect(JSON.parse(alertMeta.schema ?? '{}')).toMatchObject({ name: 'AlertEvent', namespace: 'ratel.alert.v1' });
    expect(codecs.cdr.schemaId).not.toBe(LOCAL_SCHEMA_IDS.cdr);
    expect(codecs.cdr.encode(voiceCdr).readUInt32BE(1)).toBe(cdrMeta.id);
    expect(JSON.parse(cdrMeta.schema ?? '{}')).toMatchObject({ name: 'Cdr', namespace: 'ratel.cdr.v1' });
    expect(JSON.parse(ratedMeta.schema ?? '{}')).toMatchObject({ name: 'RatedEvent', namespace: 'ratel.rated.v1' });
  });

  it("the library's AvroDeserializer decodes ratel's frames", async () => {
    const { client, codecs } = await mockRegistry();
    const deser = new AvroDeserializer(client, SerdeType.VALUE, {});
    for (const c of [voiceCdr, smsCdr, dataCdr, eventCdr]) expect(await deser.deserialize('t', codecs.cdr.encode(c))).toEqual(c);
    expect(await deser.deserialize('r', codecs.rated.encode(rated))).toEqual(rated);
    expect(await deser.deserialize('a', codecs.alert.encode(alert))).toEqual(alert);
  });

  it("ratel decodes the library's AvroSerializer frames, byte for byte the same", async () => {
    const { client, codecs } = await mockRegistry();
    const ser = new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
    const theirs = await ser.serialize('t', voiceCdr);
    expect(theirs.equals(codecs.cdr.encode(voiceCdr))).toBe(true);
    expect(codecs.cdr.decode(theirs)).toEqual(voiceCdr);
    const ratedSer = new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
    expect(codecs.rated.decode(await ratedSer.serialize('r', rated))).toEqual(rated);
    const alertSer = new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
    const theirAlert = await alertSer.serialize('a', alert);
    expect(theirAlert.equals(codecs.alert.encode(alert))).toBe(true);
  });

  it('registering again gives the same ids', async () => {
    const { client, codecs } = await mockRegistry();
    const again = await registryCodecs({ client: client as unknown as RegistryClient, cdrTopic: 't', ratedTopic: 'r', alertsTopic: 'a' });
    expect([again.cdr.schemaId, again.rated.schemaId, again.alert.schemaId]).toEqual([
      codecs.cdr.schemaId,
      codecs.rated.schemaId,
      codecs.alert.schemaId,
    ]);
  });

  it('a local-mode frame is refused by a registry-mode codec (SCHEMA_UNKNOWN)', async () => {
    const { codecs } = await mockRegistry();
    expect(ratelError(() => codecs.cdr.decode(localCodecs().cdr.encode(voiceCdr))).code).toBe('SCHEMA_UNKNOWN');
  });

  it('a registry that refuses the schema -> CONFIG_INVALID', async () => {
    const client: RegistryClient = { register: async () => Promise.reject(new Error('409 incompatible schema')) };
    await expect(registryCodecs({ client, cdrTopic: 't', ratedTopic: 'r', alertsTopic: 'a' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/cdr\.v1\.avsc|rated-event\.v1\.avsc|alert\.v1\.avsc/),
    });
  });

  it('registry mode without a URL or client -> CONFIG_INVALID', async () => {
    await expect(registryCodecs({ cdrTopic: 't', ratedTopic: 'r', alertsTopic: 'a' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
