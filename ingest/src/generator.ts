/**
 * Generates a realistic month of CDRs for a set of accounts on the catalog's plans: mixed number
 * formats (E.164, 00-international, national, short codes), national and international callees
 * with a personal contact pool (so some users pass the distinct-callee caps), long calls,
 * unanswered calls, forwards, SMS and data on mobile plans, answering-service events, some EU
 * roaming, and a few malformed records to exercise the dead-letter path.
 */
import type { AccountInput } from '@ratel/rater';
import { type Cdr, localMidnightMs, nextMonth } from '@ratel/schemas';
import { Rng } from './random.js';

export interface GenerateOptions {
  accounts: number;
  /** yyyymm */
  month: number;
  seed: number;
  /** Mean outbound calls per user per month. */
  callsPerUser?: number;
  /** Share of records made malformed on purpose (default 0.0002). */
  malformedShare?: number;
}

const PLAN_MIX: [string, number][] = [
  ['fr-start', 0.4],
  ['fr-pro', 0.25],
  ['be-unlimited-fixed', 0.15],
  ['be-mobile-unlimited', 0.15],
  ['answering-service', 0.05],
];

const TZ: Record<string, string> = { FR: 'Europe/Paris', BE: 'Europe/Brussels' };

export function generateAccounts(opts: GenerateOptions): AccountInput[] {
  const rng = new Rng(opts.seed);
  const y = Math.floor(opts.month / 100);
  const m = opts.month % 100;
  const out: AccountInput[] = [];
  for (let i = 0; i < opts.accounts; i++) {
    let r = rng.next();
    let plan = 'fr-start';
    for (const [p, w] of PLAN_MIX) {
      if (r < w) {
        plan = p;
        break;
      }
      r -= w;
    }
    const country = plan.startsWith('fr-') ? 'FR' : 'BE';
    const newThisMonth = rng.next() < 0.08;
    const activated = newThisMonth
      ? `${y}-${String(m).padStart(2, '0')}-${String(rng.int(2, 28)).padStart(2, '0')}`
      : `${y - 1}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
    const users = Array.from({ length: rng.int(1, 5) }, (_, k) => ({ id: `u${String(i).padStart(6, '0')}-${k + 1}` }));
    const annual = plan.startsWith('fr-') && rng.next() < 0.1;
    out.push({
      id: `acc-${String(i).padStart(6, '0')}`,
      name: `Customer ${i}`,
      plan,
      billing: annual ? 'annual' : 'monthly',
      activated,
      country,
      time_zone: TZ[country] as string,
      vat_country: country,
      credit_limit: '100.00',
      options: plan.startsWith('fr-') && rng.next() < 0.2 ? ['call-recording'] : [],
      users,
    });
  }
  return out;
}

// Callee generators: [weight, make(rng, homeCountry)]
type Maker = (rng: Rng, home: string) => string;
const fmt = (rng: Rng, cc: string, national: string, homeCc: string): string => {
  const r = rng.next();
  if (cc === homeCc && r < 0.4) return `0${national}`;
  if (r < 0.7) return `+${cc}${national}`;
  return `00${cc}${national}`;
};
const CC: Record<string, string> = { FR: '33', BE: '32' };
const DESTS: [number, Maker][] = [
  [0.32, (g, h) => fmt(g, '33', `6${g.digits(8)}`, CC[h] as string)],
  [0.2, (g, h) => fmt(g, '33', `${g.int(1, 5)}${g.digits(8)}`, CC[h] as string)],
  [0.14, (g, h) => fmt(g, '32', `4${g.int(7, 9)}${g.digits(7)}`, CC[h] as string)],
  [0.12, (g, h) => fmt(g, '32', `2${g.digits(7)}`, CC[h] as string)],
  [0.04, (g) => `+4930${g.digits(8)}`],
  [0.03, (g) => `+447${g.pick(['4', '5', '7', '8', '9'])}${g.digits(8)}`],
  [0.02, (g) => `+8190${g.digits(8)}`],
  [0.02, (g) => `+1212${g.int(2, 9)}${g.digits(6)}`],
  [0.02, (g) => `+2126${g.digits(8)}`],
  [0.01, (g) => `+3491${g.digits(7)}`],
  [0.015, (g, h) => (h === 'FR' ? `08${g.int(10, 25)}${g.digits(6)}` : `0800${g.digits(5)}`)],
  [0.002, (g, h) => (h === 'FR' ? `0899${g.digits(6)}` : `0903${g.digits(5)}`)],
  [0.001, (g, h) => g.pick(h === 'FR' ? ['112', '15', '17', '18'] : ['112', '100', '101'])],
];
const TOTAL_W = DESTS.reduce((s, [w]) => s + w, 0);

function callee(rng: Rng, home: string): string {
  let r = rng.next() * TOTAL_W;
  for (const [w, make] of DESTS) {
    if (r < w) return make(rng, home);
    r -= w;
  }
  return (DESTS[0] as [number, Maker])[1](rng, home);
}

/** All CDRs of the month, sorted by start time (as an SBC would emit them). */
export function generateCdrs(accounts: readonly AccountInput[], opts: GenerateOptions): Cdr[] {
  const rng = new Rng(opts.seed ^ 0x9e3779b9);
  const out: Cdr[] = [];
  const calls = opts.callsPerUser ?? 60;
  const malformed = opts.malformedShare ?? 0.0002;
  for (const a of accounts) {
    const tz = a.time_zone;
    const monthStart = localMidnightMs(opts.month, 1, tz);
    const monthEnd = localMidnightMs(nextMonth(opts.month), 1, tz);
    const act = Date.parse(`${a.activated}T08:00:00Z`);
    const from = Math.max(monthStart, act);
    if (from >= monthEnd) continue;
    const span = monthEnd - from;
    const mobile = a.plan === 'be-mobile-unlimited';
    for (const u of a.users) {
      const own = `+${CC[a.country]}${mobile ? '47' : '1'}${rng.digits(mobile ? 7 : 8)}`;
      const heavy = rng.next() < 0.05; // callers who pass fair-use caps
      const pool = Array.from({ length: heavy ? 160 : rng.int(10, 60) }, () => callee(rng, a.country));
      const at = () => from + Math.floor(rng.next() * span);
      let n = 0;
      const id = () => `${u.id}-${opts.month}-${n++}`;
      const base = (kind: Cdr['kind'], start: number): Cdr => ({
        id: id(),
        kind,
        account_id: a.id,
        user_id: u.id,
        start_ms: start,
        roaming_country: mobile && rng.next() < 0.05 ? rng.pick(['FR', 'ES', 'IT', 'US']) : null,
        voice: null,
        message: null,
        data: null,
        event: null,
      });
      if (a.plan === 'answering-service') {
        for (let i = rng.count(120); i > 0; i--) {
          const c = base('EVENT', at());
          c.event = { service: 'answering.handled_call', quantity: 1, reference: null };
          out.push(c);
          if (rng.next() < 0.1) {
            const t = base('EVENT', c.start_ms + 1000);
            t.event = { service: 'answering.transfer', quantity: 1, reference: c.id };
            out.push(t);
            const f = base('VOICE', c.start_ms + 2000);
            const d = rng.duration(90);
            f.voice = {
              sip_call_id: `${f.id}@sbc1`,
              trunk_id: 'sbc1',
              caller: own,
              callee: callee(rng, a.country),
              forwarded_from: own,
              direction: 'FORWARDED',
              answer_ms: f.start_ms + 3000,
              end_ms: f.start_ms + 3000 + d * 1000,
              duration_s: d + 3,
              billable_s: d,
              disposition: 'ANSWERED',
              sip_status: 200,
            };
            out.push(f);
          }
        }
        continue;
      }
      const nOut = rng.count(heavy ? calls * 3 : calls);
      for (let i = 0; i < nOut + rng.count(calls / 2); i++) {
        const c = base('VOICE', at());
        const inbound = i >= nOut;
        const answered = rng.next() > 0.12;
        const long = rng.next() < 0.01;
        const d = answered ? (long ? rng.int(3601, 6000) : rng.duration(110)) : 0;
        const ring = rng.int(2, 20);
        const forwarded = !inbound && rng.next() < 0.02;
        const other = rng.next() < 0.8 ? rng.pick(pool) : callee(rng, a.country);
        c.voice = {
          sip_call_id: `${c.id}@sbc1`,
          trunk_id: rng.pick(['sbc1', 'sbc2']),
          caller: inbound ? other : own,
          callee: inbound ? own : other,
          forwarded_from: forwarded ? own : null,
          direction: inbound ? 'INBOUND' : forwarded ? 'FORWARDED' : 'OUTBOUND',
          answer_ms: answered ? c.start_ms + ring * 1000 : null,
          end_ms: c.start_ms + (ring + d) * 1000,
          duration_s: ring + d,
          billable_s: d,
          disposition: answered ? 'ANSWERED' : rng.pick(['NO_ANSWER', 'BUSY', 'CANCELLED'] as const),
          sip_status: answered ? 200 : rng.pick([480, 486, 487]),
        };
        if (rng.next() < malformed) c.voice.callee = 'anonymous';
        out.push(c);
      }
      if (mobile) {
        for (let i = rng.count(heavy ? 600 : 50); i > 0; i--) {
          const c = base('SMS', at());
          c.message = {
            sender: own,
            recipient: rng.next() < 0.85 ? rng.pick(pool) : callee(rng, a.country),
            direction: 'OUTBOUND',
            parts: rng.next() < 0.9 ? 1 : 2,
          };
          out.push(c);
        }
        for (let i = rng.count(60); i > 0; i--) {
          const c = base('DATA', at());
          const down = Math.floor(rng.next() * (heavy ? 2e10 : 8e8));
          c.data = { end_ms: c.start_ms + rng.int(60, 7200) * 1000, bytes_up: Math.floor(down / 10), bytes_down: down, apn: 'internet' };
          out.push(c);
        }
      }
    }
  }
  out.sort((x, y) => x.start_ms - y.start_ms || (x.id < y.id ? -1 : 1));
  return out;
}
