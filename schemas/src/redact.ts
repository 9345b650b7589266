/**
 * Secrets never leave the process in text: every secret value the configuration holds is
 * registered here (by loadConfig), and every log line (logger.ts) and every message the CLI
 * prints goes through `redact`, which replaces each registered value, in its plain and its
 * JSON-escaped form, and the password of any URL with credentials, by "[redacted]".
 */

const secrets = new Set<string>();
/** Longest first, so a secret that contains another is replaced whole. */
let ordered: string[] = [];

/** Shorter values are not taken as secrets: replacing them would garble ordinary text. */
const MIN_SECRET_CHARS = 4;

export const REDACTED = '[redacted]';

export function addSecrets(values: Iterable<string | null | undefined>): void {
  let changed = false;
  for (const v of values) {
    if (typeof v !== 'string' || v.length < MIN_SECRET_CHARS) continue;
    for (const form of [v, JSON.stringify(v).slice(1, -1), encodeURIComponent(v)]) {
      if (!secrets.has(form)) {
        secrets.add(form);
        changed = true;
      }
    }
  }
  if (changed) ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/** user:password@ in a URL (any scheme). */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@"']*):[^/\s@"']*@/gi;

export function redact(text: string): string {
  let out = text.replace(URL_CREDENTIALS, `$1:${REDACTED}@`);
  for (const s of ordered) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

/** A URL without its user and password, to name a server in a message. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return redact(url);
  }
}
