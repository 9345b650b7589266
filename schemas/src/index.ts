export { ALERT_SCHEMA_FILE, alertEventType, CDR_SCHEMA_FILE, cdrType, RATED_SCHEMA_FILE, ratedEventType, schemaText } from './avro.js';
export { dataCdr, eventCdr, messageCdr, voiceCdr } from './cdr-builder.js';
export {
  type CdrLimits,
  checkCdr,
  checkLimits,
  checkWindow,
  type DateWindow,
  DEFAULT_LIMITS,
  DEFAULT_WINDOW,
  isInstant,
} from './cdr-check.js';
export { type ErrorCode, errors, isRatelError, RatelError } from './errors.js';
export * from './generated/avro-types.js';
export * from './money.js';
export { addSecrets, REDACTED, redact, safeUrl } from './redact.js';
export { type RegistryOptions, restRegistryClient } from './registry-client.js';
export * from './time.js';
export { errorCodes, probeTls, speaksTls, untrustedReason } from './tls.js';
export {
  type Codecs,
  HEADER_BYTES,
  LOCAL_SCHEMA_IDS,
  localCodecs,
  MAGIC_BYTE,
  makeCodec,
  type RegistryClient,
  registryCodecs,
  type WireCodec,
} from './wire.js';
