/**
 * The stable id of an alert: what the engine de-duplicates alerts by (alertKey: one alert per
 * key and account-month), with the account and the month. The same alert raised again (a batch
 * replayed after a crash, an account-month rebuilt from the store and re-rated, a late CDR that
 * moves the crossing to another call) has the same id, so whoever receives alerts at least once
 * keeps each once.
 */
import { createHash } from 'node:crypto';
import { alertKey } from './engine-order.js';
import type { Alert } from './reasons.js';

/** 32 hex digits (128 bits of SHA-256) of ["alert.v1", account, month, key]: JSON, so no field can run into the next. */
export function alertId(a: Alert): string {
  return createHash('sha256')
    .update(JSON.stringify(['alert.v1', a.account_id, a.month, alertKey(a)]))
    .digest('hex')
    .slice(0, 32);
}
