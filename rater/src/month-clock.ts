/**
 * Billing month of an instant in a time zone, fast: month boundaries are computed once per
 * (zone, month) with Intl and cached, so the hot path is two comparisons.
 */
import { billingMonth, localMidnightMs, localTime, nextMonth } from '@ratel/schemas';
import { BAND_IDS } from './trie.js';

export interface Span {
  from: number;
  to: number;
  month: number;
}

export class MonthClock {
  private readonly spans = new Map<string, Span[]>();

  monthOf(ms: number, tz: string): number {
    return this.spanOf(ms, tz).month;
  }

  /** The billing month containing `ms` in `tz`, with its UTC bounds [from, to). */
  spanOf(ms: number, tz: string): Span {
    let list = this.spans.get(tz);
    if (!list) {
      list = [];
      this.spans.set(tz, list);
    }
    for (let i = 0; i < list.length; i++) {
      const s = list[i] as Span;
      if (ms >= s.from && ms < s.to) return s;
    }
    const month = billingMonth(ms, tz);
    const span = { month, from: localMidnightMs(month, 1, tz), to: localMidnightMs(nextMonth(month), 1, tz) };
    list.push(span);
    if (list.length > 24) list.shift();
    return span;
  }
}

/** Time bands of banded decks, in the account's local time. */
export const BAND_PEAK_FROM_HOUR = 8;
export const BAND_PEAK_TO_HOUR = 20;

/**
 * Band id (see BAND_IDS in trie.ts) of a call start: weekend = Saturday and Sunday; peak =
 * weekdays 08:00-19:59; offpeak = other weekday hours.
 */
export function bandOf(ms: number, tz: string): number {
  const t = localTime(ms, tz);
  if (t.weekday === 0 || t.weekday === 6) return BAND_IDS.weekend;
  return t.hour >= BAND_PEAK_FROM_HOUR && t.hour < BAND_PEAK_TO_HOUR ? BAND_IDS.peak : BAND_IDS.offpeak;
}
