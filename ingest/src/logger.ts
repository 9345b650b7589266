/**
 * The process logger (pino, JSON lines on stderr). Secrets never reach a line: pino's `redact`
 * censors the secret keys of a config object logged whole (and any password, token or
 * authorization key), and every line is passed through `redact` (schemas/src/redact.ts), which
 * replaces each secret value the config holds wherever it appears (an error message, a URL).
 */
import { redact } from '@ratel/schemas';
import { type Logger, pino } from 'pino';
import { SECRET_PATHS } from './secure-config.js';

/** Where a config object may sit in a log call ({ cfg }, { config }, the object itself), and generic secret keys. */
const REDACT_PATHS = [
  ...SECRET_PATHS.flatMap((p) => [p, `cfg.${p}`, `config.${p}`]),
  ...['password', 'token', 'authorization', 'passphrase', 'keyPassword', 'sasl.password'].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
];

export function createLogger(level: string, name = 'ratel'): Logger {
  const out = pino.destination({ dest: 2, sync: true });
  return pino({ name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, { write: (line: string) => out.write(redact(line)) });
}
export type { Logger };
