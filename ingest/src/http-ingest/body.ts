/**
 * One request body read as a CDR file: chunks as they arrive, split into lines by the importer's
 * splitter (../sources/lines.ts), each line read by the format's source and checked as
 * `ratel import` checks it (checkCdr, checkLimits). Nothing is produced from here: the caller
 * produces the CDRs only when every line passed (all or nothing per request).
 *
 * The body is counted as it comes: past `maxBodyBytes` the request is paused at once (the rest
 * is never read, nothing of it is kept) and the outcome is TOO_LARGE.
 */
import type { Readable } from 'node:stream';
import { type Cdr, type CdrLimits, checkCdr, checkLimits, isRatelError, type WireCodec } from '@ratel/schemas';
import { FrameBuilder, type FrameChunk } from '../frames.js';
import { type CdrSource, type LineResult, LineStatus, newLineResult } from '../sources/index.js';
import { type LineSink, LineSplitter } from '../sources/lines.js';

/** A line that is no CDR: its number in the body (from 1), the code and the reason. */
export interface LineError {
  line: number;
  code: string;
  reason: string;
}

export const BodyOutcome = {
  /** Every line read is a CDR, filtered or skipped: `cdrs` holds the CDRs. */
  OK: 'ok',
  /** Some lines are not CDRs: `errors` lists the first of them, `cdrs` is emptied. */
  REJECTED: 'rejected',
  /** Over maxBodyBytes: reading stopped there. */
  TOO_LARGE: 'too-large',
  /** The client went away before the end of the body. */
  ABORTED: 'aborted',
} as const;
export type BodyOutcome = (typeof BodyOutcome)[keyof typeof BodyOutcome];

export interface ReadBody {
  outcome: BodyOutcome;
  /** Bytes read (up to the first chunk over the limit). */
  bytes: number;
  lines: number;
  cdrs: Cdr[];
  /** The line of each CDR. */
  at: number[];
  /** Left out by the mapping's filters. */
  filtered: number;
  /** Blank lines and header lines. */
  skipped: number;
  /** Lines that are not CDRs (all of them; `errors` lists the first `maxErrors`). */
  rejected: number;
  /** Those lines by code. */
  codes: Record<string, number>;
  errors: LineError[];
  /**
   * With `BodyOptions.frames`, outcome OK: the CDRs' wire frames, in order, in chunks of
   * `frames.perChunk`; null when a CDR could not be encoded (`unencodable` says which).
   */
  frames: FrameChunk[] | null;
  /** The first CDR (every check passed) that the codec refused: a bug or a field the checks miss. */
  unencodable: LineError | null;
}

export interface BodyOptions {
  maxBodyBytes: number;
  limits: CdrLimits;
  /** Line errors listed in the answer; the rest are counted. */
  maxErrors: number;
  /** Encode each CDR as it is read, with this codec, `perChunk` frames a chunk (ReadBody.frames). */
  frames?: { codec: WireCodec<Cdr>; perChunk: number };
}

const LINE_MAX_BYTES = 4 * 1024 * 1024;

/** Reads `body` (a request) through `source`, which this call starts as a new file named `name`. */
export function readBody(body: Readable, source: CdrSource, name: string, o: BodyOptions): Promise<ReadBody> {
  const r: ReadBody = {
    outcome: BodyOutcome.OK,
    bytes: 0,
    lines: 0,
    cdrs: [],
    at: [],
    filtered: 0,
    skipped: 0,
    rejected: 0,
    codes: {},
    errors: [],
    frames: null,
    unencodable: null,
  };
  let frames = o.frames ? new FrameBuilder(o.frames.codec, o.frames.perChunk) : null;
  const res: LineResult = newLineResult();
  /** A header the source cannot read: the lines after it are not read (their columns are unknown). */
  let fatal = false;
  const fail = (line: number, code: string, reason: string) => {
    r.rejected++;
    r.codes[code] = (r.codes[code] ?? 0) + 1;
    if (r.errors.length < o.maxErrors) r.errors.push({ line, code, reason });
    if (r.cdrs.length > 0) {
      // Nothing of this body will be produced: let its CDRs go.
      r.cdrs = [];
      r.at = [];
    }
    frames = null;
  };
  const sink: LineSink = {
    line(text, lineNo) {
      if (fatal) return;
      try {
        source.read(text, lineNo, res);
      } catch (e) {
        // INPUT_UNREADABLE: the header names no column the format or the mapping needs.
        fatal = true;
        return fail(lineNo, isRatelError(e) ? e.code : 'CDR_MALFORMED', (e as Error).message);
      }
      if (res.status === LineStatus.SKIPPED) {
        r.skipped++;
        return;
      }
      if (res.status === LineStatus.FILTERED) {
        r.filtered++;
        return;
      }
      if (res.status === LineStatus.REJECTED) return fail(lineNo, res.code, res.reason);
      const cdr = res.cdr as Cdr;
      const bad = checkCdr(cdr);
      if (bad !== null) return fail(lineNo, 'CDR_MALFORMED', bad);
      const over = checkLimits(cdr, o.limits);
      if (over !== null) return fail(lineNo, 'CDR_OUT_OF_RANGE', over);
      if (r.rejected > 0) return;
      r.cdrs.push(cdr);
      r.at.push(lineNo);
      if (frames === null) return;
      try {
        if (res.avro !== null) frames.addBody(cdr, res.avro);
        else frames.add(cdr);
      } catch (e) {
        r.unencodable = { line: lineNo, code: 'CDR_MALFORMED', reason: `not a cdr.v1 record: ${(e as Error).message.slice(0, 200)}` };
        frames = null;
      }
    },
    tooLong(_head, bytes, lineNo) {
      fail(lineNo, 'CDR_MALFORMED', `line of ${bytes} bytes, longer than ${LINE_MAX_BYTES}`);
    },
  };
  const lines = new LineSplitter(LINE_MAX_BYTES);
  source.startFile(name);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: BodyOutcome) => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      r.lines = lines.lines;
      r.outcome = outcome === BodyOutcome.OK && r.rejected > 0 ? BodyOutcome.REJECTED : outcome;
      if (r.outcome !== BodyOutcome.OK) {
        r.cdrs = [];
        r.at = [];
      } else if (frames !== null) r.frames = frames.finish();
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      r.bytes += chunk.length;
      if (r.bytes > o.maxBodyBytes) {
        body.pause();
        return settle(BodyOutcome.TOO_LARGE);
      }
      lines.push(chunk, sink);
    };
    body.on('data', onData);
    body.once('end', () => {
      if (settled) return;
      lines.end(sink);
      settle(BodyOutcome.OK);
    });
    body.once('error', () => settle(BodyOutcome.ABORTED));
    body.once('close', () => settle(BodyOutcome.ABORTED));
    // Gone before it was read (a request that waited for its turn): its 'close' came already.
    if (body.destroyed) settle(BodyOutcome.ABORTED);
  });
}
