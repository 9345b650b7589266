/**
 * Typed errors shared by every ratel stage. Each carries a stable `code` (for metrics, dead
 * letters and exit messages) and, where there is one, the offending record or file.
 * Create them through the `errors` factory so codes and wording stay uniform.
 */
import { safeUrl } from './redact.js';

export type ErrorCode =
  | 'CDR_MALFORMED'
  | 'CDR_UNRATEABLE'
  | 'CDR_OUT_OF_RANGE'
  | 'CDR_CONFLICT'
  | 'CATALOG_CHANGED'
  | 'UNKNOWN_DESTINATION'
  | 'CATALOG_INVALID'
  | 'CONFIG_INVALID'
  | 'USAGE_INVALID'
  | 'OUTPUT_UNWRITABLE'
  | 'SCHEMA_UNKNOWN'
  | 'BROKER_UNREACHABLE'
  | 'BROKER_AUTH_FAILED'
  | 'STORE_AUTH_FAILED'
  | 'TLS_UNTRUSTED'
  | 'TLS_REQUIRED'
  | 'STORE_UNREACHABLE'
  | 'STORE_QUERY_FAILED'
  | 'INPUT_UNREADABLE'
  | 'ACCOUNT_UNKNOWN'
  | 'SUBSCRIBER_UNKNOWN'
  | 'SUBSCRIBER_AMBIGUOUS';

export class RatelError extends Error {
  override readonly name = 'RatelError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The record, file or address the error is about. */
    readonly subject?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isRatelError = (e: unknown): e is RatelError => e instanceof RatelError;

/** A CDR named in a message: its id, cut to 80 characters (an id may be absurdly long). */
const cdrRef = (id: string | undefined): string => (id ? `CDR ${id.length > 80 ? `${id.slice(0, 80)}…` : id}` : 'CDR (no id)');

export const errors = {
  cdrMalformed: (id: string | undefined, reason: string, record?: unknown) =>
    new RatelError('CDR_MALFORMED', `${cdrRef(id)}: malformed: ${reason}`, record),
  cdrUnrateable: (id: string, reason: string, record?: unknown) =>
    new RatelError('CDR_UNRATEABLE', `${cdrRef(id)}: cannot be rated: ${reason}`, record),
  cdrOutOfRange: (id: string | undefined, reason: string, record?: unknown) =>
    new RatelError('CDR_OUT_OF_RANGE', `${cdrRef(id)}: out of range: ${reason}`, record),
  cdrConflict: (id: string, reason: string, record?: unknown) =>
    new RatelError('CDR_CONFLICT', `${cdrRef(id)}: conflict: ${reason}`, record),
  catalogChanged: (id: string, month: number, rated: string, running: string, record?: unknown) =>
    new RatelError(
      'CATALOG_CHANGED',
      `${cdrRef(id)}: month ${month} is rated with catalog ${rated}, this rater runs ${running}: run \`ratel rerate --month ${String(month).slice(0, 4)}-${String(month).slice(4)}\`, then \`ratel dlq-replay --code CATALOG_CHANGED\``,
      record,
    ),
  unknownDestination: (id: string, number: string, record?: unknown) =>
    new RatelError('UNKNOWN_DESTINATION', `${cdrRef(id)}: no tariff matches destination ${number}`, record),
  catalogInvalid: (file: string, where: string, rule: string) =>
    new RatelError('CATALOG_INVALID', `tariff catalog ${file}${where ? ` at ${where}` : ''}: ${rule}`, file),
  configInvalid: (where: string, rule: string) => new RatelError('CONFIG_INVALID', `config ${where}: ${rule}`, where),
  schemaUnknown: (id: number) => new RatelError('SCHEMA_UNKNOWN', `unknown schema id ${id} in message header`, id),
  brokerUnreachable: (brokers: string, cause?: unknown) =>
    new RatelError(
      'BROKER_UNREACHABLE',
      `Kafka broker not reachable at ${brokers}${cause instanceof Error ? ` (${cause.message})` : ''}`,
      brokers,
      { cause },
    ),
  storeUnreachable: (url: string, cause?: unknown) =>
    new RatelError(
      'STORE_UNREACHABLE',
      `ClickHouse not reachable at ${safeUrl(url)}${cause instanceof Error ? ` (${cause.message})` : ''}`,
      safeUrl(url),
      { cause },
    ),
  /** The broker refused the SASL credentials: names the brokers, the mechanism and the user, never the password. */
  brokerAuthFailed: (brokers: string, mechanism: string, user: string, cause?: unknown) =>
    new RatelError(
      'BROKER_AUTH_FAILED',
      `Kafka broker at ${brokers} refused SASL ${mechanism} authentication of user "${user}" (kafka.sasl.username / RATEL_KAFKA_SASL_PASSWORD)${cause instanceof Error ? `: ${cause.message}` : ''}`,
      brokers,
      { cause },
    ),
  /** The ClickHouse server refused the user or password: names the server and the user, never the password. */
  storeAuthFailed: (url: string, user: string, cause?: unknown) =>
    new RatelError(
      'STORE_AUTH_FAILED',
      `ClickHouse at ${safeUrl(url)} refused user "${user}" (store.username / RATEL_CLICKHOUSE_PASSWORD)${cause instanceof Error ? `: ${cause.message.split('\n')[0]?.replace(/, e\.what\(\).*$/, '')}` : ''}`,
      safeUrl(url),
      { cause },
    ),
  /** The server's certificate is not signed by a trusted CA, or does not name the host. */
  tlsUntrusted: (what: string, where: string, reason: string, setting: string, cause?: unknown) =>
    new RatelError('TLS_UNTRUSTED', `${what} at ${where}: certificate not trusted (${reason}): ${setting}`, where, { cause }),
  /** A TLS port spoken to in plain text. */
  tlsRequired: (what: string, where: string, setting: string, cause?: unknown) =>
    new RatelError('TLS_REQUIRED', `${what} at ${where} speaks TLS, but ratel connected in plain text: ${setting}`, where, { cause }),
  storeQueryFailed: (engine: string, sql: string, cause: unknown) =>
    new RatelError(
      'STORE_QUERY_FAILED',
      `${engine} query failed: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)} [${sql.replace(/\s+/g, ' ').slice(0, 160)}]`,
      sql,
      { cause },
    ),
  inputUnreadable: (file: string, reason: string) => new RatelError('INPUT_UNREADABLE', `${file}: ${reason}`, file),
  /** An account the accounts book does not hold (an invoice asked for it, for example). */
  accountUnknown: (id: string, reason: string) => new RatelError('ACCOUNT_UNKNOWN', `account ${JSON.stringify(id)}: ${reason}`, id),
  /** A CDR of an imported file whose numbers and SIP user match no subscriber of the directory. */
  subscriberUnknown: (id: string, reason: string, record?: unknown) =>
    new RatelError('SUBSCRIBER_UNKNOWN', `${cdrRef(id)}: no subscriber: ${reason}`, record),
  /** A CDR of an imported file that matches more than one subscriber of the directory. */
  subscriberAmbiguous: (id: string, reason: string, record?: unknown) =>
    new RatelError('SUBSCRIBER_AMBIGUOUS', `${cdrRef(id)}: more than one subscriber: ${reason}`, record),
  usageInvalid: (reason: string) => new RatelError('USAGE_INVALID', reason),
  outputUnwritable: (path: string, reason: string) => new RatelError('OUTPUT_UNWRITABLE', `${path}: ${reason}`, path),
};
