/** Writing the rater's output: rated events, alerts and dead letters. */
import type { Alert } from '@ratel/rater';
import type { RatedEvent } from '@ratel/schemas';
import type { Store } from './store/store.js';

/** An alert row is the rater's alert as it is. */
export type AlertRow = Alert;

export interface DeadLetterRow {
  cdr_id: string;
  code: string;
  reason: string;
  /** The decoded CDR as JSON ('' when its bytes never decoded). */
  record: string;
  at_ms: number;
  /** The frame as received, base64 ('' when there was none, as in the month job's generated CDRs). */
  body: string;
  /** CDR_CONFLICT: the version already rated under the same id, as JSON; else ''. */
  held: string;
  /** SHA-256 (hex) of the frame, or of the record when there is no frame: part of the table's key. */
  digest: string;
}

export async function writeRated(store: Store, events: readonly RatedEvent[]): Promise<void> {
  await store.insert('rated_events', events);
}

export async function writeAlerts(store: Store, alerts: readonly AlertRow[]): Promise<void> {
  await store.insert('alerts', alerts);
}

export async function writeDeadLetters(store: Store, rows: readonly DeadLetterRow[]): Promise<void> {
  await store.insert('dead_letters', rows);
}
