/** The process logger (pino, JSON lines on stderr). */
import { type Logger, pino } from 'pino';

export function createLogger(level: string, name = 'ratel'): Logger {
  return pino({ name, level }, pino.destination({ dest: 2, sync: true }));
}
export type { Logger };
