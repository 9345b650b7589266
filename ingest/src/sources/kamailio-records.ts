/**
 * The records of Kamailio's acc module as its storages write them, split into values by column
 * (kamailio.ts and kamailio-acc.ts read them):
 *
 * - db_flatstore: one line per record, the values joined by the delimiter ("|"), no header, no
 *   quoting; with encode_delimiter a delimiter inside a value is written "%7C";
 * - db_text: the table's file, a header naming and typing the columns ("id(int,auto) start_time(int)
 *   …"), then one line per row, values joined by ":" with "\" escapes (\: \\ \n \r \t \0);
 * - the log (syslog, or kamailio's stderr): name=value pairs after the log prefix, joined by "; "
 *   (dialog CDRs) or ";" (per-transaction records).
 *
 * Values are bounds in the line; only a value that needs unescaping is copied.
 */

import { errors } from '@ratel/schemas';
import { type LineResult, LineStatus, reject } from './source.js';

export type Storage = 'flatstore' | 'db_text' | 'log';

/** The values of one record, by column of its layout: value k is src[k] from beg[k] to fin[k]. */
export class Values {
  readonly src: string[];
  readonly beg: Int32Array;
  readonly fin: Int32Array;
  constructor(n: number) {
    this.src = new Array(n).fill('');
    this.beg = new Int32Array(n);
    this.fin = new Int32Array(n);
  }
  text(k: number): string {
    return (this.src[k] as string).slice(this.beg[k], this.fin[k]);
  }
  empty(k: number): boolean {
    return this.beg[k] === this.fin[k];
  }
}

/** What a split found. */
export const Split = {
  /** `out` holds the record's values. */
  RECORD: 0,
  /** Not a record of this layout (a log line of something else): counted, not an error. */
  OTHER: 1,
  /** A record that does not read: `error` says why. */
  BAD: 2,
} as const;
export type Split = (typeof Split)[keyof typeof Split];

export interface Layout {
  /** The columns, in the order the storage writes them. */
  readonly names: readonly string[];
  /** Why the last split was BAD. */
  error: string;
  split(line: string, out: Values): Split;
}

/** Whether a line holds nothing but spaces (no allocation: lines of records start with a value). */
export function blank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

const DB_TEXT_HEADER = /^[A-Za-z_][A-Za-z0-9_]*\((int|str|string|double|time|datetime|blob)\b/;

/** The storage of a file judged on its first line: a db_text header, a log line holding `marker`, else db_flatstore. */
export function detectStorage(line: string, marker: string): Storage {
  if (DB_TEXT_HEADER.test(line)) return 'db_text';
  if (line.includes(marker)) return 'log';
  return 'flatstore';
}

/**
 * The storage of a file with `storage: "auto"`, judged on its first record (`first`: the file's
 * first line): null, the line rejected, when this line says nothing: a db_text header further
 * down, or a line that is neither a log line with `marker` nor a db_flatstore record.
 */
function judgeStorage(
  line: string,
  first: boolean,
  marker: string,
  /** What a log line is called in the reason ("a log line", "an acc log line"). */
  logLine: string,
  flatstore: Layout,
  values: Values,
  out: LineResult,
): Storage | null {
  const s = detectStorage(line, marker);
  if (s === 'db_text' && !first) {
    reject(out, 'a db_text header that is not the first line');
    return null;
  }
  if (s !== 'flatstore' || flatstore.split(line, values) === Split.RECORD) return s;
  const names = flatstore.names;
  reject(
    out,
    `neither a db_flatstore record of ${names.length} values (${names.join(', ')}) nor ${logLine} with ${marker}; for a log holding other messages set "storage": "log" in the profile`,
  );
  return null;
}

/**
 * The storage of the file being read, as both Kamailio readers find it: the profile's, or judged
 * on the file's first record (`storage: "auto"`), and for db_text the header of its first line.
 */
export class FileStorage {
  /** null until judged. */
  storage: Storage | null = null;
  /** db_text: the file's header, once read. */
  dbText: DbTextLayout | null = null;
  private file = '';
  private first = true;

  constructor(
    private readonly configured: Storage | 'auto',
    /** The columns a db_text header must name. */
    private readonly names: readonly string[],
    /** What marks a log line, and what one is called in reasons. */
    private readonly marker: string,
    private readonly logLine: string,
  ) {}

  startFile(file: string): void {
    this.file = file;
    this.storage = this.configured === 'auto' ? null : this.configured;
    this.dbText = null;
    this.first = true;
  }

  /**
   * The storage of this line's record; null when the line holds none, with `out` saying why: a
   * blank line or the db_text header (SKIPPED), a line no storage reads (rejected). A db_text
   * header that names other columns fails the file.
   */
  judge(line: string, flatstore: Layout, values: Values, out: LineResult): Storage | null {
    const first = this.first;
    this.first = false;
    if (blank(line)) {
      out.status = LineStatus.SKIPPED;
      return null;
    }
    if (this.storage === null) this.storage = judgeStorage(line, first, this.marker, this.logLine, flatstore, values, out);
    if (this.storage === 'db_text' && this.dbText === null) {
      const layout = new DbTextLayout(this.names);
      const bad = layout.header(line.charCodeAt(0) === 0xfeff ? line.slice(1) : line);
      if (bad !== '') throw errors.inputUnreadable(this.file, bad);
      this.dbText = layout;
      out.status = LineStatus.SKIPPED;
      return null;
    }
    return this.storage;
  }
}

/** db_flatstore lines: values joined by one delimiter character. */
export class FlatstoreLayout implements Layout {
  error = '';
  private readonly encoded: string;

  constructor(
    readonly names: readonly string[],
    private readonly delimiter: string,
    private readonly encodeDelimiter: boolean,
  ) {
    this.encoded = `%${delimiter.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  }

  split(line: string, out: Values): Split {
    const n = this.names.length;
    const d = this.delimiter;
    let k = 0;
    let a = 0;
    // indexOf finds the delimiters a few times faster than a loop over the characters.
    for (;;) {
      const i = line.indexOf(d, a);
      if (k === n) {
        this.error = `more than the ${n} values the profile gives (${this.names.slice(0, 6).join(', ')}…)`;
        return Split.BAD;
      }
      out.src[k] = line;
      out.beg[k] = a;
      out.fin[k] = i < 0 ? line.length : i;
      k++;
      if (i < 0) break;
      a = i + 1;
    }
    if (k !== n) {
      this.error = `${k} values, the profile gives ${n} (${this.names.join(', ')})`;
      return Split.BAD;
    }
    if (this.encodeDelimiter && line.includes(this.encoded)) {
      const enc = this.encoded;
      for (let j = 0; j < n; j++) {
        const t = out.text(j);
        if (!t.includes(enc)) continue;
        const u = t.split(enc).join(d);
        out.src[j] = u;
        out.beg[j] = 0;
        out.fin[j] = u.length;
      }
    }
    return Split.RECORD;
  }
}

/** db_text tables: a header line, then rows of ":"-separated values with "\" escapes. */
export class DbTextLayout implements Layout {
  error = '';
  /** The header's column of each name (-1 before the header is read). */
  private colOf: Int32Array;
  private count = 0;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly escaped: boolean[];

  constructor(readonly names: readonly string[]) {
    this.colOf = new Int32Array(names.length).fill(-1);
    this.starts = new Int32Array(1024);
    this.ends = new Int32Array(1024);
    this.escaped = new Array(1024).fill(false);
  }

  /** Reads the header: '' when every name is a column of it, else why not. */
  header(line: string): string {
    const cols = line
      .trim()
      .split(/\s+/)
      .map((c) => c.replace(/\(.*$/, ''));
    if (cols.length > 1024) return `header line: ${cols.length} columns`;
    const missing = this.names.filter((n) => !cols.includes(n));
    if (missing.length > 0)
      return `the db_text header has no column ${missing.map((m) => JSON.stringify(m)).join(', ')} (it has ${cols.join(', ')}): add the profile's attributes to the table`;
    this.colOf = Int32Array.from(this.names.map((n) => cols.indexOf(n)));
    this.count = cols.length;
    return '';
  }

  split(line: string, out: Values): Split {
    const len = line.length;
    let k = 0;
    let a = 0;
    let esc = false;
    for (let i = 0; i <= len; i++) {
      const c = i < len ? line.charCodeAt(i) : 58;
      if (c === 92 /* \ */) {
        esc = true;
        i++;
        continue;
      }
      if (c !== 58 /* : */) continue;
      if (k === this.count) {
        this.error = `more than the ${this.count} columns of the header`;
        return Split.BAD;
      }
      this.starts[k] = a;
      this.ends[k] = i;
      this.escaped[k] = esc;
      k++;
      a = i + 1;
      esc = false;
    }
    if (k !== this.count) {
      this.error = `${k} columns, the header has ${this.count}`;
      return Split.BAD;
    }
    const colOf = this.colOf;
    for (let j = 0; j < colOf.length; j++) {
      const c = colOf[j] as number;
      const b = this.starts[c] as number;
      const e = this.ends[c] as number;
      if (!this.escaped[c]) {
        out.src[j] = line;
        out.beg[j] = b;
        out.fin[j] = e;
        continue;
      }
      const u = unescapeDbText(line, b, e);
      if (u === null) {
        this.error = `column ${this.names[j]}: a "\\" escape db_text does not write`;
        return Split.BAD;
      }
      out.src[j] = u;
      out.beg[j] = 0;
      out.fin[j] = u.length;
    }
    return Split.RECORD;
  }
}

function unescapeDbText(s: string, a: number, b: number): string | null {
  let out = '';
  for (let i = a; i < b; i++) {
    const c = s[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++i];
    if (n === 'n') out += '\n';
    else if (n === 'r') out += '\r';
    else if (n === 't') out += '\t';
    else if (n === '\\' || n === ':') out += n;
    else if (n === '0') out += '\0';
    else return null;
  }
  return out;
}

/**
 * Log lines: the first name's "name=" anywhere in the line (after syslog's or Kamailio's prefix),
 * then each next one after the separator ("; " or ";"). A value runs up to the next name, the
 * last one to the end of the line; so a value may hold the separator, not "separator name=".
 */
export class LogLayout implements Layout {
  error = '';
  private readonly needles: string[];

  constructor(
    readonly names: readonly string[],
    sep: string,
  ) {
    this.needles = names.map((n, k) => (k === 0 ? `${n}=` : `${sep}${n}=`));
  }

  split(line: string, out: Values): Split {
    const needles = this.needles;
    const first = needles[0] as string;
    let at = line.indexOf(first);
    if (at < 0) return Split.OTHER;
    let a = at + first.length;
    for (let k = 1; k < needles.length; k++) {
      const nd = needles[k] as string;
      at = line.indexOf(nd, a);
      if (at < 0) {
        this.error = `no "${nd.replace(/^[; ]+/, '')}" after ${this.names[k - 1]}= (the profile's attributes, in order: ${this.names.join(', ')})`;
        return Split.BAD;
      }
      out.src[k - 1] = line;
      out.beg[k - 1] = a;
      out.fin[k - 1] = at;
      a = at + nd.length;
    }
    let b = line.length;
    while (b > a && (line.charCodeAt(b - 1) === 32 || line.charCodeAt(b - 1) === 13)) b--;
    const last = needles.length - 1;
    out.src[last] = line;
    out.beg[last] = a;
    out.fin[last] = b;
    return Split.RECORD;
  }
}
