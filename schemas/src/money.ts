/**
 * Exact money. Every amount is an integer number of micro-units of its currency
 * (1 EUR = 1,000,000 micros), held in a JS number while it is a safe integer (|x| < 2^53, i.e.
 * up to 9 billion EUR) and as Int64 in ClickHouse. No binary fractions ever touch an amount.
 */
export type Micros = number;

export const MICROS_PER_UNIT = 1_000_000;
export const MICROS_PER_CENT = 10_000;

/** ceil(a / b) for non-negative safe integers a and b > 0, exact. */
export function ceilDiv(a: number, b: number): number {
  const r = a % b;
  return (a - r) / b + (r === 0 ? 0 : 1);
}

/** floor(a / b) for non-negative safe integers a and b > 0, exact. */
export function floorDiv(a: number, b: number): number {
  return (a - (a % b)) / b;
}

/** a * b / c rounded half up, for non-negative integers, exact via BigInt when a*b may overflow 2^53. */
export function mulDivRound(a: number, b: number, c: number): number {
  const twice = 2 * a * b + c;
  if (Number.isSafeInteger(twice)) return floorDiv(twice, 2 * c);
  const big = (2n * BigInt(a) * BigInt(b) + BigInt(c)) / (2n * BigInt(c));
  return Number(big);
}

/** Rounds an amount up to the next whole cent (seed 002: "arrondi au cent supérieur"). */
export function roundUpToCent(micros: Micros): Micros {
  return ceilDiv(micros, MICROS_PER_CENT) * MICROS_PER_CENT;
}

/** Parses a decimal string such as "0.89" or "19.90" into micros, refusing more than 6 decimals. */
export function parseMoney(text: string): Micros {
  const m = /^(-)?(\d+)(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!m) throw new RangeError(`not a decimal amount: "${text}"`);
  const units = Number(m[2]);
  const frac = Number((m[3] ?? '').padEnd(6, '0'));
  const v = units * MICROS_PER_UNIT + frac;
  if (!Number.isSafeInteger(v)) throw new RangeError(`amount out of range: "${text}"`);
  return m[1] ? -v : v;
}

/** Formats micros with the given number of decimals (default 2), rounding half up; exact. */
export function formatMoney(micros: Micros, decimals = 2): string {
  const neg = micros < 0;
  const abs = Math.abs(micros);
  const scale = 10 ** (6 - decimals);
  const q = floorDiv(abs + scale / 2, scale);
  const units = Math.floor(q / 10 ** decimals);
  const frac = q - units * 10 ** decimals;
  const s = decimals > 0 ? `${units}.${String(frac).padStart(decimals, '0')}` : String(units);
  return neg && q !== 0 ? `-${s}` : s;
}
