/**
 * Kafka client setup: kafkajs with TLS and SASL from the config, its logs routed to pino, and
 * typed errors when a connection fails (every Kafka client of ratel is made here).
 */
import { readFileSync } from 'node:fs';
import { type ConnectionOptions, createSecureContext } from 'node:tls';
import { errorCodes, errors, type RatelError, speaksTls, untrustedReason } from '@ratel/schemas';
import { type Admin, Kafka, logLevel, type SASLOptions } from 'kafkajs';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

const readPem = (f: string, key: string): Buffer => {
  try {
    return readFileSync(f);
  } catch (e) {
    throw errors.inputUnreadable(f, `${key}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
};

/** The TLS options of the config (undefined: plain text); the files are read and checked here. */
export function kafkaTls(cfg: Config): ConnectionOptions | undefined {
  const ssl = cfg.kafka.ssl;
  if (!ssl.enabled) return undefined;
  const opts: ConnectionOptions = {
    rejectUnauthorized: true,
    ...(ssl.caFile ? { ca: readPem(ssl.caFile, 'kafka.ssl.caFile (RATEL_KAFKA_SSL_CA_FILE)') } : {}),
    ...(ssl.certFile ? { cert: readPem(ssl.certFile, 'kafka.ssl.certFile (RATEL_KAFKA_SSL_CERT_FILE)') } : {}),
    ...(ssl.keyFile ? { key: readPem(ssl.keyFile, 'kafka.ssl.keyFile (RATEL_KAFKA_SSL_KEY_FILE)') } : {}),
    ...(ssl.keyPassword ? { passphrase: ssl.keyPassword } : {}),
    ...(ssl.checkHostname ? {} : { checkServerIdentity: () => undefined }),
  };
  for (const [key, pem, marker] of [
    ['kafka.ssl.caFile', opts.ca, 'CERTIFICATE'],
    ['kafka.ssl.certFile', opts.cert, 'CERTIFICATE'],
    ['kafka.ssl.keyFile', opts.key, 'PRIVATE KEY'],
  ] as const)
    if (pem !== undefined && !new RegExp(`-----BEGIN [A-Z ]*${marker}-----`).test(String(pem)))
      throw errors.configInvalid(key, `not a PEM file (no "-----BEGIN ...${marker}-----" line)`);
  try {
    createSecureContext(opts);
  } catch (e) {
    // OpenSSL's reason only (a bad PEM, a key that does not match): never the key or its passphrase.
    throw errors.configInvalid('kafka.ssl', `the CA, certificate or key files cannot be used: ${(e as Error).message.split('\n')[0]}`);
  }
  return opts;
}

export function kafkaSasl(cfg: Config): SASLOptions | undefined {
  const { mechanism, username, password } = cfg.kafka.sasl;
  if (mechanism === 'none' || username === null || password === null) return undefined;
  return { mechanism, username, password } as SASLOptions;
}

/**
 * Why a Kafka connection failed, as a typed error naming the brokers, never a secret: refused
 * SASL credentials (BROKER_AUTH_FAILED), a certificate not trusted (TLS_UNTRUSTED), a TLS
 * listener reached in plain text (TLS_REQUIRED, found by trying a TLS handshake on the first
 * broker), else BROKER_UNREACHABLE (with a hint when TLS was asked of a port that does not speak it).
 */
export async function brokerError(cfg: Config, e: unknown): Promise<RatelError> {
  const brokers = cfg.kafka.brokers.join(',');
  const chain: unknown[] = [];
  let cur: unknown = e;
  while (cur && typeof cur === 'object' && !chain.includes(cur)) {
    chain.push(cur);
    const o = cur as { cause?: unknown; originalError?: unknown };
    cur = o.cause ?? o.originalError;
  }
  const sasl = chain.find((c) => (c as Error).name === 'KafkaJSSASLAuthenticationError');
  if (sasl) return errors.brokerAuthFailed(brokers, cfg.kafka.sasl.mechanism.toUpperCase(), cfg.kafka.sasl.username ?? '', sasl);
  const reason = untrustedReason(e);
  if (reason)
    return errors.tlsUntrusted(
      'Kafka broker',
      brokers,
      reason,
      cfg.kafka.ssl.checkHostname && reason.includes('name')
        ? 'connect by a name the certificate holds'
        : 'set kafka.ssl.caFile (RATEL_KAFKA_SSL_CA_FILE) to the CA that signed it',
      e,
    );
  const first = cfg.kafka.brokers[0] ?? '';
  const host = first.slice(0, first.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  const port = Number(first.slice(first.lastIndexOf(':') + 1));
  if (!cfg.kafka.ssl.enabled && (await speaksTls(host, port)))
    return errors.tlsRequired(
      'Kafka broker',
      first,
      'set kafka.ssl.enabled (RATEL_KAFKA_SSL=true), and kafka.sasl.* if the listener is SASL_SSL',
      e,
    );
  const unreachable = errors.brokerUnreachable(brokers, e);
  if (cfg.kafka.ssl.enabled && !errorCodes(e).includes('ECONNREFUSED') && !(await speaksTls(host, port)))
    unreachable.message += ` (${first} did not answer a TLS handshake: is it a plain-text listener? then unset kafka.ssl.enabled)`;
  return unreachable;
}

export function createKafka(cfg: Config, log: Logger): Kafka {
  const ssl = kafkaTls(cfg);
  const sasl = kafkaSasl(cfg);
  return new Kafka({
    clientId: cfg.kafka.clientId,
    brokers: cfg.kafka.brokers,
    ...(ssl ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
    connectionTimeout: 3000,
    retry: { retries: 3, initialRetryTime: 200 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }) => {
        const { message, ...rest } = entry;
        // kafkajs logs every retry; ratel raises its own typed error when retries run out, so the
        // client's chatter stays at debug (warn for warnings) to keep each failure logged once.
        log[level === logLevel.WARN ? 'warn' : 'debug']({ kafka: namespace, ...rest }, message);
      },
  });
}

/** Connects an admin client and creates ratel's topics if missing; a typed error (brokerError) otherwise. */
export async function ensureTopics(kafka: Kafka, cfg: Config): Promise<void> {
  const admin: Admin = kafka.admin();
  try {
    await admin.connect();
  } catch (e) {
    throw await brokerError(cfg, e);
  }
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [cfg.kafka.cdrTopic, cfg.kafka.deadLetterTopic, cfg.kafka.alertsTopic].filter((t) => !existing.has(t));
    if (wanted.length) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: wanted.map((topic) => ({ topic, numPartitions: cfg.kafka.partitions, replicationFactor: 1 })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
