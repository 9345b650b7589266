export * from './generated/avro-types.js';
export { cdrType, ratedEventType, schemaText, CDR_SCHEMA_FILE, RATED_SCHEMA_FILE } from './avro.js';
export { checkCdr } from './cdr-check.js';
export { errors, isRatelError, RatelError, type ErrorCode } from './errors.js';
export * from './money.js';
export * from './time.js';
export {
  HEADER_BYTES,
  LOCAL_SCHEMA_IDS,
  MAGIC_BYTE,
  localCodecs,
  makeCodec,
  registryCodecs,
  type Codecs,
  type RegistryClient,
  type WireCodec,
} from './wire.js';
