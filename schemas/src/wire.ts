/**
 * Confluent wire format: byte 0 = magic 0, bytes 1-4 = schema id (big-endian), then the Avro
 * binary body. Two ways to get the schema id:
 *  - registry mode (a Schema Registry URL is configured): the schema is registered under
 *    `<topic>-value` through the registry's REST API and the registry's id is used, so any
 *    Confluent-compatible consumer can read ratel's topics;
 *  - local mode (no registry): fixed ids from LOCAL_SCHEMA_IDS below. The bytes have the same
 *    shape, but the ids mean nothing to a registry: do not mix the two modes on one topic.
 * Encoding and decoding stay synchronous (avsc), so the hot path never awaits the registry.
 */
import type { Type } from 'avsc';
import { ALERT_SCHEMA_FILE, alertEventType, CDR_SCHEMA_FILE, cdrType, RATED_SCHEMA_FILE, ratedEventType, schemaText } from './avro.js';
import { errors, isRatelError } from './errors.js';
import type { AlertEvent, Cdr, RatedEvent } from './generated/avro-types.js';
import { safeUrl } from './redact.js';
import { type RegistryOptions, restRegistryClient } from './registry-client.js';

export const MAGIC_BYTE = 0;
export const HEADER_BYTES = 5;
export const LOCAL_SCHEMA_IDS = { cdr: 1, rated: 2, alert: 3 } as const;

export interface WireCodec<T> {
  readonly schemaId: number;
  encode(value: T): Buffer;
  /**
   * Writes `value`'s frame (the same bytes as `encode`) into `buf` from `pos`, allocating
   * nothing: returns where the frame ends, or a negative number when `buf` is too short (minus
   * the bytes missing; what was written then is garbage). Throws as `encode` on a bad value.
   */
  encodeInto(value: T, buf: Buffer, pos: number): number;
  /** Throws a RatelError (SCHEMA_UNKNOWN / CDR_MALFORMED) on a bad frame. */
  decode(frame: Buffer): T;
}

export function makeCodec<T>(type: Type, schemaId: number): WireCodec<T> {
  return {
    schemaId,
    encode(value: T): Buffer {
      const body = type.toBuffer(value);
      const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
      out[0] = MAGIC_BYTE;
      out.writeUInt32BE(schemaId, 1);
      body.copy(out, HEADER_BYTES);
      return out;
    },
    encodeInto(value: T, buf: Buffer, pos: number): number {
      if (buf.length < pos + HEADER_BYTES) {
        // Still checks the value, as encode would; the body's length comes back negated.
        const body = type.encode(value, buf, buf.length);
        return body - (pos + HEADER_BYTES - buf.length);
      }
      buf[pos] = MAGIC_BYTE;
      buf.writeUInt32BE(schemaId, pos + 1);
      return type.encode(value, buf, pos + HEADER_BYTES);
    },
    decode(frame: Buffer): T {
      if (frame.length < HEADER_BYTES || frame[0] !== MAGIC_BYTE) {
        throw errors.cdrMalformed(undefined, 'not a Confluent wire-format frame (bad magic byte or too short)');
      }
      const id = frame.readUInt32BE(1);
      if (id !== schemaId) throw errors.schemaUnknown(id);
      try {
        return type.fromBuffer(frame.subarray(HEADER_BYTES)) as T;
      } catch (e) {
        throw errors.cdrMalformed(undefined, `Avro body does not match schema ${schemaId}: ${(e as Error).message}`);
      }
    },
  };
}

export interface Codecs {
  cdr: WireCodec<Cdr>;
  rated: WireCodec<RatedEvent>;
  /** alert.v1, the alerts topic's messages. */
  alert: WireCodec<AlertEvent>;
  mode: 'local' | 'registry';
}

/** Codecs with the local schema ids (no registry). */
export function localCodecs(): Codecs {
  return {
    cdr: makeCodec<Cdr>(cdrType, LOCAL_SCHEMA_IDS.cdr),
    rated: makeCodec<RatedEvent>(ratedEventType, LOCAL_SCHEMA_IDS.rated),
    alert: makeCodec<AlertEvent>(alertEventType, LOCAL_SCHEMA_IDS.alert),
    mode: 'local',
  };
}

/** The registry call ratel needs (restRegistryClient; @confluentinc/schemaregistry's client has it too). */
export interface RegistryClient {
  register(subject: string, schema: { schemaType: string; schema: string }, normalize?: boolean): Promise<number>;
}

/**
 * Registers ratel's schemas under `<topic>-value` and returns codecs framed with the registry's
 * ids. Pass `client` to use an existing client (tests); otherwise one is created for `url`.
 */
export async function registryCodecs(opts: {
  url?: string;
  /** Basic auth and TLS files of the registry (RegistryOptions). */
  auth?: Omit<RegistryOptions, 'url'>;
  client?: RegistryClient;
  cdrTopic: string;
  ratedTopic: string;
  /** The alerts topic (kafka.alertsTopic): alert.v1 is registered under `<alertsTopic>-value`. */
  alertsTopic: string;
}): Promise<Codecs> {
  let client = opts.client;
  if (!client) {
    if (!opts.url) throw errors.configInvalid('schemaRegistry.url', 'required in registry mode');
    client = restRegistryClient({ url: opts.url, ...opts.auth });
  }
  const where = opts.url ? safeUrl(opts.url) : 'registry';
  const reg = async (topic: string, file: string) => {
    try {
      return await client.register(`${topic}-value`, { schemaType: 'AVRO', schema: schemaText(file) });
    } catch (e) {
      if (isRatelError(e)) throw e;
      throw errors.configInvalid('schemaRegistry.url', `cannot register ${file} at ${where}: ${(e as Error).message}`);
    }
  };
  const [cdrId, ratedId, alertId] = await Promise.all([
    reg(opts.cdrTopic, CDR_SCHEMA_FILE),
    reg(opts.ratedTopic, RATED_SCHEMA_FILE),
    reg(opts.alertsTopic, ALERT_SCHEMA_FILE),
  ]);
  return {
    cdr: makeCodec<Cdr>(cdrType, cdrId),
    rated: makeCodec<RatedEvent>(ratedEventType, ratedId),
    alert: makeCodec<AlertEvent>(alertEventType, alertId),
    mode: 'registry',
  };
}
