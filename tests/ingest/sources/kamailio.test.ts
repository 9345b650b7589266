/**
 * Kamailio's acc records (ingest/src/sources/kamailio*.ts): golden files under kamailio/, one
 * folder per storage and feature, each with its input(s) (read in name order, as `ratel import`
 * reads a folder), an optional profile.json and case.json: what every line becomes, worked out by
 * hand (`why` says how), and `held`: what `finish` hands back as dead letters at the end. Then
 * the profile's checks, the rounding of fractional durations at its boundaries, the time modes,
 * and the storage judged from a file's first line. Accounts: golden/accounts.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { directoryOf, LineSplitter, sources } from '@ratel/ingest';
import { loadAccounts, loadCatalog } from '@ratel/rater';
import type { Cdr } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';

const HERE = import.meta.dirname;
const GOLDEN = join(HERE, 'kamailio');
const catalog = loadCatalog();
const accounts = loadAccounts(join(HERE, 'golden', 'accounts.json'), catalog);
const directory = directoryOf(accounts, 'golden/accounts.json');

interface Expected {
  file?: string;
  line: number;
  cdr?: Record<string, unknown>;
  rejected?: string;
  reason?: string;
}
interface Held {
  file?: string;
  line: number;
  code: string;
  reason: string;
}
interface Case {
  format: 'kamailio' | 'kamailio-acc';
  why: string;
  filtered?: number;
  expected: Expected[];
  held?: Held[];
}

type Got = { file: string; line: number; cdr: Cdr } | { file: string; line: number; code: string; reason: string };

/** Reads files through a source as `ratel import` does (each in one chunk, then `finish`). */
function readAll(source: sources.CdrSource, files: { name: string; text: string }[]) {
  const res = sources.newLineResult();
  const got: Got[] = [];
  const held: Held[] = [];
  let filtered = 0;
  for (const f of files) {
    const split = new LineSplitter();
    const sink = {
      line(l: string, n: number) {
        source.read(l, n, res);
        if (res.status === sources.LineStatus.CDR) got.push({ file: f.name, line: n, cdr: res.cdr as Cdr });
        else if (res.status === sources.LineStatus.REJECTED) got.push({ file: f.name, line: n, code: res.code, reason: res.reason });
        else if (res.status === sources.LineStatus.FILTERED) filtered++;
      },
      tooLong(_h: string, bytes: number, n: number) {
        got.push({ file: f.name, line: n, code: 'CDR_MALFORMED', reason: `too long: ${bytes}` });
      },
    };
    source.startFile(f.name);
    split.push(Buffer.from(f.text), sink);
    split.end(sink);
  }
  source.finish?.((at, code, reason) => held.push({ file: at.file, line: at.line, code, reason }));
  return { got, held, filtered };
}

const source = (format: 'kamailio' | 'kamailio-acc', profile?: unknown) =>
  sources.createSource({
    format,
    mapping: profile === undefined ? undefined : sources.parseKamailioProfile(profile, 'test profile'),
    accounts,
    directory,
  });

/** The one CDR (or rejection) of a single line. */
function one(format: 'kamailio' | 'kamailio-acc', profile: unknown, lines: string[]): Got[] {
  return readAll(source(format, profile), [{ name: 'in.log', text: `${lines.join('\n')}\n` }]).got;
}
const billable = (g: Got | undefined) => (g && 'cdr' in g ? g.cdr.voice?.billable_s : g);

describe('Kamailio golden files', () => {
  for (const name of readdirSync(GOLDEN).sort()) {
    const dir = join(GOLDEN, name);
    const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Case;
    it(`${name} (${c.format}): ${c.why.slice(0, 90)}…`, () => {
      const inputs = readdirSync(dir)
        .filter((f) => f.startsWith('input'))
        .sort();
      const profileFile = join(dir, 'profile.json');
      const src = sources.createSource({
        format: c.format,
        mapping: readdirSync(dir).includes('profile.json') ? profileFile : undefined,
        accounts,
        directory,
      });
      const { got, held, filtered } = readAll(
        src,
        inputs.map((f) => ({ name: f, text: readFileSync(join(dir, f), 'utf8') })),
      );
      const only = inputs.length === 1 ? inputs[0] : undefined;
      const where = (x: { file?: string; line: number }) => `${x.file ?? only}:${x.line}`;
      expect(got.map(where)).toEqual(c.expected.map(where));
      for (const e of c.expected) {
        const g = got.find((x) => where(x) === where(e)) as Got;
        if (e.rejected !== undefined) {
          expect(g, where(e)).toMatchObject({ code: e.rejected });
          if ('reason' in g && e.reason !== undefined) expect(g.reason, where(e)).toContain(e.reason);
        } else {
          expect('cdr' in g, `${where(e)}: ${'reason' in g ? g.reason : ''}`).toBe(true);
          expect((g as { cdr: Cdr }).cdr, where(e)).toMatchObject(e.cdr ?? {});
        }
      }
      expect(held.map(where)).toEqual((c.held ?? []).map(where));
      for (const h of c.held ?? []) {
        const g = held.find((x) => where(x) === where(h)) as Held;
        expect(g.code).toBe(h.code);
        expect(g.reason).toContain(h.reason);
      }
      expect(filtered).toBe(c.filtered ?? 0);
    });
  }
});

describe('Kamailio profiles', () => {
  const errorOf = (p: unknown, format: 'kamailio' | 'kamailio-acc' = 'kamailio'): string => {
    try {
      source(format, p);
    } catch (e) {
      return `${(e as { code?: string }).code} ${(e as Error).message}`;
    }
    return 'no error';
  };

  it('the default profile is the README kamailio.cfg: Call-ID, tags, caller, callee, SIP code and reason', () => {
    const p = sources.parseKamailioProfile({}, 'p');
    expect(p.cdr_extra.map((e) => e.name)).toEqual(['callid', 'from_tag', 'to_tag', 'src_user', 'dst_user', 'sip_code', 'sip_reason']);
    expect(p.db_extra.map((e) => e.pv)).toEqual(['$fU', '$fd', '$si', '$tU', '$rU', '$rd']);
    expect(p).toMatchObject({ storage: 'auto', time_mode: 0, id_prefix: 'kam:', trunk_id: 'kamailio', flatstore: { delimiter: '|' } });
  });

  it.each([
    [
      'cdr_extra: an item without =',
      { cdr_extra: 'callid=$ci;caller' },
      /test profile at cdr_extra: "caller" is not name=\$pseudo-variable/,
    ],
    ['cdr_extra: not a pseudo-variable', { cdr_extra: 'callid=ci' }, /at cdr_extra: attribute callid: "ci" is not a pseudo-variable/],
    ['cdr_extra: a name twice', { cdr_extra: 'callid=$ci;callid=$ft' }, /at cdr_extra: attribute callid is listed twice/],
    ['cdr_extra: a core name', { cdr_extra: 'duration=$ci' }, /at cdr_extra: attribute duration has the name of a core attribute/],
    ['time_mode: out of 0-4', { time_mode: 5 }, /at time_mode/],
    ['time_mode 3 without time_zone', { time_mode: 3 }, /at time_zone: time_mode 3 writes local times/],
    ['time_zone: unknown', { time_mode: 3, time_zone: 'Mars/Olympus' }, /at time_zone: unknown time zone/],
    ['storage: unknown', { storage: 'sqlite' }, /at storage/],
    ['flatstore.delimiter: two characters', { flatstore: { delimiter: '||' } }, /at flatstore\.delimiter/],
    [
      'fields.caller: not an attribute',
      { fields: { caller: 'nobody' } },
      /at fields\.caller: "nobody" is not an attribute of cdr_extra \(callid, from_tag/,
    ],
    ['fields: not a CDR field', { fields: { colour: 'src_user' } }, /at fields: .*colour/],
    ['cdr_extra: no Call-ID', { cdr_extra: 'x=$fU;y=$tU' }, /at cdr_extra: no attribute holds the Call-ID/],
    ['cdr_extra: no callee', { cdr_extra: 'callid=$ci;x=$fU' }, /at cdr_extra: no attribute holds the callee/],
    ['cdr_extra: no one to bill', { cdr_extra: 'callid=$ci;y=$tU' }, /at cdr_extra: no attribute says who to bill/],
    [
      'fields: an account without a user',
      { cdr_extra: 'callid=$ci;y=$tU;account_id=$avp(a)' },
      /at fields\.user: account and user go together/,
    ],
    ['numbers.country: no dialling rules', { numbers: { country: 'XX' } }, /at numbers\.country: no dialling rules/],
    ['an unknown key', { colour: 'blue' }, /at \(top level\): .*colour/],
  ])('%s: CONFIG_INVALID naming the key', (_key, p, message) => {
    expect(errorOf(p)).toMatch(/^CONFIG_INVALID /);
    expect(errorOf(p)).toMatch(message);
  });

  it('kamailio-acc checks db_extra and log_extra, and acc_fields only names their attributes', () => {
    expect(errorOf({ db_extra: 'a=$fd' }, 'kamailio-acc')).toMatch(/at db_extra: no attribute holds the callee/);
    expect(errorOf({ log_extra: 'src=$fU' }, 'kamailio-acc')).toMatch(/at log_extra: no attribute holds the callee/);
    expect(errorOf({ acc_fields: { callee: 'dst' } }, 'kamailio-acc')).toMatch(
      /at acc_fields\.callee: "dst" is not an attribute of db_extra/,
    );
    expect(errorOf({ acc_fields: { sip_code: 'code' } }, 'kamailio-acc')).toMatch(/at acc_fields: .*sip_code/);
    // The dialog CDRs' overrides do not apply to the per-transaction records.
    expect(errorOf({ fields: { sip_code: 'x' }, cdr_extra: 'callid=$ci;src=$fU;dst=$tU;x=$rs' }, 'kamailio-acc')).toBe('no error');
  });

  it('finds the fields by pseudo-variable first, then by name, and fields override both', () => {
    const cdr = (profile: unknown, line: string) =>
      (one('kamailio', { storage: 'flatstore', ...(profile as object) }, [line])[0] as { cdr: Cdr }).cdr;
    // $tU (the To user, as dialled) is the callee over $rU (the request URI, maybe rewritten).
    const byPv = cdr({ cdr_extra: 'r=$rU;id=$ci;t=$tU;f=$fU' }, '1796166332|1796166333|1.0|0612999999|c1@h|0612345678|0140000010');
    expect(byPv.voice).toMatchObject({ callee: '+33612345678', caller: '+33140000010' });
    expect(byPv.id).toBe('kam:c1@h');
    const byName = cdr(
      { cdr_extra: 'callid=$avp(c);dst_user=$avp(d);src_user=$avp(s)' },
      '1796166332|1796166333|1.0|c2@h|0612345678|0140000010',
    );
    expect(byName.voice).toMatchObject({ callee: '+33612345678', caller: '+33140000010' });
    const over = cdr(
      { cdr_extra: 'callid=$ci;src_user=$fU;dst_user=$rU;dialled=$avp(d)', fields: { callee: 'dialled' } },
      '1796166332|1796166333|1.0|c3@h|0140000010|0612999999|0698765432',
    );
    expect(over.voice?.callee).toBe('+33698765432');
    // Whole URIs are cut to their user part.
    const uri = cdr(
      { cdr_extra: 'callid=$ci;from=$fu;to=$tu' },
      '1796166332|1796166333|1.0|c4@h|sip:0140000010@pbx;user=phone|sip:0612345678@gw',
    );
    expect(uri.voice).toMatchObject({ caller: '+33140000010', callee: '+33612345678' });
  });
});

describe('fractional durations: rounded up to the next whole second before per-second pricing', () => {
  const cdrLine = (d: string) => `1796166400|1796166400|${d}|r-${d}@h|a|b|0140000010|0612345678|200|`;
  it.each([
    ['0.000001', 1],
    ['1', 1],
    ['9.999999', 10],
    ['10.000000', 10],
    ['10.000', 10],
    ['10.000001', 11],
    ['10.001', 11],
    ['10.001000', 11],
    ['10.5', 11],
    ['59.999', 60],
    ['60.0000009', 61],
  ])('dialog CDR duration %s bills %i s', (d, s) => {
    expect(billable(one('kamailio', { storage: 'flatstore' }, [cdrLine(d)])[0])).toBe(s);
  });
  it.each([
    [[1796166400, 0], [1796166410, 0], 10],
    [[1796166400, 0], [1796166410, 1], 11],
    [[1796166400, 999_999], [1796166410, 999_999], 10],
    [[1796166400, 999_999], [1796166411, 0], 11],
    [[1796166400, 500_000], [1796166400, 500_000], 0],
  ])('INVITE at %j, BYE at %j (s, µs): bills %i s', (inv, bye, s) => {
    const rec = (m: string, [sec, us]: number[]) => `${m}|f|t|c@h|200|OK|${sec}|${sec}|${us}|0140000010|0612345678`;
    const got = one('kamailio-acc', { time_mode: 1, db_extra: 'src_user=$fU;dst_user=$tU' }, [
      rec('INVITE', inv as number[]),
      rec('BYE', bye as number[]),
    ]);
    expect(billable(got[0])).toBe(s);
  });
});

describe('kamailio-acc time modes', () => {
  const extra = { db_extra: 'src_user=$fU;dst_user=$tU', log_extra: 'src_user=$fU;dst_user=$tU' };
  const pair = (profile: unknown, inv: string, bye: string) => one('kamailio-acc', { ...extra, ...(profile as object) }, [inv, bye])[0];

  it('time_mode 2: seconds with decimals (db_flatstore "%f", the log "%.3f")', () => {
    const flat = pair(
      { time_mode: 2 },
      'INVITE|f|t|c@h|200|OK|1796166400|1796166400.250000|0140000010|0612345678',
      'BYE|f|t|c@h|200|OK|1796166405|1796166405.250001|0140000010|0612345678',
    );
    expect(flat).toMatchObject({ cdr: { start_ms: 1796166400250, voice: { billable_s: 6 } } });
    const log = pair(
      { time_mode: 2, storage: 'log' },
      'ACC: transaction answered: timestamp=1796166400;time_attr=1796166400.250;method=INVITE;from_tag=f;to_tag=t;call_id=c@h;code=200;reason=OK;src_user=0140000010;dst_user=0612345678',
      'ACC: transaction answered: timestamp=1796166405;time_attr=1796166405.250;method=BYE;from_tag=t;to_tag=f;call_id=c@h;code=200;reason=OK;src_user=0612345678;dst_user=0140000010',
    );
    expect(log).toMatchObject({ cdr: { start_ms: 1796166400250, voice: { billable_s: 5, caller: '+33140000010' } } });
  });

  it('time_mode 3: local date-times in the host time zone; 4: UTC date-times', () => {
    const local = pair(
      { time_mode: 3, time_zone: 'Europe/Paris' },
      'INVITE|f|t|c@h|200|OK|1796166332|2026-12-02 00:05:32|0140000010|0612345678',
      'BYE|f|t|c@h|200|OK|1796166342|2026-12-02 00:05:42|0140000010|0612345678',
    );
    expect(local).toMatchObject({ cdr: { start_ms: 1796166332000, voice: { billable_s: 10 } } });
    const utc = pair(
      { time_mode: 4 },
      'INVITE|f|t|c@h|200|OK|1796166332|2026-12-01 23:05:32|0140000010|0612345678',
      'BYE|f|t|c@h|200|OK|1796166342|2026-12-01 23:05:42|0140000010|0612345678',
    );
    expect(utc).toMatchObject({ cdr: { start_ms: 1796166332000, voice: { billable_s: 10 } } });
  });
});

describe('the storage of a file, judged on its first record (storage "auto")', () => {
  const flat = '1796166332|1796166333|1.504000|1@h|a|b|0140000010|0612345678|200|';
  const log =
    ' 0(1) NOTICE: acc [acc_cdr.c:395]: log_write_cdr(): start_time=1796166332.121; end_time=1796166333.625; duration=1.504; callid=1@h; from_tag=a; to_tag=b; src_user=0140000010; dst_user=0612345678; sip_code=200; sip_reason=';
  const header =
    'id(int,auto) start_time(int) end_time(int) duration(double) callid(string) from_tag(string) to_tag(string) src_user(string) dst_user(string) sip_code(string) sip_reason(string) ';

  it('a db_flatstore record, a log line, a db_text table', () => {
    expect(billable(one('kamailio', undefined, [flat, flat.replace('1@h', '2@h')])[1])).toBe(2);
    expect(billable(one('kamailio', undefined, [log])[0])).toBe(2);
    expect(billable(one('kamailio', undefined, [header, '1:1796166332:1796166333:1.50:1@h:a:b:0140000010:0612345678:200:'])[0])).toBe(2);
  });

  it('a line that is none of them is rejected, saying what was looked for; the next record decides', () => {
    const got = one('kamailio', undefined, ['loading modules under config path', log]);
    expect(got[0]).toMatchObject({
      code: 'CDR_MALFORMED',
      reason: expect.stringMatching(/neither a db_flatstore record of 10 values .* nor a log line with start_time=; .*"storage": "log"/),
    });
    expect(billable(got[1])).toBe(2);
  });

  it('a db_text header missing a column of the profile: the file is INPUT_UNREADABLE', () => {
    expect(() =>
      one('kamailio', undefined, ['id(int,auto) start_time(int) end_time(int) duration(double) callid(string) ', '1:1:2:1.0:x']),
    ).toThrow(/INPUT_UNREADABLE|db_text header has no column "from_tag"/);
  });
});
