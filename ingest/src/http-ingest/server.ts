/**
 * The HTTP ingest server (node:http): `POST /v1/cdrs?format=NAME` with a bearer token.
 *
 *   401  no token, or not the one of httpIngest.token
 *   400  a bad request (no or unknown format, a generic format without its mapping), or a body
 *        with lines that are not CDRs: every line is read, the first 100 errors are listed
 *        (line number, code, reason), and nothing of the body is produced
 *   413  a body over httpIngest.maxBodyBytes: refused from its Content-Length, or as soon as the
 *        bytes read pass the limit (the rest is never read; the connection is closed)
 *   415  a Content-Encoding other than identity
 *   503  Kafka did not acknowledge every CDR (Retry-After): the client sends the body again;
 *        CDRs acknowledged before the failure come again as replays, which the rater takes
 *        once (same id, same bytes)
 *   202  every CDR is acknowledged by all in-sync replicas of the CDR topic: the counts
 *
 * Also `GET /healthz` (process up), `GET /readyz` (the last produce, or the connection, worked)
 * and `GET /metrics` (Prometheus; bearer: metricsToken when set, else httpIngest.token).
 * One log line per request (pino), never a header: the token does not reach the log.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccountBook, Directory } from '@ratel/rater';
import type { Cdr, WireCodec } from '@ratel/schemas';
import { type Config, limitsOf } from '../config.js';
import type { Logger } from '../logger.js';
import { type CdrSource, createSource, FORMATS, type FormatName, type Mapping, needsMapping } from '../sources/index.js';
import { BearerCheck } from './auth.js';
import { BodyOutcome, type LineError, type ReadBody, readBody } from './body.js';
import { createHttpIngestMetrics, type HttpIngestMetrics } from './metrics.js';
import type { CdrSender } from './sender.js';

export const CDRS_PATH = '/v1/cdrs';
/** Seconds a client is told to wait after a 503. */
export const RETRY_AFTER_S = 5;
/** Line errors listed in a 400 answer (all are counted). */
export const MAX_LISTED_ERRORS = 100;
/** How long a connection whose body was left unread stays open after the answer (for the client to read it). */
const LINGER_MS = 1000;
const FRAMES_PER_CHUNK = 1000;

export type MappedFormat = 'csv' | 'tsv' | 'psv' | 'jsonl';

export interface HttpIngestDeps {
  cfg: Config;
  /** Connected (CdrSender.connect). */
  sender: Pick<CdrSender, 'send' | 'ready'>;
  codec: WireCodec<Cdr>;
  /** The accounts and their subscriber directory, for the generic formats (may be empty). */
  accounts: AccountBook;
  directory: Directory | null;
  /** The mappings of the generic formats that have one, already loaded and checked. */
  mappings: Partial<Record<MappedFormat, { mapping: Mapping; name: string }>>;
  log: Logger;
  metrics?: HttpIngestMetrics;
  /** The text of GET /metrics (default: `metrics`' registry; a cluster worker's sums every worker). */
  metricsText?: () => Promise<string>;
}

export interface HttpIngest {
  /** http://host:port of the server. */
  url: string;
  port: number;
  server: Server;
  metrics: HttpIngestMetrics;
  /** Stops accepting, lets the requests in flight finish (answered), then resolves. */
  close(): Promise<void>;
}

/** What a request came to, for its log line and the metrics. */
interface Outcome {
  status: number;
  format?: string;
  bytes?: number;
  lines?: number;
  cdrs?: number;
  rejected?: number;
  error?: string;
  reason?: string;
}

/** A fixed number of turns; a request past them waits, its body unread. */
class Turns {
  private used = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly max: number) {}
  get waiting(): number {
    return this.queue.length;
  }
  take(): Promise<void> {
    if (this.used < this.max) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((r) => this.queue.push(r));
  }
  give(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.used--;
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';

function answer(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': JSON_TYPE,
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/**
 * Answers a request whose body is not (or no longer) read: the answer says `connection: close`
 * and the socket is closed a moment after it is sent. Closing at once, with the client's bytes
 * unread, could reset the connection before the client reads the answer.
 */
function answerUnread(req: IncomingMessage, res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) {
  req.pause();
  answer(res, status, body, { connection: 'close', ...headers });
  res.once('finish', () => setTimeout(() => req.socket.destroy(), LINGER_MS).unref());
}

export async function startHttpIngest(deps: HttpIngestDeps): Promise<HttpIngest> {
  const { cfg, log } = deps;
  const h = cfg.httpIngest;
  const metrics = deps.metrics ?? createHttpIngestMetrics();
  const metricsText = deps.metricsText ?? (() => metrics.registry.metrics());
  const ingestAuth = new BearerCheck([h.token]);
  const metricsAuth = new BearerCheck([cfg.metricsToken ?? h.token]);
  const { limits } = limitsOf(cfg);
  const turns = new Turns(h.maxInFlight);
  const free = new Map<FormatName, CdrSource[]>();
  const sourceOf = (format: FormatName): CdrSource => {
    const pooled = free.get(format)?.pop();
    if (pooled) return pooled;
    const m = needsMapping(format) ? deps.mappings[format as MappedFormat] : undefined;
    return createSource({
      format,
      mapping: m?.mapping,
      mappingName: m?.name,
      accounts: deps.accounts,
      directory: deps.directory,
    });
  };
  const giveBack = (format: FormatName, s: CdrSource) => {
    const list = free.get(format) ?? [];
    if (list.length < h.maxInFlight) list.push(s);
    free.set(format, list);
  };
  let seq = 0;

  async function postCdrs(req: IncomingMessage, res: ServerResponse, url: URL, id: number, o: Outcome): Promise<void> {
    const format = url.searchParams.get('format') ?? '';
    o.format = format.slice(0, 40);
    const refuse = (status: number, error: string, message: string, headers?: Record<string, string>) => {
      o.error = error;
      o.reason = message;
      o.status = status;
      answerUnread(req, res, status, { error, message }, headers);
    };
    if (!(FORMATS as readonly string[]).includes(format))
      return refuse(400, 'USAGE_INVALID', `?format= must be one of ${FORMATS.join(', ')}`);
    const f = format as FormatName;
    if (needsMapping(f) && !deps.mappings[f as MappedFormat])
      return refuse(
        400,
        'USAGE_INVALID',
        `format ${f} has no mapping on this server (httpIngest.mappings.${f}); use ratel-jsonl or ratel-csv, or ask for one`,
      );
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity')
      return refuse(415, 'UNSUPPORTED_ENCODING', `Content-Encoding ${encoding.slice(0, 40)}: send the body uncompressed`);
    const declared = Number(req.headers['content-length'] ?? -1);
    if (declared > h.maxBodyBytes)
      return refuse(413, 'BODY_TOO_LARGE', `a body of ${declared} bytes, over httpIngest.maxBodyBytes (${h.maxBodyBytes})`);

    metrics.waiting.set(turns.waiting + 1);
    await turns.take();
    metrics.waiting.set(turns.waiting);
    metrics.inFlight.inc();
    try {
      // `Expect: 100-continue` (curl's way with bodies over 1 MB): the body is asked for only now,
      // so a refused request (above) never sent it, and a waiting one sends it when its turn comes.
      if (/^100-continue$/i.test(req.headers.expect ?? '')) res.writeContinue();
      const source = sourceOf(f);
      let body: ReadBody;
      try {
        body = await readBody(req, source, `request ${id}`, {
          maxBodyBytes: h.maxBodyBytes,
          limits,
          maxErrors: MAX_LISTED_ERRORS,
          frames: { codec: deps.codec, perChunk: FRAMES_PER_CHUNK },
        });
      } finally {
        giveBack(f, source);
      }
      o.bytes = body.bytes;
      o.lines = body.lines;
      metrics.bytes.inc(body.bytes);
      if (body.outcome === BodyOutcome.ABORTED) {
        o.status = 499; // nginx's "client closed request": nothing answered, nothing produced (counted, logged)
        o.error = 'CLIENT_GONE';
        return;
      }
      if (body.outcome === BodyOutcome.TOO_LARGE)
        return refuse(413, 'BODY_TOO_LARGE', `the body passed httpIngest.maxBodyBytes (${h.maxBodyBytes} bytes): nothing was produced`);
      if (body.outcome === BodyOutcome.REJECTED) return rejectLines(res, body, body.errors, o);
      // Each CDR was encoded as it was read (body.ts); one the codec refused fails the body.
      if (body.unencodable !== null) return rejectLines(res, body, [body.unencodable], o);
      const chunks = body.frames ?? [];
      const t0 = performance.now();
      try {
        await deps.sender.send(chunks);
      } catch (e) {
        const code = (e as { code?: string }).code ?? 'BROKER_UNREACHABLE';
        const message = `Kafka did not acknowledge every CDR: nothing is accepted; send the same body again after ${RETRY_AFTER_S} s (CDRs already written come again as replays, which are rated once)`;
        o.status = 503;
        o.error = code;
        o.reason = (e as Error).message;
        return answer(res, 503, { error: code, message }, { 'retry-after': String(RETRY_AFTER_S) });
      }
      metrics.produceSeconds.observe((performance.now() - t0) / 1000);
      metrics.accepted.inc(body.cdrs.length);
      o.status = 202;
      o.cdrs = body.cdrs.length;
      answer(res, 202, {
        lines: body.lines,
        cdrs: body.cdrs.length,
        filtered: body.filtered,
        skipped: body.skipped,
        bytes: body.bytes,
        topic: cfg.kafka.cdrTopic,
      });
    } finally {
      metrics.inFlight.dec();
      turns.give();
    }
  }

  function rejectLines(res: ServerResponse, body: ReadBody, errors: LineError[], o: Outcome): void {
    const rejected = Math.max(body.rejected, errors.length);
    if (body.rejected > 0) for (const [code, n] of Object.entries(body.codes)) metrics.rejectedLines.inc({ code }, n);
    else for (const e of errors) metrics.rejectedLines.inc({ code: e.code });
    o.status = 400;
    o.error = 'LINES_REJECTED';
    o.rejected = rejected;
    answer(res, 400, {
      error: 'LINES_REJECTED',
      message: `${rejected} of ${body.lines} lines are not CDRs: nothing of this body was produced; correct them and send the whole body again`,
      lines: body.lines,
      rejected,
      errors,
      ...(rejected > errors.length ? { unlisted: rejected - errors.length } : {}),
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const o: Outcome = { status: 0 };
    const id = ++seq;
    let path = '?';
    try {
      const url = new URL(req.url ?? '/', 'http://ratel');
      path = url.pathname.slice(0, 100);
      if (path === CDRS_PATH) {
        if (req.method !== 'POST') {
          o.status = 405;
          return answerUnread(req, res, 405, { error: 'METHOD_NOT_ALLOWED', message: `${CDRS_PATH} takes POST` }, { allow: 'POST' });
        }
        if (!ingestAuth.accepts(req.headers.authorization)) {
          o.status = 401;
          return answerUnread(
            req,
            res,
            401,
            { error: 'UNAUTHORIZED', message: 'Authorization: Bearer <httpIngest.token> required' },
            { 'www-authenticate': 'Bearer realm="ratel"' },
          );
        }
        return await postCdrs(req, res, url, id, o);
      }
      if (req.method !== 'GET') {
        o.status = 404;
        return answerUnread(req, res, 404, { error: 'NOT_FOUND', message: `POST ${CDRS_PATH}` });
      }
      if (path === '/healthz') {
        o.status = 200;
        return answer(res, 200, { status: 'ok' });
      }
      if (path === '/readyz') {
        o.status = deps.sender.ready ? 200 : 503;
        return answer(res, o.status, { status: deps.sender.ready ? 'ready' : 'the last produce to Kafka failed' });
      }
      if (path === '/metrics') {
        if (!metricsAuth.accepts(req.headers.authorization)) {
          o.status = 401;
          return answer(res, 401, { error: 'UNAUTHORIZED' }, { 'www-authenticate': 'Bearer realm="ratel"' });
        }
        const text = await metricsText();
        o.status = 200;
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
        return;
      }
      o.status = 404;
      return answer(res, 404, { error: 'NOT_FOUND', message: `POST ${CDRS_PATH}` });
    } catch (e) {
      // A bug: answered 500, logged once on the request's line (with where it happened).
      o.status = 500;
      o.error = 'INTERNAL';
      o.reason = ((e as Error).stack ?? String(e)).split('\n').slice(0, 4).join(' | ');
      if (!res.headersSent) answerUnread(req, res, 500, { error: 'INTERNAL', message: 'internal error (logged)' });
      else res.destroy();
    } finally {
      const seconds = (performance.now() - t0) / 1000;
      metrics.requests.inc({ status: String(o.status) });
      metrics.seconds.observe(seconds);
      // One line a request: warn for the answers that are the server's side (5xx).
      log[o.status >= 500 ? 'warn' : 'info'](
        {
          req: id,
          method: req.method,
          path,
          ...o,
          ms: Math.round(seconds * 10_000) / 10,
          remote: req.socket.remoteAddress,
        },
        'http request',
      );
    }
  }

  const server = createServer({ requestTimeout: 120_000, headersTimeout: 30_000, keepAliveTimeout: 10_000 }, (req, res) => {
    void handle(req, res);
  });
  // Without this listener node answers 100 Continue itself, before the token and the size are checked.
  server.on('checkContinue', (req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(h.port, h.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = h.host.includes(':') ? `[${h.host}]` : h.host;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    metrics,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
