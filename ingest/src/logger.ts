/** The process logger (pino, JSON lines on stderr). */
import { pino, type Logger } from 'pino';

export function createLogger(level: string, name = 'ratel'): Logger {
  return pino({ name, level }, pino.destination({ dest: 2, sync: true }));
}
export type { Logger };
