/**
 * `ratel dashboard`: a read-only web app on the finance views, on either engine (the same Store
 * interface). Pages: month overview, top destinations, fair use and alerts, late usage and
 * adjustments, invoices (list, one invoice, the calls behind a line). Every table downloads as
 * CSV (`&csv=<table>`). Charts are drawn by Chart.js, served from node_modules.
 *
 * It binds 127.0.0.1 by default. A token (config `dashboard.token`) is asked of every request as
 * soon as one is set, and one must be set to bind any other address: `Authorization: Bearer
 * <token>`, or basic auth with the token as password (any user name); anything else is 401.
 * Bound to loopback without a token, only requests whose Host is a loopback name are served (a
 * web page elsewhere cannot reach it through DNS rebinding).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from '@ratel/aggregator';
import type { Catalog } from '@ratel/rater';
import { errors } from '@ratel/schemas';
import { type Asset, loadAssets } from './assets.js';
import type { Page } from './model.js';
import {
  callsPage,
  destinationsPage,
  fairUsePage,
  invoicePage,
  invoicesPage,
  latePage,
  monthsOf,
  overviewPage,
  type PageContext,
} from './pages.js';
import { messageHtml, pageHtml, tableCsv } from './render.js';

export interface DashboardOptions {
  store: Store;
  catalog: Catalog;
  host: string;
  /** 0 picks a free port. */
  port: number;
  token: string | null;
}

export interface Dashboard {
  /** http://host:port/ as bound (the port actually taken). */
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The token a request presents: bearer, or the password of basic auth. */
function presented(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (bearer) return bearer[1] as string;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(h);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(colon + 1);
}

function authorised(req: IncomingMessage, token: string): boolean {
  const t = presented(req);
  return t !== null && timingSafeEqual(digest(t), digest(token));
}

/** Host header names a loopback address (the port is ignored). */
function loopbackHost(req: IncomingMessage): boolean {
  const host = req.headers.host ?? '';
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  return isLoopback(name);
}

const HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

/** yyyymm of a `YYYY-MM` parameter, undefined when absent, null when malformed. */
function monthParam(v: string | null): number | null | undefined {
  if (v === null || v === '') return undefined;
  const m = /^(\d{4})-(\d{2})$/.exec(v);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return null;
  return Number(m[1]) * 100 + Number(m[2]);
}

type Handler = (ctx: PageContext, month: number, months: number[], p: URLSearchParams) => Promise<Page | null>;

const PAGES: Record<string, Handler> = {
  '/overview': (c, m, ms) => overviewPage(c, m, ms),
  '/destinations': (c, m, ms) => destinationsPage(c, m, ms),
  '/fair-use': (c, m, ms) => fairUsePage(c, m, ms),
  '/late': (c, m, ms) => latePage(c, m, ms),
  '/invoices': (c, m, ms) => invoicesPage(c, m, ms),
  '/invoice': (c, m, ms, p) => invoicePage(c, m, ms, p.get('account') ?? ''),
  '/calls': (c, m, ms, p) => {
    const line = p.get('line') ?? '';
    return /^\d{1,6}$/.test(line) ? callsPage(c, m, ms, p.get('account') ?? '', Number(line)) : Promise.resolve(null);
  },
};

/** Store queries one at a time: chDB runs in this process and is not asked to overlap. */
function serialised(store: Store): Store {
  let last: Promise<unknown> = Promise.resolve();
  const queue = <T>(f: () => Promise<T>): Promise<T> => {
    const next = last.then(f, f);
    last = next.catch(() => undefined);
    return next;
  };
  return {
    engine: store.engine,
    where: store.where,
    query: <T>(sql: string) => queue(() => store.query<T>(sql)),
    exec: (sql) => queue(() => store.exec(sql)),
    insert: () => Promise.reject(new Error('the dashboard is read-only')),
    encode: (table, rows) => store.encode(table, rows),
    insertEncoded: () => Promise.reject(new Error('the dashboard is read-only')),
    close: () => store.close(),
  };
}

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  if (!isLoopback(o.host) && o.token === null)
    throw errors.configInvalid(
      'dashboard.token (RATEL_DASHBOARD_TOKEN)',
      `required when the dashboard binds ${o.host}, outside loopback (or bind 127.0.0.1)`,
    );
  const assets: Map<string, Asset> = loadAssets();
  const ctx: PageContext = { store: serialised(o.store), catalog: o.catalog };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (o.token !== null) {
      if (!authorised(req, o.token))
        return send(res, 401, 'text/plain; charset=utf-8', 'ratel dashboard: token required\n', {
          'WWW-Authenticate': 'Basic realm="ratel dashboard", charset="UTF-8"',
        });
    } else if (!loopbackHost(req)) {
      return send(res, 421, 'text/plain; charset=utf-8', 'ratel dashboard: loopback host names only\n');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain; charset=utf-8', 'read-only: GET only\n', { Allow: 'GET, HEAD' });
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const asset = assets.get(url.pathname);
    if (asset) return send(res, 200, asset.type, asset.body, { 'Cache-Control': 'max-age=3600' });
    if (url.pathname === '/favicon.ico') return send(res, 301, 'text/plain', '', { Location: '/assets/favicon.svg' });
    if (url.pathname === '/') return send(res, 302, 'text/plain', '', { Location: '/overview' });
    const handler = PAGES[url.pathname];
    if (!handler) return send(res, 404, 'text/html; charset=utf-8', messageHtml('Not found', `No page ${url.pathname}.`));
    const months = await monthsOf(ctx.store);
    const asked = monthParam(url.searchParams.get('month'));
    if (asked === null) return send(res, 400, 'text/html; charset=utf-8', messageHtml('Bad month', 'month must be YYYY-MM.'));
    const month = asked ?? months[0];
    if (month === undefined)
      return send(res, 200, 'text/html; charset=utf-8', pageHtml(emptyPage(url.pathname), url.pathname, url.searchParams));
    const page = await handler(ctx, month, months, url.searchParams);
    if (!page) return send(res, 404, 'text/html; charset=utf-8', messageHtml('Not found', 'No such invoice or line for this month.'));
    const csv = url.searchParams.get('csv');
    if (csv !== null) {
      const table = page.tables.find((t) => t.id === csv);
      if (!table) return send(res, 404, 'text/plain; charset=utf-8', `no table ${csv} on this page\n`);
      const name = `ratel-${url.pathname.slice(1)}-${table.id}-${month}.csv`;
      return send(res, 200, 'text/csv; charset=utf-8', tableCsv(table), { 'Content-Disposition': `attachment; filename="${name}"` });
    }
    send(res, 200, 'text/html; charset=utf-8', pageHtml(page, url.pathname, url.searchParams));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      if (!res.headersSent) send(res, 500, 'text/html; charset=utf-8', messageHtml('Error', msg ?? 'error'));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function emptyPage(path: string): Page {
  return { nav: path.slice(1), title: 'ratel dashboard', month: null, months: [], tiles: [], charts: [], tables: [] };
}
