/**
 * Kamailio for real (issue 16): Debian's kamailio as a stateful proxy on loopback with the dialog
 * module and the acc module's dialog CDRs (kamailio/kamailio.cfg), sipp as the callees (UAS) and
 * the callers (UAC): 2,000 calls at about 400 calls per second with known outcomes (answered with
 * a talk time of 2.4 s or 1.2 s, busy 486, not found 404, cancelled while ringing 487; scenarios in
 * kamailio/*.xml). Then Kamailio's own db_flatstore CDR files go through `ratel import --format
 * kamailio` into the embedded store: every answered call rated once, billed the duration
 * Kamailio measured rounded up to the next second (within the talk time sipp played), every
 * failed call stored at no charge with its disposition and SIP code, and counted in the summary;
 * a second import changes nothing. The same calls read from Kamailio's log and from its
 * per-transaction records (`--format kamailio-acc`) have the same ids and durations, and
 * importing them too bills nothing twice.
 *
 * Needs kamailio and sipp: `npm test` runs deploy/kamailio.sh first, and this test runs it again
 * when they are missing; it fails (never skips) when they cannot be installed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openChdbStore } from '@ratel/aggregator';
import { directoryOf, LineSplitter, sources } from '@ratel/ingest';
import { loadAccounts, loadCatalog } from '@ratel/rater';
import { type Cdr, cdrType } from '@ratel/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'ingest/dist/cli.js');
const SCENARIOS = join(import.meta.dirname, 'kamailio');
const dir = mkdtempSync(join(tmpdir(), 'ratel-kamailio-'));
const accDir = join(dir, 'acc');
const chdbDir = join(dir, 'chdb');
const accountsFile = join(dir, 'accounts.json');

interface Outcome {
  name: string;
  uac: string;
  /** The number dialled; the proxy sends it to the callee that plays the outcome. */
  number: string;
  calls: number;
  rate: number;
  /** Answered calls: the talk time sipp plays between ACK and BYE. */
  talkMs?: number;
  disposition: string;
  sip: number;
}
const OUTCOMES: Outcome[] = [
  {
    name: 'answered, 2.4 s to Japan',
    uac: 'uac-answered.xml',
    number: '0081312345678',
    calls: 600,
    rate: 120,
    talkMs: 2400,
    disposition: 'ANSWERED',
    sip: 200,
  },
  {
    name: 'answered, 1.2 s to a French mobile',
    uac: 'uac-answered.xml',
    number: '0612345678',
    calls: 400,
    rate: 80,
    talkMs: 1200,
    disposition: 'ANSWERED',
    sip: 200,
  },
  { name: 'busy', uac: 'uac-rejected.xml', number: '0698765432', calls: 400, rate: 80, disposition: 'BUSY', sip: 486 },
  { name: 'not found', uac: 'uac-rejected.xml', number: '0145678901', calls: 300, rate: 60, disposition: 'FAILED', sip: 404 },
  {
    name: 'cancelled while ringing',
    uac: 'uac-cancelled.xml',
    number: '0756789012',
    calls: 300,
    rate: 60,
    disposition: 'CANCELLED',
    sip: 487,
  },
];
const CALLS = OUTCOMES.reduce((n, o) => n + o.calls, 0);
const CALLERS = ['0140000001', '0140000002', '0140000003', '0140000004'];
/** How much longer than the talk time Kamailio may measure a call on a loaded machine (ACK and BYE in transit). */
const SLACK_MS = 1200;

/** Free UDP ports on loopback (bound to port 0, then released). */
async function freePorts(n: number): Promise<number[]> {
  const socks = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<dgram.Socket>((resolve, reject) => {
          const s = dgram.createSocket('udp4');
          s.once('error', reject);
          s.bind(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = socks.map((s) => s.address().port);
  for (const s of socks) s.close();
  return ports;
}

/** Whether something holds the UDP port (a sipp that has bound it). */
const portTaken = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(true));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`kamailio test: ${what} not within ${ms} ms`);
    await sleep(100);
  }
}

/** Whether the proxy answers an OPTIONS on its port (it refuses it with 405: it is up). */
function proxyAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const done = (v: boolean) => {
      clearTimeout(t);
      s.close();
      resolve(v);
    };
    const t = setTimeout(() => done(false), 300);
    s.on('message', (m) => done(m.toString().startsWith('SIP/2.0 ')));
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      const msg = [
        `OPTIONS sip:ping@127.0.0.1:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${p};branch=z9hG4bK-ping-${Date.now()}`,
        'From: <sip:ping@127.0.0.1>;tag=ping',
        `To: <sip:ping@127.0.0.1:${port}>`,
        `Call-ID: ping-${Date.now()}@127.0.0.1`,
        'CSeq: 1 OPTIONS',
        'Max-Forwards: 5',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      s.send(msg, port, '127.0.0.1');
    });
  });
}

interface Proc {
  name: string;
  child: ChildProcess;
  log: string;
  exited: Promise<number>;
}

/** Starts a process, its stdout and stderr to `log`. */
function start(name: string, cmd: string, args: string[], log: string): Proc {
  const fd = openSync(log, 'w');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], cwd: dir });
  closeSync(fd);
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  return { name, child, log, exited };
}

const tail = (file: string, n = 25) => readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');

/** `ratel import` of files into the test's embedded store; its printed lines. */
function ratelImport(files: string[], format: string, extra: string[] = []): string {
  const r = spawnSync(
    process.execPath,
    [CLI, 'import', ...files, '--format', format, '--accounts-file', accountsFile, '--no-progress', ...extra],
    {
      env: { ...process.env, RATEL_OUT_DIR: join(dir, 'out'), RATEL_CHDB_DIR: chdbDir },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  if (r.status !== 0) throw new Error(`ratel import --format ${format} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** "BUSY 486 400, FAILED 404 300" of a summary line, as counts. */
function unansweredOf(summary: string): Record<string, number> {
  const m = /import: .*\((\d+) unanswered, no charge\)/.exec(summary);
  const out: Record<string, number> = { total: m ? Number(m[1]) : 0 };
  for (const line of summary.split('\n')) {
    const u = /unanswered, no charge: (.*)$/.exec(line);
    if (!u) continue;
    for (const part of (u[1] as string).split(', ')) {
      const [disposition, sip, n] = part.split(' ');
      const key = `${disposition} ${sip}`;
      out[key] = (out[key] ?? 0) + Number(n);
    }
  }
  return out;
}

/** A dialog CDR line of db_flatstore, read here on its own (not with ratel's reader). */
interface FileCdr {
  id: string;
  callee: string;
  /** Kamailio's duration as written ("2.404000"), and its µs. */
  duration: string;
  us: number;
  code: string;
}
function flatstoreCdrs(files: string[]): FileCdr[] {
  const out: FileCdr[] = [];
  for (const f of files)
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (line === '') continue;
      const v = line.split('|');
      expect(v, `${f}: ${line}`).toHaveLength(10);
      const [, , duration, callId, ft, tt, , callee, code] = v as string[];
      const [int, frac = ''] = (duration as string).split('.');
      const tags = [ft as string, tt as string].sort();
      out.push({
        id: `kam:${callId}|${tags[0]}|${tags[1]}`,
        callee: callee as string,
        duration: duration as string,
        us: Number(int) * 1e6 + Number(frac.padEnd(6, '0').slice(0, 6)),
        code: code as string,
      });
    }
  return out;
}

/** Whole seconds a duration bills: rounded up (integer maths on the digits as written). */
const ceilSeconds = (duration: string) => {
  const [int, frac = ''] = duration.split('.');
  return Number(int) + (/[1-9]/.test(frac) ? 1 : 0);
};

interface StoredRow {
  cdr_id: string;
  version: number;
  quantity: number;
  billed_qty: number;
  included_qty: number;
  cost_micros: number;
  counterpart: string;
  reasons: string[];
}
async function storedRatings(): Promise<Map<string, StoredRow>> {
  const store = await openChdbStore(chdbDir);
  try {
    const rows = await store.query<StoredRow>(
      'SELECT cdr_id, version, quantity, billed_qty, included_qty, cost_micros, counterpart, reasons FROM rated_events FINAL',
    );
    return new Map(
      rows.map((r) => [
        r.cdr_id,
        {
          ...r,
          version: Number(r.version),
          quantity: Number(r.quantity),
          billed_qty: Number(r.billed_qty),
          included_qty: Number(r.included_qty),
          cost_micros: Number(r.cost_micros),
        },
      ]),
    );
  } finally {
    await store.close();
  }
}
async function storedCdrs(): Promise<Map<string, Cdr>> {
  const store = await openChdbStore(chdbDir);
  try {
    const rows = await store.query<{ record: string }>('SELECT record FROM cdrs FINAL');
    const cdrs = rows.map((r) => cdrType.fromBuffer(Buffer.from(r.record, 'base64')) as Cdr);
    return new Map(cdrs.map((c) => [c.id, c]));
  } finally {
    await store.close();
  }
}

/** What a source makes of files, in-process (the way `ratel import` reads them), by CDR id. */
function readWith(format: 'kamailio' | 'kamailio-acc', profile: unknown, files: string[]) {
  const catalog = loadCatalog();
  const accounts = loadAccounts(accountsFile, catalog);
  const source = sources.createSource({
    format,
    mapping: sources.parseKamailioProfile(profile, 'test profile'),
    accounts,
    directory: directoryOf(accounts, accountsFile),
  });
  const res = sources.newLineResult();
  const cdrs = new Map<string, Cdr>();
  const rejected: string[] = [];
  let filtered = 0;
  for (const f of files) {
    const sink = {
      line(l: string, n: number) {
        source.read(l, n, res);
        if (res.status === sources.LineStatus.CDR) cdrs.set((res.cdr as Cdr).id, res.cdr as Cdr);
        else if (res.status === sources.LineStatus.REJECTED) rejected.push(`${f}:${n} ${res.reason}`);
        else if (res.status === sources.LineStatus.FILTERED) filtered++;
      },
      tooLong() {
        rejected.push(`${f}: a line too long`);
      },
    };
    const split = new LineSplitter();
    source.startFile(f);
    split.push(readFileSync(f), sink);
    split.end(sink);
  }
  source.finish?.((at, _code, reason) => rejected.push(`${at.file}:${at.line} ${reason}`));
  return { cdrs, rejected, filtered };
}

let cdrFiles: string[] = [];
let accFiles: string[] = [];
let logFile = '';
let fileCdrs: FileCdr[] = [];
let firstImport = '';
let firstRatings = new Map<string, StoredRow>();

beforeAll(async () => {
  const have = () => spawnSync('sh', ['-c', 'command -v kamailio && command -v sipp'], { encoding: 'utf8' }).status === 0;
  if (!have()) {
    const r = spawnSync('bash', [join(ROOT, 'deploy/kamailio.sh')], { encoding: 'utf8' });
    if (r.status !== 0 || !have())
      throw new Error(`kamailio and sipp are needed and could not be installed (bash deploy/kamailio.sh): ${r.stderr.trim()}`);
  }
  writeFileSync(
    accountsFile,
    JSON.stringify({
      accounts: ['kam-a', 'kam-b'].map((id, a) => ({
        id,
        plan: 'fr-start',
        activated: '2025-01-01',
        country: 'FR',
        time_zone: 'Europe/Paris',
        vat_country: 'FR',
        users: [0, 1].map((u) => ({ id: `${id}-u${u}`, numbers: [CALLERS[a * 2 + u]] })),
      })),
    }),
  );
  writeFileSync(join(dir, 'callers.csv'), `SEQUENTIAL\n${CALLERS.map((c) => `${c};`).join('\n')}\n`);
  spawnSync('mkdir', ['-p', accDir]);

  const [proxy, uasAnswer, uasBusy, uasNotFound, uasRinging, ...uacPorts] = await freePorts(5 + OUTCOMES.length);
  const cfg = readFileSync(join(SCENARIOS, 'kamailio.cfg'), 'utf8')
    .replaceAll('__PROXY_PORT__', String(proxy))
    .replaceAll('__ACC_DIR__', accDir)
    .replaceAll('__ANSWER_LONG__', (OUTCOMES[0] as Outcome).number)
    .replaceAll('__ANSWER_SHORT__', (OUTCOMES[1] as Outcome).number)
    .replaceAll('__BUSY__', (OUTCOMES[2] as Outcome).number)
    .replaceAll('__NOT_FOUND__', (OUTCOMES[3] as Outcome).number)
    .replaceAll('__RINGING__', (OUTCOMES[4] as Outcome).number)
    .replaceAll('__UAS_ANSWER__', String(uasAnswer))
    .replaceAll('__UAS_BUSY__', String(uasBusy))
    .replaceAll('__UAS_NOT_FOUND__', String(uasNotFound))
    .replaceAll('__UAS_RINGING__', String(uasRinging));
  writeFileSync(join(dir, 'kamailio.cfg'), cfg);
  logFile = join(dir, 'kamailio.log');
  const kamailio = start('kamailio', 'kamailio', ['-f', join(dir, 'kamailio.cfg'), '-D', '-E', '-w', dir, '-m', '64', '-M', '8'], logFile);
  const uas: Proc[] = [];
  try {
    await until(
      'kamailio answering on its port',
      async () => {
        if (kamailio.child.exitCode !== null) throw new Error(`kamailio exited (${kamailio.child.exitCode}): ${tail(logFile)}`);
        return proxyAnswers(proxy as number);
      },
      15_000,
    );
    const callee = (name: string, xml: string, port: number) =>
      start(
        name,
        'sipp',
        ['-sf', join(SCENARIOS, xml), '-i', '127.0.0.1', '-p', String(port), '-nostdin', '-timeout', '90s'],
        join(dir, `${name}.out`),
      );
    uas.push(
      callee('uas-answered', 'uas-answered.xml', uasAnswer as number),
      callee('uas-busy', 'uas-busy.xml', uasBusy as number),
      callee('uas-not-found', 'uas-not-found.xml', uasNotFound as number),
      callee('uas-ringing', 'uas-ringing.xml', uasRinging as number),
    );
    await until(
      'the sipp callees bound to their ports',
      async () => {
        for (const u of uas) if (u.child.exitCode !== null) throw new Error(`${u.name} exited: ${tail(u.log)}`);
        const taken = await Promise.all([uasAnswer, uasBusy, uasNotFound, uasRinging].map((p) => portTaken(p as number)));
        return taken.every(Boolean);
      },
      10_000,
    );
    const callers = OUTCOMES.map((o, k) =>
      start(
        `uac-${k}`,
        'sipp',
        [
          `127.0.0.1:${proxy}`,
          ...['-sf', join(SCENARIOS, o.uac), '-inf', join(dir, 'callers.csv'), '-s', o.number],
          ...['-i', '127.0.0.1', '-p', String(uacPorts[k]), '-r', String(o.rate), '-m', String(o.calls)],
          ...(o.talkMs ? ['-d', String(o.talkMs)] : []),
          ...['-nostdin', '-timeout', '60s', '-timeout_error'],
        ],
        join(dir, `uac-${k}.out`),
      ),
    );
    const codes = await Promise.all(callers.map((c) => c.exited));
    codes.forEach((code, k) => {
      if (code !== 0)
        throw new Error(
          `sipp placing "${(OUTCOMES[k] as Outcome).name}" calls exited ${code} (not every call went as scripted): ${tail((callers[k] as Proc).log)}`,
        );
    });
    // The last BYEs' 200 OK are through: Kamailio has written every CDR (db_flatstore flushes each).
    await sleep(500);
  } finally {
    for (const u of uas) u.child.kill('SIGKILL');
    kamailio.child.kill('SIGTERM');
    await Promise.race([kamailio.exited, sleep(5000)]);
    if (kamailio.child.exitCode === null) kamailio.child.kill('SIGKILL');
  }
  const files = readdirSync(accDir).sort();
  cdrFiles = files.filter((f) => f.startsWith('acc_cdrs_')).map((f) => join(accDir, f));
  accFiles = files.filter((f) => /^acc_\d+\.log$/.test(f)).map((f) => join(accDir, f));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Kamailio acc CDRs, for real', () => {
  it('Kamailio wrote one dialog CDR per call placed, with the outcome sipp played', () => {
    expect(cdrFiles.length).toBeGreaterThan(0);
    fileCdrs = flatstoreCdrs(cdrFiles);
    expect(fileCdrs).toHaveLength(CALLS);
    expect(new Set(fileCdrs.map((c) => c.id)).size).toBe(CALLS);
    for (const o of OUTCOMES) {
      const mine = fileCdrs.filter((c) => c.callee === o.number);
      expect(mine, o.name).toHaveLength(o.calls);
      if (o.talkMs === undefined) for (const c of mine) expect([c.duration, c.code], o.name).toEqual(['0.000000', String(o.sip)]);
      else
        for (const c of mine) {
          // Kamailio measures from the answer (cdr_start_on_confirmed) to the BYE: the talk time sipp played, and the signalling in between.
          expect(c.us, `${o.name} ${c.id}`).toBeGreaterThanOrEqual((o.talkMs - 100) * 1000);
          expect(c.us, `${o.name} ${c.id}`).toBeLessThan((o.talkMs + SLACK_MS) * 1000);
        }
    }
  });

  it('ratel import rates every answered call once at its duration rounded up, and stores every failed call at no charge with its reason', async () => {
    firstImport = ratelImport(cdrFiles, 'kamailio');
    expect(firstImport).toMatch(
      new RegExp(`import: ${cdrFiles.length} file\\(s\\), ${CALLS} lines, ${CALLS} CDRs rated \\(0 of them replays`),
    );
    expect(firstImport).toMatch(/, 0 rejected /);
    const unanswered = unansweredOf(firstImport);
    expect(unanswered).toEqual({ total: 1000, 'BUSY 486': 400, 'FAILED 404': 300, 'CANCELLED 487': 300 });

    firstRatings = await storedRatings();
    const cdrs = await storedCdrs();
    expect(firstRatings.size).toBe(CALLS);
    for (const o of OUTCOMES) {
      const mine = fileCdrs.filter((c) => c.callee === o.number);
      for (const f of mine) {
        const r = firstRatings.get(f.id);
        const cdr = cdrs.get(f.id);
        expect(r, `${o.name}: ${f.id} rated`).toBeDefined();
        expect(cdr?.voice, f.id).toMatchObject({ disposition: o.disposition, sip_status: o.sip, direction: 'OUTBOUND' });
        const row = r as StoredRow;
        if (o.talkMs === undefined) {
          expect(row, f.id).toMatchObject({ quantity: 0, cost_micros: 0, reasons: expect.arrayContaining(['UNANSWERED']) });
          continue;
        }
        const seconds = ceilSeconds(f.duration);
        expect(row.quantity, `${f.id}: ${f.duration} s`).toBe(seconds);
        expect(cdr?.voice?.billable_s).toBe(seconds);
        // Within the rounding rule of what sipp played: at least the talk time, at most a second (and the slack) more.
        expect(seconds).toBeGreaterThanOrEqual(Math.ceil((o.talkMs - 100) / 1000));
        expect(seconds).toBeLessThanOrEqual(Math.ceil((o.talkMs + SLACK_MS) / 1000));
        if (o.number.startsWith('0081'))
          // 0.89 EUR/min to Japan on Forfait Start, per second, each call rounded up to the cent (SPEC §3).
          expect(row, f.id).toMatchObject({
            billed_qty: seconds,
            cost_micros: Math.ceil((seconds * 89) / 60) * 10_000,
            counterpart: '81312345678',
          });
        else expect(row, f.id).toMatchObject({ included_qty: seconds, cost_micros: 0, reasons: expect.arrayContaining(['IN_PACK']) });
      }
    }
  });

  it('a second import of the same files changes nothing', async () => {
    const again = ratelImport(cdrFiles, 'kamailio');
    expect(again).toMatch(new RegExp(`${CALLS} CDRs rated \\(${CALLS} of them replays, already rated\\)`));
    const after = await storedRatings();
    expect([...after.entries()].sort()).toEqual([...firstRatings.entries()].sort());
  });

  it("the same calls read from Kamailio's log: the same ids and billed seconds", () => {
    const log = readWith('kamailio', { storage: 'log' }, [logFile]);
    expect(log.rejected).toEqual([]);
    expect(log.cdrs.size).toBe(CALLS);
    for (const f of fileCdrs) expect(log.cdrs.get(f.id)?.voice?.billable_s, f.id).toBe(ceilSeconds(f.duration));
  });

  it('the same calls from the per-transaction records, paired by Call-ID and tags: the same ids, durations within a second', () => {
    const profile = { time_mode: 1, db_extra: 'src_user=$fU;dst_user=$tU' };
    const acc = readWith('kamailio-acc', profile, accFiles);
    expect(acc.rejected).toEqual([]);
    expect(acc.cdrs.size).toBe(CALLS);
    for (const f of fileCdrs) {
      const c = acc.cdrs.get(f.id);
      expect(c?.voice?.disposition, f.id).toBe(OUTCOMES.find((o) => o.number === f.callee)?.disposition);
      expect(Math.abs((c?.voice?.billable_s ?? -9) - ceilSeconds(f.duration)), f.id).toBeLessThanOrEqual(1);
    }
    // Imported into the same store: the same ids, so nothing is billed twice (replays, or conflicts left in dead letters).
    const profileFile = join(dir, 'acc-profile.json');
    writeFileSync(profileFile, JSON.stringify(profile));
    const out = ratelImport(accFiles, 'kamailio-acc', ['--mapping', profileFile]);
    expect(out).toMatch(new RegExp(`${CALLS} CDRs rated`));
  });

  it('importing the per-transaction records after the CDRs bills nothing twice', async () => {
    const after = await storedRatings();
    expect([...after.entries()].sort()).toEqual([...firstRatings.entries()].sort());
  });
});
