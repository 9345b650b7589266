/**
 * Splits one line of a delimited file (CSV, TSV, pipe-separated) into fields by scanning it:
 * the bounds of field k are starts[k], ends[k] in the line, nothing is copied. A quoted field
 * ("a ""b""", RFC 4180) is unquoted into `unquoted[k]` (bounds then 0 and its length); the
 * others leave `unquoted[k]` null. A record is one line: a quoted field holds no line break.
 */
export const MAX_FIELDS = 1024;

export class Fields {
  readonly starts = new Int32Array(MAX_FIELDS);
  readonly ends = new Int32Array(MAX_FIELDS);
  readonly unquoted: (string | null)[] = new Array(MAX_FIELDS).fill(null);
  /** unquoted[k] is null from here on (a split clears only what an earlier one set). */
  quotedEnd = 0;
  count = 0;
  /** Why the last split failed ('' when it did not). */
  error = '';
}

/** The delimiter of the last split, as a character (files are split with one delimiter). */
let lastDelim = -1;
let lastDelimChar = '';

/** Splits `line` into `f`; returns false (with f.error) on an unterminated quote or too many fields. */
export function splitLine(line: string, delim: number, quote: number, trim: boolean, f: Fields): boolean {
  const n = line.length;
  const starts = f.starts;
  const ends = f.ends;
  let k = 0;
  let i = 0;
  if (delim !== lastDelim) {
    lastDelim = delim;
    lastDelimChar = String.fromCharCode(delim);
  }
  const delimChar = lastDelimChar;
  if (f.quotedEnd > 0) {
    f.unquoted.fill(null, 0, f.quotedEnd);
    f.quotedEnd = 0;
  }
  for (;;) {
    if (k === MAX_FIELDS) {
      f.error = `more than ${MAX_FIELDS} fields`;
      return false;
    }
    let a = i;
    if (trim) while (a < n && line.charCodeAt(a) === 32) a++;
    if (a < n && line.charCodeAt(a) === quote) {
      // Quoted: up to the closing quote, a doubled quote being one quote character.
      let j = a + 1;
      let text = '';
      let from = j;
      for (;;) {
        const q = line.indexOf(String.fromCharCode(quote), j);
        if (q < 0) {
          f.error = `unterminated quote in field ${k + 1}`;
          return false;
        }
        if (q + 1 < n && line.charCodeAt(q + 1) === quote) {
          text += line.slice(from, q + 1);
          j = q + 2;
          from = j;
          continue;
        }
        text += line.slice(from, q);
        j = q + 1;
        break;
      }
      while (trim && j < n && line.charCodeAt(j) === 32) j++;
      if (j < n && line.charCodeAt(j) !== delim) {
        f.error = `characters after the closing quote of field ${k + 1}`;
        return false;
      }
      f.unquoted[k] = text;
      f.quotedEnd = k + 1;
      starts[k] = 0;
      ends[k] = text.length;
      k++;
      if (j >= n) break;
      i = j + 1;
      continue;
    }
    let e = line.indexOf(delimChar, a);
    const last = e < 0;
    if (last) e = n;
    let b = e;
    if (trim) while (b > a && line.charCodeAt(b - 1) === 32) b--;
    starts[k] = a;
    ends[k] = b;
    k++;
    if (last) break;
    i = e + 1;
  }
  f.count = k;
  f.error = '';
  return true;
}
