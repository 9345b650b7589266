/**
 * The connection settings of the configuration: TLS and SASL to Kafka, user, password and TLS to
 * the ClickHouse server, basic auth and TLS to the schema registry, the bind address and bearer
 * token of the HTTP endpoints; and the secrets among them: read from the environment or from a
 * `<VARIABLE>_FILE` file, and never shown (see redact.ts).
 */
import { readFileSync } from 'node:fs';
import { addSecrets, errors } from '@ratel/schemas';
import { z } from 'zod';

/** Config paths that hold a secret: never logged, never printed, redacted in `ratel config`. */
export const SECRET_PATHS = [
  'kafka.sasl.password',
  'kafka.ssl.keyPassword',
  'store.password',
  'schemaRegistry.password',
  'metricsToken',
  'dashboard.token',
  'alerts.webhook.secret',
  'httpIngest.token',
] as const;

const file = z.string().min(1);

/** true/false (also 1/0, yes/no), for boolean variables. */
export function boolean(v: string): boolean {
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(s)) return true;
  if (['false', '0', 'no'].includes(s)) return false;
  throw new Error(`not a boolean: "${v}" (true or false)`);
}

export const kafkaSsl = z
  .strictObject({
    /** TLS to the brokers (SSL or SASL_SSL listeners). */
    enabled: z.boolean().default(false),
    /** PEM file of the CA(s) that signed the brokers' certificates; unset: the system's CAs. */
    caFile: file.nullable().default(null),
    /** Client certificate and key (PEM), for brokers that ask for one (mutual TLS). */
    certFile: file.nullable().default(null),
    keyFile: file.nullable().default(null),
    keyPassword: z.string().min(1).nullable().default(null),
    /** The broker certificate must name the host connected to. */
    checkHostname: z.boolean().default(true),
  })
  .prefault({});

export const kafkaSasl = z
  .strictObject({
    mechanism: z.enum(['none', 'plain', 'scram-sha-256', 'scram-sha-512']).default('none'),
    username: z.string().min(1).nullable().default(null),
    password: z.string().min(1).nullable().default(null),
  })
  .prefault({});

const tlsFiles = z
  .strictObject({
    caFile: file.nullable().default(null),
    certFile: file.nullable().default(null),
    keyFile: file.nullable().default(null),
  })
  .prefault({});

/** store.username / password / tls (ClickHouse server over HTTP or HTTPS). */
export const storeAuth = {
  username: z.string().min(1).default('default'),
  password: z.string().min(1).nullable().default(null),
  tls: tlsFiles,
};

/** schemaRegistry.username / password (basic auth) / tls. */
export const registryAuth = {
  username: z.string().min(1).nullable().default(null),
  password: z.string().min(1).nullable().default(null),
  tls: tlsFiles,
};

/** Bind address of the HTTP endpoints and the bearer token they ask for. */
export const httpEndpoint = {
  metricsHost: z.string().min(1).default('127.0.0.1'),
  metricsToken: z.string().min(16, 'at least 16 characters').nullable().default(null),
};

type EnvEntry = { path: string[]; parse?: (v: string) => unknown };

export const CONNECTION_ENV: Record<string, EnvEntry> = {
  RATEL_KAFKA_SSL: { path: ['kafka', 'ssl', 'enabled'], parse: boolean },
  RATEL_KAFKA_SSL_CA_FILE: { path: ['kafka', 'ssl', 'caFile'] },
  RATEL_KAFKA_SSL_CERT_FILE: { path: ['kafka', 'ssl', 'certFile'] },
  RATEL_KAFKA_SSL_KEY_FILE: { path: ['kafka', 'ssl', 'keyFile'] },
  RATEL_KAFKA_SSL_KEY_PASSWORD: { path: ['kafka', 'ssl', 'keyPassword'] },
  RATEL_KAFKA_SSL_CHECK_HOSTNAME: { path: ['kafka', 'ssl', 'checkHostname'], parse: boolean },
  RATEL_KAFKA_SASL_MECHANISM: { path: ['kafka', 'sasl', 'mechanism'], parse: (v) => v.trim().toLowerCase() },
  RATEL_KAFKA_SASL_USERNAME: { path: ['kafka', 'sasl', 'username'] },
  RATEL_KAFKA_SASL_PASSWORD: { path: ['kafka', 'sasl', 'password'] },
  RATEL_CLICKHOUSE_USER: { path: ['store', 'username'] },
  RATEL_CLICKHOUSE_PASSWORD: { path: ['store', 'password'] },
  RATEL_CLICKHOUSE_CA_FILE: { path: ['store', 'tls', 'caFile'] },
  RATEL_CLICKHOUSE_CERT_FILE: { path: ['store', 'tls', 'certFile'] },
  RATEL_CLICKHOUSE_KEY_FILE: { path: ['store', 'tls', 'keyFile'] },
  RATEL_SCHEMA_REGISTRY_USER: { path: ['schemaRegistry', 'username'] },
  RATEL_SCHEMA_REGISTRY_PASSWORD: { path: ['schemaRegistry', 'password'] },
  RATEL_SCHEMA_REGISTRY_CA_FILE: { path: ['schemaRegistry', 'tls', 'caFile'] },
  RATEL_SCHEMA_REGISTRY_CERT_FILE: { path: ['schemaRegistry', 'tls', 'certFile'] },
  RATEL_SCHEMA_REGISTRY_KEY_FILE: { path: ['schemaRegistry', 'tls', 'keyFile'] },
  RATEL_METRICS_HOST: { path: ['metricsHost'] },
  RATEL_METRICS_TOKEN: { path: ['metricsToken'] },
};

const isSecretPath = (path: string[]): boolean => (SECRET_PATHS as readonly string[]).includes(path.join('.'));

/**
 * The environment with every secret variable given as `<VARIABLE>_FILE` read from its file (as
 * container runtimes mount secrets): one trailing line break is dropped. Both forms set, an
 * unreadable file or an empty one is CONFIG_INVALID naming the variable and the file, never the
 * content. The values read are registered as secrets at once.
 */
export function withSecretFiles(env: NodeJS.ProcessEnv, table: Record<string, EnvEntry>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const [name, { path }] of Object.entries(table)) {
    if (!isSecretPath(path)) continue;
    const fileVar = `${name}_FILE`;
    const where = `${path.join('.')} (${fileVar})`;
    const f = env[fileVar];
    if (f === undefined) continue;
    if (env[name] !== undefined) throw errors.configInvalid(where, `both ${name} and ${fileVar} are set: use one`);
    if (f.trim() === '') throw errors.configInvalid(where, 'set but empty (unset it, or name the file holding the secret)');
    let v: string;
    try {
      v = readFileSync(f, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw errors.configInvalid(where, `cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    if (v.trim() === '') throw errors.configInvalid(where, `${f} is empty`);
    addSecrets([v]);
    out[name] = v;
  }
  return out;
}

/** Registers the secret values of a raw (not yet checked) config object, before any message can show them. */
export function registerRawSecrets(raw: Record<string, unknown>): void {
  for (const p of SECRET_PATHS) {
    const v = p.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), raw);
    if (typeof v === 'string') addSecrets([v]);
  }
  for (const section of ['store', 'schemaRegistry']) {
    const url = (raw[section] as { url?: unknown } | undefined)?.url;
    if (typeof url === 'string') addSecrets([urlPassword(url)]);
  }
}

function urlPassword(u: string): string | undefined {
  try {
    return decodeURIComponent(new URL(u).password) || undefined;
  } catch {
    return undefined;
  }
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|\[::1\]|localhost)$/i;
export const isLoopback = (host: string): boolean => LOOPBACK.test(host);

interface Connections {
  store: {
    url: string;
    username: string;
    password: string | null;
    tls: { caFile: string | null; certFile: string | null; keyFile: string | null };
  };
  kafka: { ssl: z.infer<typeof kafkaSsl>; sasl: z.infer<typeof kafkaSasl> };
  schemaRegistry: {
    url: string | null;
    username: string | null;
    password: string | null;
    tls: { caFile: string | null; certFile: string | null; keyFile: string | null };
  };
  metricsHost: string;
  metricsPort: number;
  metricsToken: string | null;
}

/**
 * The rules between connection settings, after the schema: credentials in a URL move to the
 * username and password keys (so no URL ratel prints or logs carries them); TLS files only with
 * TLS; a client certificate with its key; SASL with a user and password; the endpoints off
 * loopback only with a token.
 */
export function checkConnections<C extends Connections>(cfg: C): C {
  for (const [key, section] of [
    ['store', cfg.store],
    ['schemaRegistry', cfg.schemaRegistry],
  ] as const) {
    if (section.url === null) continue;
    const u = new URL(section.url);
    if (u.username || u.password) {
      if (
        section.password !== null ||
        (key === 'store' && section.username !== 'default') ||
        (key === 'schemaRegistry' && section.username !== null)
      )
        throw errors.configInvalid(`${key}.url`, `credentials in the URL and in ${key}.username / ${key}.password: give them once`);
      section.username = decodeURIComponent(u.username) || (key === 'store' ? 'default' : null) || section.username;
      section.password = decodeURIComponent(u.password) || null;
      u.username = '';
      u.password = '';
      section.url = u.toString().replace(/\/$/, '');
    }
    const tls = section.tls;
    if (u.protocol !== 'https:' && (tls.caFile || tls.certFile || tls.keyFile))
      throw errors.configInvalid(`${key}.tls`, `CA and client certificate files need an https:// ${key}.url`);
    if ((tls.certFile === null) !== (tls.keyFile === null))
      throw errors.configInvalid(`${key}.tls`, 'a client certificate needs both certFile and keyFile');
    if (key === 'schemaRegistry' && (section.username === null) !== (section.password === null))
      throw errors.configInvalid('schemaRegistry.password', 'basic auth needs both schemaRegistry.username and schemaRegistry.password');
  }
  const { ssl, sasl } = cfg.kafka;
  if (!ssl.enabled && (ssl.caFile || ssl.certFile || ssl.keyFile || ssl.keyPassword))
    throw errors.configInvalid('kafka.ssl.enabled (RATEL_KAFKA_SSL)', 'TLS files are set but TLS is off: set kafka.ssl.enabled to true');
  if ((ssl.certFile === null) !== (ssl.keyFile === null))
    throw errors.configInvalid('kafka.ssl', 'a client certificate needs both certFile and keyFile');
  if (sasl.mechanism !== 'none' && (sasl.username === null || sasl.password === null))
    throw errors.configInvalid(
      'kafka.sasl (RATEL_KAFKA_SASL_USERNAME, RATEL_KAFKA_SASL_PASSWORD)',
      `SASL ${sasl.mechanism} needs a username and a password`,
    );
  if (sasl.mechanism === 'none' && (sasl.username !== null || sasl.password !== null))
    throw errors.configInvalid(
      'kafka.sasl.mechanism (RATEL_KAFKA_SASL_MECHANISM)',
      'a SASL user is set: choose plain, scram-sha-256 or scram-sha-512',
    );
  if (cfg.metricsPort !== 0 && !isLoopback(cfg.metricsHost) && cfg.metricsToken === null)
    throw errors.configInvalid(
      'metricsToken (RATEL_METRICS_TOKEN)',
      `the endpoints bind to ${cfg.metricsHost}, off loopback: a bearer token is required (at least 16 characters)`,
    );
  for (const p of SECRET_PATHS) {
    const v = p.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), cfg);
    if (typeof v === 'string') addSecrets([v]);
  }
  return cfg;
}

/** A copy of the config with every secret replaced by "[redacted]" (for `ratel config` and logs). */
export function redactedConfig<C extends object>(cfg: C): C {
  const copy = structuredClone(cfg) as Record<string, unknown>;
  for (const p of SECRET_PATHS) {
    const keys = p.split('.');
    let o: unknown = copy;
    for (const k of keys.slice(0, -1)) o = o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined;
    const last = keys[keys.length - 1] as string;
    if (o && typeof o === 'object' && (o as Record<string, unknown>)[last] != null) (o as Record<string, unknown>)[last] = '[redacted]';
  }
  return copy as C;
}
