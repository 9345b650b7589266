/**
 * What every CDR source implements: one reader per file format (ratel's own CSV and JSON Lines,
 * generic CSV / TSV / pipe-separated / JSON Lines through a mapping file). A source turns one line
 * of a file into one CDR, or says why not. Reading files, counting, batching and rating are the
 * importer's (import.ts), so a new format is one file here.
 */
import type { Cdr, ErrorCode } from '@ratel/schemas';

/** What became of a line. */
export const LineStatus = {
  /** `cdr` holds the line's CDR. */
  CDR: 0,
  /**
   * A blank line or a header: nothing to count. Also a record a source holds until the record
   * it pairs with arrives (kamailio-acc: an answered INVITE waiting for its BYE): counted then,
   * with that record's line, or handed back by `finish`.
   */
  SKIPPED: 1,
  /**
   * Left out, counted by `reason`, not an error: a line the mapping's filters leave out
   * ("filter on \"SipCode\""), a FreeSWITCH B leg ("B_LEG (billed on its A leg)"), a Kamailio
   * provisional answer. A call that was not answered is no filtered line but a CDR (its
   * disposition and SIP status, nothing billable). The reason is a
   * short label of few values, not the line's own data (the summary counts lines by it).
   */
  FILTERED: 2,
  /** Not a CDR: `code` and `reason` say why; the line goes to the dead-letter file. */
  REJECTED: 3,
} as const;
export type LineStatus = (typeof LineStatus)[keyof typeof LineStatus];

/** Filled by CdrSource.read (one object reused for every line: nothing allocated per line). */
export interface LineResult {
  status: LineStatus;
  cdr: Cdr | null;
  code: ErrorCode;
  reason: string;
  /**
   * With a CDR, when the source encoded it already (ratel JSON Lines): its cdr.v1 Avro body,
   * the bytes a codec writes after the frame header. A view of the source's own buffer, valid
   * until its next read; null when the source keeps none (the reader encodes the CDR itself).
   */
  avro: Buffer | null;
}

export const newLineResult = (): LineResult => ({ status: LineStatus.SKIPPED, cdr: null, code: 'CDR_MALFORMED', reason: '', avro: null });

export function reject(out: LineResult, reason: string, code: ErrorCode = 'CDR_MALFORMED'): void {
  out.status = LineStatus.REJECTED;
  out.cdr = null;
  out.avro = null;
  out.code = code;
  out.reason = reason;
}

/**
 * The JSON object a line holds, for the formats of one JSON document a line: null when the line
 * is blank (SKIPPED) or not a JSON object (REJECTED, the parser's message cut, then `hint`).
 */
export function jsonObjectOf(line: string, out: LineResult, hint = ''): Record<string, unknown> | null {
  if (line.trim().length === 0) {
    out.status = LineStatus.SKIPPED;
    return null;
  }
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (e) {
    reject(out, `not JSON: ${(e as Error).message.slice(0, 120)}${hint}`);
    return null;
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    reject(out, 'not a JSON object');
    return null;
  }
  return obj as Record<string, unknown>;
}

/** Counts the line as filtered, by `reason` (a short label of few values, see LineStatus.FILTERED). */
export function filter(out: LineResult, reason: string): void {
  out.status = LineStatus.FILTERED;
  out.cdr = null;
  out.avro = null;
  out.reason = reason;
}

export interface CdrSource {
  /** The format's name (`--format`). */
  readonly format: string;
  /**
   * Starts a file: the reader is told its name (for errors) and, when the format has a header
   * line, reads it first. Throws INPUT_UNREADABLE when the file cannot be read with this source
   * (a column the mapping names is missing from the header).
   */
  startFile(file: string): void;
  /** Reads one line (without its line break; line 1 is the file's first) into `out`. */
  read(line: string, lineNo: number, out: LineResult): void;
  /**
   * Optional, for sources that hold records across lines and files (kamailio-acc pairs each
   * answered INVITE with its BYE, which another process's file may hold): the import has read
   * all its files. Each record still held goes to `reject`, a dead letter with the line it came
   * from and why; nothing is held afterwards. Sources that hold nothing leave it out.
   */
  finish?(reject: (at: HeldLine, code: ErrorCode, reason: string) => void): void;
}

/** Where a held record came from: its file, line number and text (for its dead letter). */
export interface HeldLine {
  file: string;
  line: number;
  raw: string;
}
