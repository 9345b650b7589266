/**
 * Number normalisation to the trie's key: E.164 digits without "+", or, for short codes
 * (emergency and service numbers of at most 6 digits), "0" + the account country's calling code
 * + the code. No E.164 number starts with 0, so short-code keys never collide with real numbers.
 *
 * Accepted inputs (SPEC §2): "+33612345678", "0033612345678", national "0612345678" (trunk
 * prefix of the account's country), "112" and other short codes, and bare international digits
 * "33612345678". Spaces, dots, dashes and parentheses are ignored. Returns null when the input
 * is not a phone number.
 */
export interface Dialling {
  /** Country calling code, e.g. "33". */
  cc: string;
  /** National trunk prefix, e.g. "0" (may be empty). */
  trunk: string;
  /** International call prefix, e.g. "00". */
  intl: string;
}

const SHORT_CODE_MAX = 6;
const MIN_E164 = 7;
const MAX_E164 = 15;

function cleaned(raw: string): string | null {
  // Fast path: already clean.
  let clean = true;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c === 43 && i === 0))) {
      clean = false;
      break;
    }
  }
  if (clean) return raw;
  const s = raw.replace(/[\s.\-()/]/g, '');
  return /^\+?\d+$/.test(s) ? s : null;
}

export function normalise(raw: string, d: Dialling): string | null {
  const s = cleaned(raw);
  if (s === null || s.length === 0) return null;
  let digits: string;
  if (s.charCodeAt(0) === 43) {
    digits = s.slice(1);
  } else if (d.intl && s.startsWith(d.intl)) {
    digits = s.slice(d.intl.length);
  } else if (s.length <= SHORT_CODE_MAX) {
    return `0${d.cc}${s}`;
  } else if (d.trunk && s.startsWith(d.trunk)) {
    digits = d.cc + s.slice(d.trunk.length);
  } else {
    digits = s;
  }
  if (digits.length < MIN_E164 || digits.length > MAX_E164 || digits.charCodeAt(0) === 48) return null;
  return digits;
}

/** Offset of short-code keys in keyNumber: E.164 keys (at most 15 digits) stay below it. */
const SHORT_CODE_BASE = 1e15;

/**
 * A key as one exact number below 2^53, for allocation-free sets: E.164 digits as their value,
 * short-code keys ("0" + calling code + code) as SHORT_CODE_BASE + the digits after the "0"
 * (a calling code never starts with 0, so no digit is lost). Distinct keys give distinct numbers.
 */
export function keyNumber(key: string): number {
  let v = 0;
  const short = key.charCodeAt(0) === 48;
  for (let i = short ? 1 : 0; i < key.length; i++) v = v * 10 + (key.charCodeAt(i) - 48);
  return short ? SHORT_CODE_BASE + v : v;
}

/** "+"-prefixed display form of a key (short codes shown as dialled). */
export function displayNumber(key: string, d?: Dialling): string {
  if (key.charCodeAt(0) === 48) return d && key.startsWith(`0${d.cc}`) ? key.slice(1 + d.cc.length) : key.slice(1);
  return `+${key}`;
}
