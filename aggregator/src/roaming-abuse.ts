/**
 * Roaming abuse (SPEC §4 mobile plans, §6): "abusive roaming patterns (more EU than home usage
 * over 3 consecutive months) are flagged". A user is flagged for a month when, for one kind of
 * usage (voice seconds, SMS/MMS parts, data bytes), the quantity used roaming in the EU exceeded
 * the quantity used at home in that month and in each of the two before it. Usage roaming
 * outside the EU counts on neither side. Read from rated_events FINAL (the latest rating of
 * each CDR), so late CDRs and re-ratings are counted once; the same SQL runs on both engines.
 *
 * The check runs at month close (`ratel invoice`, the month job): it needs the whole month.
 */
import { previousMonth } from '@ratel/schemas';
import type { AlertRow } from './rated-events.js';
import { int, type Store } from './store/store.js';

/** Consecutive months of more EU than home usage that make a pattern (SPEC §4). */
export const ROAMING_ABUSE_MONTHS = 3;

export interface RoamingAbuse {
  account_id: string;
  user_id: string;
  /** VOICE, SMS, MMS or DATA */
  kind: string;
  /** The months of the pattern, oldest first, with the EU and home quantities of each. */
  months: number[];
  eu: number[];
  home: number[];
}

/** The users whose EU roaming usage exceeded their home usage in `month` and the two months before. */
export async function roamingAbuse(store: Store, month: number): Promise<RoamingAbuse[]> {
  const months = [month];
  for (let i = 1; i < ROAMING_ABUSE_MONTHS; i++) months.unshift(previousMonth(months[0] as number));
  const rows = await store.query<{ account_id: string; user_id: string; kind: string; month: number; eu: number; home: number }>(
    `SELECT account_id, user_id, kind, month,
            sumIf(quantity, has(reasons, 'ROAMING_EU')) AS eu,
            sumIf(quantity, NOT has(reasons, 'ROAMING_EU') AND NOT has(reasons, 'ROAMING_OUTSIDE_EU')) AS home
     FROM rated_events FINAL
     WHERE month IN (${months.map(int).join(', ')}) AND kind IN ('VOICE', 'SMS', 'MMS', 'DATA')
     GROUP BY account_id, user_id, kind, month
     HAVING eu > home
     ORDER BY account_id, user_id, kind, month`,
  );
  const found: RoamingAbuse[] = [];
  for (let i = 0; i < rows.length; ) {
    const r = rows[i] as (typeof rows)[number];
    let j = i;
    while (j < rows.length && rows[j]?.account_id === r.account_id && rows[j]?.user_id === r.user_id && rows[j]?.kind === r.kind) j++;
    const run = rows.slice(i, j);
    if (run.length === ROAMING_ABUSE_MONTHS) {
      found.push({
        account_id: r.account_id,
        user_id: r.user_id,
        kind: r.kind,
        months: run.map((x) => Number(x.month)),
        eu: run.map((x) => Number(x.eu)),
        home: run.map((x) => Number(x.home)),
      });
    }
    i = j;
  }
  return found;
}

/**
 * Flags `month`'s roaming abuse as ROAMING_ABUSE alerts (one per user and kind) and returns them.
 * Running it again adds nothing: the alerts table keeps one row per (account, kind, user, cdr,
 * detail), and the detail names only the kind and the months.
 */
export async function flagRoamingAbuse(store: Store, month: number, now: () => number = Date.now): Promise<AlertRow[]> {
  const at = now();
  const alerts: AlertRow[] = (await roamingAbuse(store, month)).map((a) => ({
    kind: 'ROAMING_ABUSE',
    account_id: a.account_id,
    user_id: a.user_id,
    cdr_id: '',
    month,
    at_ms: at,
    detail: `more EU roaming than home ${a.kind} usage in ${a.months.join(', ')}`,
  }));
  if (alerts.length > 0) await store.insert('alerts', alerts);
  return alerts;
}
