/** Calendar helpers: billing months are calendar months in the account's time zone (SPEC §5). */

const fmtCache = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = fmtCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    fmtCache.set(tz, f);
  }
  return f;
}

export interface LocalTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday ... 6 = Saturday */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Wall-clock time of an instant in a time zone. */
export function localTime(ms: number, tz: string): LocalTime {
  const parts = formatter(tz).formatToParts(ms);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '0';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    second: Number(get('second')),
    weekday: WEEKDAYS[get('weekday')] ?? 0,
  };
}

/** Whether `tz` is a time zone this runtime knows (IANA name, or UTC). */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** Billing month yyyymm of an instant in a time zone. */
export function billingMonth(ms: number, tz: string): number {
  const t = localTime(ms, tz);
  return t.year * 100 + t.month;
}

/** The month yyyymm of a calendar date "YYYY-MM-DD". */
export function monthOfDate(date: string): number {
  return Number(date.slice(0, 4)) * 100 + Number(date.slice(5, 7));
}

export function daysInMonth(yyyymm: number): number {
  const y = Math.floor(yyyymm / 100);
  const m = yyyymm % 100;
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function nextMonth(yyyymm: number): number {
  const y = Math.floor(yyyymm / 100);
  const m = yyyymm % 100;
  return m === 12 ? (y + 1) * 100 + 1 : yyyymm + 1;
}

export function previousMonth(yyyymm: number): number {
  const y = Math.floor(yyyymm / 100);
  const m = yyyymm % 100;
  return m === 1 ? (y - 1) * 100 + 12 : yyyymm - 1;
}

/** UTC ms of local midnight starting day `day` of month yyyymm in `tz`. */
export function localMidnightMs(yyyymm: number, day: number, tz: string): number {
  const y = Math.floor(yyyymm / 100);
  const m = yyyymm % 100;
  let guess = Date.UTC(y, m - 1, day);
  // Two fixed-point steps settle the zone offset (DST changes happen at night, never at 00:00 in EU zones).
  for (let i = 0; i < 2; i++) {
    const t = localTime(guess, tz);
    const shownAsUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);
    guess += Date.UTC(y, m - 1, day) - shownAsUtc;
  }
  return guess;
}

const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * True when `s` is a date "YYYY-MM-DD" that exists in the (proleptic Gregorian) calendar. A format
 * check alone lets "2026-13-45" or "2025-02-29" through, and Date.parse then yields NaN or rolls
 * over into another month. The leap rule is computed here, not with Date.UTC, which maps years
 * 0-99 to 1900-1999.
 */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const last = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  return day <= last;
}
