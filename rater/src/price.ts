/**
 * Price of a call, in exact integer micros.
 *
 * Rule (SPEC §3, seed 002 "calculé à la seconde et arrondi au cent supérieur"):
 *   charged  = first increment, then whole next increments covering the billed seconds
 *              (1/1 = per second, the default)
 *   exact    = connect fee + rate_per_min * charged / 60, raised to the minimum charge
 *   price    = exact rounded UP to the next cent, one rounding per call
 * A call with no billed seconds costs nothing (no connect fee on unanswered calls).
 * The connect fee and minimum charge apply only when the whole call is billed; the billed tail of
 * a call whose head was included in a pack is priced on its seconds alone.
 */
import { ceilDiv, MICROS_PER_CENT, type Micros } from '@ratel/schemas';

export function chargedSeconds(billed: number, first: number, next: number): number {
  if (billed <= 0) return 0;
  if (billed <= first) return first;
  return first + ceilDiv(billed - first, next) * next;
}

export function callPrice(
  billedSeconds: number,
  ratePerMinMicros: number,
  connectMicros: number,
  minChargeMicros: number,
  first: number,
  next: number,
  wholeCall: boolean,
): Micros {
  if (billedSeconds <= 0) return 0;
  const charged = chargedSeconds(billedSeconds, first, next);
  let exact60 = ratePerMinMicros * charged; // micros * 60
  if (wholeCall) {
    exact60 += connectMicros * 60;
    if (exact60 < minChargeMicros * 60) exact60 = minChargeMicros * 60;
  }
  return ceilDiv(exact60, 60 * MICROS_PER_CENT) * MICROS_PER_CENT;
}

/** Price of `units` at a unit price, rounded up to the cent (SMS, events). */
export function unitsPrice(units: number, unitPriceMicros: number): Micros {
  return ceilDiv(units * unitPriceMicros, MICROS_PER_CENT) * MICROS_PER_CENT;
}

export const BYTES_PER_MB = 1_000_000;

/** Data beyond the quota: billed per started MB (10^6 bytes), rounded up to the cent. */
export function dataPrice(bytes: number, perMbMicros: number): Micros {
  if (bytes <= 0) return 0;
  return unitsPrice(ceilDiv(bytes, BYTES_PER_MB), perMbMicros);
}
