// Golden scenarios: one describe per SPEC.md rule, every expected figure worked out by hand in a
// comment next to it (rates from rater/catalog/tariffs/*.json, caps from rater/catalog/plans.json).
// Money is in micros: 1 EUR = 1_000_000, 1 cent = 10_000.

import type { AccountInput } from '@ratel/rater';
import {
  type Catalog,
  type EngineOutput,
  latestVersions,
  loadCatalog,
  newOutput,
  type Plan,
  RatingEngine,
  Reason,
  rateAll,
} from '@ratel/rater';
import type { Cdr, RatedEvent } from '@ratel/schemas';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountInput, at, CENT, contextOf, dataSession, EUR, fixedNow, nth, serviceEvent, sms, voice } from './helpers.js';

let catalog: Catalog;
beforeAll(() => {
  catalog = loadCatalog();
});

interface Rated {
  out: EngineOutput;
  ev: (id: string) => RatedEvent;
  total: number;
}

/** Rates `cdrs` for the given accounts (default: one fr-start account acc-1 with user u1). */
function rate(cdrs: Cdr[], ...accounts: AccountInput[]): Rated {
  const ctx = contextOf(catalog, ...(accounts.length ? accounts : [accountInput('acc-1', 'fr-start', ['u1'])]));
  const out = rateAll(ctx, cdrs, fixedNow);
  const latest = latestVersions(out.events);
  return {
    out,
    ev: (id) => {
      const e = latest.get(id);
      if (!e) throw new Error(`no rated event for ${id}; dead letters: ${JSON.stringify(out.dead.map((d) => [d.cdr_id, d.code]))}`);
      return e;
    },
    total: [...latest.values()].reduce((s, e) => s + e.cost_micros, 0),
  };
}

/** ISO time `minutes` after 2025-03-03 08:00 UTC (a Monday; Paris is UTC+1 until 30 March). */
const t = (minutes: number): string => new Date(at('2025-03-03T08:00:00Z') + minutes * 60_000).toISOString();

const START = accountInput('acc-1', 'fr-start', ['u1']);
const PRO = accountInput('acc-1', 'fr-pro', ['u1']);
const BE_FIXED = accountInput('acc-1', 'be-unlimited-fixed', ['u1', 'u2']);
const BE_MOBILE = accountInput('acc-1', 'be-mobile-unlimited', ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']);
const ANSWERING = accountInput('acc-1', 'answering-service', ['u1']);

describe('SPEC §4 Forfait Start: 100 distinct correspondents per user and month', () => {
  // 120 calls to 120 distinct French numbers (alternately mobile +336..., fixed +331...).
  const callee = (k: number) => nth(k % 2 ? '+3361' : '+3314', k);
  const cdrs = Array.from({ length: 120 }, (_, i) => {
    const k = i + 1;
    // calls 1-100: 30 s each; calls 101-120: 61 s each
    return voice(`c${String(k).padStart(3, '0')}`, 'u1', callee(k), t(k * 10), k <= 100 ? 30 : 61);
  });
  // one more call to the very first correspondent, after the cap was reached
  cdrs.push(voice('c121', 'u1', callee(1), t(1300), 45));

  it('includes the first 100 distinct callees', () => {
    const r = rate(cdrs, START);
    for (let k = 1; k <= 100; k++) {
      const e = r.ev(`c${String(k).padStart(3, '0')}`);
      expect(e.cost_micros, `call ${k}`).toBe(0);
      expect(e.included_qty, `call ${k}`).toBe(30);
      expect(e.billed_qty, `call ${k}`).toBe(0);
      expect(e.reasons).toEqual([Reason.IN_PACK]);
    }
  });

  it('bills calls 101-120 at 0.15 EUR/min, each rounded up to the cent', () => {
    const r = rate(cdrs, START);
    for (let k = 101; k <= 120; k++) {
      const e = r.ev(`c${k}`);
      // 61 s * 0.15 EUR / 60 = 0.1525 EUR -> rounded up to 0.16 EUR
      expect(e.cost_micros, `call ${k}`).toBe(160_000);
      expect(e.included_qty).toBe(0);
      expect(e.billed_qty).toBe(61);
      expect(e.reasons).toContain(Reason.DISTINCT_CALLEE_CAP);
      expect(e.reasons).not.toContain(Reason.IN_PACK);
    }
    // a known correspondent stays included after the cap: 45 s, 0 EUR
    expect(r.ev('c121').cost_micros).toBe(0);
    expect(r.ev('c121').included_qty).toBe(45);
    // total: 20 calls * 0.16 EUR = 3.20 EUR
    expect(r.total).toBe(3_200_000);
  });

  it('raises exactly one FAIR_USE alert, at the 101st distinct callee', () => {
    const r = rate(cdrs, START);
    const fair = r.out.alerts.filter((a) => a.kind === 'FAIR_USE');
    expect(fair).toHaveLength(1);
    expect(fair[0]).toMatchObject({ account_id: 'acc-1', user_id: 'u1', cdr_id: 'c101', month: 202503 });
  });

  it('counts correspondents per user: a second user has his own 100', () => {
    const two = accountInput('acc-1', 'fr-start', ['u1', 'u2']);
    const mine = cdrs.slice(0, 101);
    // u2 calls the same 101 numbers 1 minute after u1 did
    const his = mine.map((c) => voice(`u2-${c.id}`, 'u2', c.voice!.callee, new Date(c.start_ms + 60_000).toISOString(), 30));
    const r = rate([...mine, ...his], two);
    // each user: 100 included, his 101st billed
    // u1's 101st: 61 s * 0.15 / 60 = 0.1525 -> 0.16 EUR
    expect(r.ev('c101').cost_micros).toBe(160_000);
    // u2's 101st: 30 s * 0.15 / 60 = 0.075 -> 0.08 EUR
    expect(r.ev('u2-c101').cost_micros).toBe(80_000);
    expect(r.ev('u2-c100').cost_micros).toBe(0);
    // total 0.16 + 0.08 = 0.24 EUR
    expect(r.total).toBe(240_000);
  });

  it('starts a new count each calendar month in the account time zone (SPEC §5)', () => {
    const march = cdrs.slice(0, 100);
    // 2025-03-31T22:30Z is 2025-04-01 00:30 in Paris (UTC+2 since 30 March): an April call
    const april = voice('april-1', 'u1', '+33699999999', '2025-03-31T22:30:00Z', 60);
    // 2025-03-31T21:30Z is 23:30 in Paris: still March, 101st distinct callee -> billed
    const lateMarch = voice('march-101', 'u1', '+33688888888', '2025-03-31T21:30:00Z', 60);
    const r = rate([...march, april, lateMarch], START);
    expect(r.ev('april-1').month).toBe(202504);
    expect(r.ev('april-1').cost_micros).toBe(0);
    expect(r.ev('march-101').month).toBe(202503);
    // 60 s * 0.15 / 60 = 0.15 EUR
    expect(r.ev('march-101').cost_micros).toBe(150_000);
  });
});

describe('SPEC §4 Forfait Start: at most 1 h per call', () => {
  // 75 min = 4500 s to a French mobile: 3600 s included, 900 s beyond
  const call = voice('long', 'u1', '+33612345678', t(0), 4500);

  it('bills the part beyond 3600 s at 0.15 EUR/min', () => {
    const e = rate([call], START).ev('long');
    expect(e.included_qty).toBe(3600);
    expect(e.billed_qty).toBe(900);
    // 900 s * 0.15 EUR / 60 = 2.25 EUR
    expect(e.cost_micros).toBe(2_250_000);
    expect(e.reasons).toContain(Reason.OVER_CALL_CAP);
    expect(e.reasons).toContain(Reason.IN_PACK);
  });

  it('bills nothing for a call of exactly 3600 s, 1 s for 3601 s', () => {
    const r = rate([voice('h1', 'u1', '+33612345678', t(0), 3600), voice('h2', 'u1', '+33612345679', t(100), 3601)], START);
    expect(r.ev('h1').cost_micros).toBe(0);
    expect(r.ev('h1').reasons).not.toContain(Reason.OVER_CALL_CAP);
    // 1 s * 0.15 / 60 = 0.0025 EUR -> 0.01 EUR
    expect(r.ev('h2').cost_micros).toBe(CENT);
    expect(r.ev('h2').billed_qty).toBe(1);
  });

  // SPEC §4 lists "at most 1 h per call" under fair use and §6 says "Fair-use crossings ... are
  // alert events": the over-long call must raise a FAIR_USE alert like the other caps do.
  it('raises a FAIR_USE alert for the call over 1 h (regression)', () => {
    const r = rate([call], START);
    expect(r.out.alerts.filter((a) => a.kind === 'FAIR_USE' && a.cdr_id === 'long')).toHaveLength(1);
  });
});

describe('SPEC §4 Forfait Pro: included international destinations by class', () => {
  const cdrs = [
    voice('be-mob', 'u1', '+32470123456', t(0), 120), // Belgium fixed+mobile included
    voice('be-fix', 'u1', '+3225551234', t(10), 120),
    voice('jp-mob', 'u1', '+819012345678', t(20), 120), // Japan: fixed only in Pro
    voice('jp-fix', 'u1', '+81312345678', t(30), 120),
    voice('fr-mob', 'u1', '+33612345678', t(40), 120),
  ];

  it('includes Belgian mobile and fixed, French mobile', () => {
    const r = rate(cdrs, PRO);
    for (const id of ['be-mob', 'be-fix', 'fr-mob']) {
      expect(r.ev(id).cost_micros, id).toBe(0);
      expect(r.ev(id).included_qty, id).toBe(120);
      expect(r.ev(id).reasons, id).toEqual([Reason.IN_PACK]);
    }
    expect(r.ev('be-mob').dest_class).toBe('mobile');
    expect(r.ev('be-fix').dest_class).toBe('fixed');
  });

  it('includes Japanese fixed (+813...)', () => {
    const e = rate(cdrs, PRO).ev('jp-fix');
    expect(e.dest_class).toBe('fixed');
    expect(e.cost_micros).toBe(0);
    expect(e.included_qty).toBe(120);
  });

  it('bills Japanese mobile (+8190...) at 0.89 EUR/min', () => {
    const e = rate(cdrs, PRO).ev('jp-mob');
    expect(e.dest_class).toBe('mobile');
    expect(e.reasons).toContain(Reason.NOT_IN_PACK);
    expect(e.billed_qty).toBe(120);
    // 120 s * 0.89 / 60 = 1.78 EUR
    expect(e.cost_micros).toBe(1_780_000);
  });

  // Seed 004 lists "Finlande (Fixe et Mobile)" among Pro's destinations; plans.json omits FI.
  it('includes Finland fixed and mobile (regression)', () => {
    const r = rate([voice('fi-mob', 'u1', '+358401234567', t(0), 120), voice('fi-fix', 'u1', '+358912345678', t(10), 120)], PRO);
    expect(r.ev('fi-mob').cost_micros).toBe(0);
    expect(r.ev('fi-fix').cost_micros).toBe(0);
  });

  it('Start does not include Belgium: same call billed 0.89 EUR/min', () => {
    const e = rate([voice('be-mob', 'u1', '+32470123456', t(0), 120)], START).ev('be-mob');
    // 120 s * 0.89 / 60 = 1.78 EUR
    expect(e.cost_micros).toBe(1_780_000);
    expect(e.reasons).toContain(Reason.NOT_IN_PACK);
  });
});

describe('SPEC §5 plan changes: an upgrade applies to its whole month, a downgrade from the next', () => {
  // t(0) is 3 March 2025; the change is dated 10 March.
  const be = (id: string, iso: string) => voice(id, 'u1', '+32470123456', iso, 120); // Belgian mobile, 120 s
  const changing = (from: string, to: string) =>
    accountInput('acc-1', from, ['u1'], { users: [{ id: 'u1', plan_changes: [{ on: '2025-03-10', plan: to }] }] });

  it('Start -> Pro on 10 March: a call on 3 March is rated on Pro (March is billed on Pro)', () => {
    const r = rate(
      [be('before', '2025-03-03T08:00:00Z'), be('after', '2025-03-20T08:00:00Z'), be('feb', '2025-02-20T08:00:00Z')],
      changing('fr-start', 'fr-pro'),
    );
    for (const id of ['before', 'after'])
      expect([r.ev(id).plan_id, r.ev(id).cost_micros, r.ev(id).reasons]).toEqual(['fr-pro', 0, [Reason.IN_PACK]]);
    // February was still Start: 120 s * 0.89 / 60 = 1.78 EUR
    expect([r.ev('feb').plan_id, r.ev('feb').cost_micros]).toEqual(['fr-start', 1_780_000]);
  });

  it('Pro -> Start on 10 March: March stays on Pro, April is on Start', () => {
    const r = rate([be('march', '2025-03-20T08:00:00Z'), be('april', '2025-04-02T08:00:00Z')], changing('fr-pro', 'fr-start'));
    expect([r.ev('march').plan_id, r.ev('march').cost_micros]).toEqual(['fr-pro', 0]);
    expect([r.ev('april').plan_id, r.ev('april').cost_micros, r.ev('april').reasons]).toEqual([
      'fr-start',
      1_780_000,
      [Reason.NOT_IN_PACK],
    ]);
  });

  it("resolves each month's plan when CDRs of two months arrive interleaved", () => {
    const engine = new RatingEngine(contextOf(catalog, changing('fr-pro', 'fr-start')), fixedNow);
    const out = newOutput();
    for (const c of [
      be('a1', '2025-04-02T08:00:00Z'),
      be('m1', '2025-03-20T08:00:00Z'),
      be('a2', '2025-04-03T08:00:00Z'),
      be('m2', '2025-03-21T08:00:00Z'),
    ])
      engine.addAll([c], out);
    const plans = Object.fromEntries([...latestVersions(out.events).values()].map((e) => [e.cdr_id, e.plan_id]));
    expect(plans).toEqual({ a1: 'fr-start', m1: 'fr-pro', a2: 'fr-start', m2: 'fr-pro' });
  });
});

describe('SPEC §3/§4 international from Start: 0.89 EUR/min', () => {
  it('bills a call to Germany per second at 0.89 EUR/min', () => {
    const e = rate([voice('de', 'u1', '+4930123456', t(0), 90)], START).ev('de');
    expect(e.destination).toMatch(/Germany/);
    expect(e.reasons).toEqual([Reason.NOT_IN_PACK]);
    // 90 s * 0.89 / 60 = 1.335 EUR -> 1.34 EUR
    expect(e.cost_micros).toBe(1_340_000);
  });
});

describe('SPEC §4 Belgian unlimited fixed-line option: 15 h per user and month', () => {
  // 16 calls of 3600 s to distinct Brussels fixed numbers: 15 * 3600 = 54000 s = the cap
  const sixteen = Array.from({ length: 16 }, (_, i) => voice(`h${i + 1}`, 'u1', nth('+322', i + 1), t(i * 120), 3600));

  it('includes the first 54000 s, bills the 16th hour at the BE fixed rate', () => {
    const r = rate(sixteen, BE_FIXED);
    for (let i = 1; i <= 15; i++) {
      expect(r.ev(`h${i}`).cost_micros, `h${i}`).toBe(0);
      expect(r.ev(`h${i}`).included_qty).toBe(3600);
    }
    const e = r.ev('h16');
    expect(e.included_qty).toBe(0);
    expect(e.billed_qty).toBe(3600);
    expect(e.reasons).toContain(Reason.MONTHLY_CAP);
    // 3600 s * 0.06 EUR / 60 = 3.60 EUR
    expect(e.cost_micros).toBe(3_600_000);
    expect(r.total).toBe(3_600_000);
    const fair = r.out.alerts.filter((a) => a.kind === 'FAIR_USE');
    expect(fair).toHaveLength(1);
    expect(fair[0]?.cdr_id).toBe('h16');
  });

  it('splits the call that crosses the cap, then bills mobile beyond it at 0.12 EUR/min', () => {
    const cdrs = [
      ...Array.from({ length: 14 }, (_, i) => voice(`p${i + 1}`, 'u2', nth('+322', 100 + i), t(i * 120), 3600)),
      // 14 * 3600 = 50400 s used; 3600 s left
      voice('cross', 'u2', nth('+322', 500), t(14 * 120), 5400),
      voice('mob', 'u2', '+32475123456', t(15 * 120), 60),
    ];
    const r = rate(cdrs, BE_FIXED);
    const e = r.ev('cross');
    expect(e.included_qty).toBe(3600);
    expect(e.billed_qty).toBe(1800);
    // 1800 s * 0.06 / 60 = 1.80 EUR
    expect(e.cost_micros).toBe(1_800_000);
    expect(e.reasons).toContain(Reason.MONTHLY_CAP);
    // 60 s * 0.12 / 60 = 0.12 EUR
    expect(r.ev('mob').cost_micros).toBe(120_000);
    expect(r.ev('mob').dest_class).toBe('mobile');
    expect(r.total).toBe(1_920_000);
  });

  it('caps each user separately', () => {
    const r = rate([...sixteen, voice('other', 'u2', '+3225550000', t(3000), 3600)], BE_FIXED);
    expect(r.ev('other').cost_micros).toBe(0);
  });

  it('bills the 151st distinct number (150 distinct numbers per month)', () => {
    const cdrs = Array.from({ length: 151 }, (_, i) => voice(`d${i + 1}`, 'u1', nth('+322', 1000 + i), t(i * 5), 60));
    const r = rate(cdrs, BE_FIXED);
    expect(r.ev('d150').cost_micros).toBe(0);
    // 60 s * 0.06 / 60 = 0.06 EUR
    expect(r.ev('d151').cost_micros).toBe(60_000);
    expect(r.ev('d151').reasons).toContain(Reason.DISTINCT_CALLEE_CAP);
  });

  it('flags repeated calls of over 1 h to the same number', () => {
    const r = rate([voice('l1', 'u1', '+3225551111', t(0), 3700), voice('l2', 'u1', '+3225551111', t(200), 3700)], BE_FIXED);
    expect(r.ev('l1').reasons).not.toContain(Reason.REPEATED_LONG_CALL);
    expect(r.ev('l2').reasons).toContain(Reason.REPEATED_LONG_CALL);
    expect(r.out.alerts.filter((a) => a.kind === 'FAIR_USE').map((a) => a.cdr_id)).toEqual(['l2']);
  });

  it('classifies Belgian numbers by the seed 003 prefix lists (04[2-3] fixed, 04[5-9] mobile)', () => {
    const r = rate(
      [
        voice('liege', 'u1', '+3242123456', t(0), 60),
        voice('m45', 'u1', '+32456123456', t(10), 60),
        voice('m49', 'u1', '+32499123456', t(20), 60),
        voice('antwerp', 'u1', '+3231234567', t(30), 60),
      ],
      BE_FIXED,
    );
    expect(r.ev('liege').dest_class).toBe('fixed');
    expect(r.ev('antwerp').dest_class).toBe('fixed');
    expect(r.ev('m45').dest_class).toBe('mobile');
    expect(r.ev('m49').dest_class).toBe('mobile');
  });
});

describe('SPEC §2 emergency numbers: always free, even over the credit limit', () => {
  // Two calls to Germany of 3600 s: 3600 * 0.89 / 60 = 53.40 EUR each, 106.80 EUR > 100 EUR
  const over = [voice('de1', 'u1', '+4930123456', t(0), 3600), voice('de2', 'u1', '+4930123457', t(70), 3600)];
  const emergency = ['112', '15', '17', '18'].map((n, i) => voice(`sos-${n}`, 'u1', n, t(200 + i * 10), 120));

  it('rates 112, 15, 17, 18 at 0 EUR after the credit limit was crossed', () => {
    const r = rate([...over, ...emergency], START);
    expect(r.out.alerts.filter((a) => a.kind === 'CREDIT_LIMIT').map((a) => a.cdr_id)).toEqual(['de2']);
    for (const c of emergency) {
      const e = r.ev(c.id);
      expect(e.cost_micros, c.id).toBe(0);
      expect(e.dest_class, c.id).toBe('emergency');
      expect(e.reasons, c.id).toContain(Reason.EMERGENCY_FREE);
    }
    expect(r.total).toBe(2 * 53_400_000);
  });

  it('rates Belgian 100, 101, 112 free', () => {
    const r = rate(
      ['100', '101', '112'].map((n, i) => voice(`be-${n}`, 'u1', n, t(i), 60)),
      BE_FIXED,
    );
    for (const n of ['100', '101', '112']) {
      expect(r.ev(`be-${n}`).dest_class).toBe('emergency');
      expect(r.ev(`be-${n}`).cost_micros).toBe(0);
    }
  });

  it('does not count emergency calls against the distinct-correspondent cap', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => voice(`n${i}`, 'u1', nth('+3361', i), t(i), 30));
    const r = rate([voice('sos', 'u1', '112', t(-5), 30), ...hundred], START);
    expect(r.ev('n99').cost_micros).toBe(0);
  });
});

describe('SPEC §2 premium numbers: blocked and flagged, never billed', () => {
  it('blocks a call to 0899 with PREMIUM_BLOCKED and a PREMIUM_ATTEMPT alert', () => {
    const r = rate([voice('prem', 'u1', '0899123456', t(0), 60)], START);
    const e = r.ev('prem');
    expect(e.dest_class).toBe('premium');
    expect(e.counterpart).toBe('33899123456');
    expect(e.cost_micros).toBe(0);
    expect(e.reasons).toContain(Reason.PREMIUM_BLOCKED);
    expect(r.out.alerts).toEqual([expect.objectContaining({ kind: 'PREMIUM_ATTEMPT', cdr_id: 'prem', user_id: 'u1' })]);
  });

  it('blocks a premium SMS on the mobile plan (Belgian 090x)', () => {
    const r = rate([sms('psms', 'u1', '+3290312345', t(0))], BE_MOBILE);
    expect(r.ev('psms').cost_micros).toBe(0);
    expect(r.ev('psms').reasons).toContain(Reason.PREMIUM_BLOCKED);
    expect(r.out.alerts.map((a) => a.kind)).toEqual(['PREMIUM_ATTEMPT']);
  });

  // SPEC §6: "premium-number attempts ... are alert events". A blocked premium call is normally
  // never answered, so the SBC reports billable_s = 0: the attempt must still be flagged.
  it('flags an unanswered premium attempt too (regression)', () => {
    const r = rate([voice('prem0', 'u1', '0899123456', t(0), 0)], START);
    expect(r.out.alerts.map((a) => a.kind)).toEqual(['PREMIUM_ATTEMPT']);
  });

  // SPEC §2: "070 / 078 (shared cost), 090x premium". The generated numbering plan follows
  // libphonenumber, which types Belgian 070 as PREMIUM_RATE, so the call is blocked instead of billed.
  it('SPEC §2: Belgian 070 is shared cost (special), not premium (regression)', () => {
    const r = rate([voice('sc', 'u1', '+3270123456', t(0), 60)], BE_FIXED);
    expect(r.ev('sc').dest_class).toBe('special');
    expect(r.ev('sc').reasons).not.toContain(Reason.PREMIUM_BLOCKED);
  });
});

describe('SPEC §1/§4 forwarding to an external number is not in the Start pack', () => {
  it('bills a forwarded call as outbound from the forwarding user', () => {
    const r = rate([voice('fwd', 'u1', '+33612345678', t(0), 120, { direction: 'FORWARDED' })], START);
    const e = r.ev('fwd');
    expect(e.reasons).toEqual(expect.arrayContaining([Reason.FORWARDED, Reason.NOT_IN_PACK]));
    expect(e.included_qty).toBe(0);
    expect(e.billed_qty).toBe(120);
    // 120 s * 0.15 / 60 = 0.30 EUR
    expect(e.cost_micros).toBe(300_000);
  });

  it('includes inbound calls (seed 004 "appels entrants et sortants")', () => {
    const e = rate([voice('in', 'u1', '+33140000000', t(0), 600, { direction: 'INBOUND', caller: '0612345678' })], START).ev('in');
    expect(e.counterpart).toBe('33612345678');
    expect(e.included_qty).toBe(600);
    expect(e.cost_micros).toBe(0);
    expect(e.reasons).toContain(Reason.INBOUND);
  });
});

describe('SPEC §2 normalisation: one correspondent whatever the number format', () => {
  const formats = ['+33612345678', '0033612345678', '0612345678', '06 12 34 56 78', '06.12.34.56.78'];

  it('normalises every format to the same E.164 counterpart', () => {
    const r = rate(
      formats.map((f, i) => voice(`f${i}`, 'u1', f, t(i), 60)),
      START,
    );
    for (let i = 0; i < formats.length; i++) expect(r.ev(`f${i}`).counterpart, formats[i]).toBe('33612345678');
  });

  it('counts the formats as ONE distinct callee', () => {
    // 98 other distinct numbers + the number in 5 formats = 99 distinct: all included;
    // the 100th distinct is included, the 101st is billed
    const others = Array.from({ length: 98 }, (_, i) => voice(`o${i}`, 'u1', nth('+3361', i), t(i), 30));
    const same = formats.map((f, i) => voice(`f${i}`, 'u1', f, t(200 + i), 30));
    const r = rate(
      [...others, ...same, voice('d100', 'u1', '+33699000100', t(300), 30), voice('d101', 'u1', '+33699000101', t(301), 30)],
      START,
    );
    for (let i = 0; i < formats.length; i++) expect(r.ev(`f${i}`).cost_micros).toBe(0);
    expect(r.ev('d100').cost_micros).toBe(0);
    // 30 s * 0.15 / 60 = 0.075 EUR -> 0.08 EUR
    expect(r.ev('d101').cost_micros).toBe(80_000);
    expect(r.total).toBe(80_000);
  });
});

describe('SPEC §3 price of a call: per second, rounded up to the cent', () => {
  // Forwarded calls on Start are billed whole at the FR rate 0.15 EUR/min, increments 1/1.
  const fwd = (id: string, s: number, to = '+33612345678') => voice(id, 'u1', to, t(0), s, { direction: 'FORWARDED' });

  it.each([
    [1, 10_000], //    1 s * 0.15 / 60 = 0.0025 -> 0.01
    [7, 20_000], //    7 s * 0.15 / 60 = 0.0175 -> 0.02
    [40, 100_000], //  40 s * 0.15 / 60 = 0.10 exactly -> 0.10
    [41, 110_000], //  41 s * 0.15 / 60 = 0.1025 -> 0.11
    [3599, 9_000_000], // 3599 s * 0.15 / 60 = 8.9975 -> 9.00
  ])('%i s at 0.15 EUR/min costs %i micros', (s, cost) => {
    expect(rate([fwd('x', s)], START).ev('x').cost_micros).toBe(cost);
  });

  it('61 s at 0.89 EUR/min = 0.904833... -> 0.91 EUR', () => {
    expect(rate([voice('x', 'u1', '+4930123456', t(0), 61)], START).ev('x').cost_micros).toBe(910_000);
  });

  it('charges nothing for an unanswered call', () => {
    const e = rate([voice('x', 'u1', '+4930123456', t(0), 0)], START).ev('x');
    expect(e.cost_micros).toBe(0);
    expect(e.reasons).toContain(Reason.UNANSWERED);
  });

  it('applies deck increments 30/6 (be-retail to France 0.25 EUR/min)', () => {
    const r = rate(
      [
        voice('i1', 'u1', '+33612345678', t(0), 1), //   charged 30 s: 30 * 0.25 / 60 = 0.125 -> 0.13
        voice('i31', 'u1', '+33612345678', t(1), 31), // charged 36 s: 36 * 0.25 / 60 = 0.15
        voice('i36', 'u1', '+33612345678', t(2), 36), // charged 36 s: 0.15
        voice('i37', 'u1', '+33612345678', t(3), 37), // charged 42 s: 42 * 0.25 / 60 = 0.175 -> 0.18
      ],
      BE_FIXED,
    );
    expect(r.ev('i1').cost_micros).toBe(130_000);
    expect(r.ev('i31').cost_micros).toBe(150_000);
    expect(r.ev('i36').cost_micros).toBe(150_000);
    expect(r.ev('i37').cost_micros).toBe(180_000);
  });

  it('applies deck increments 60/60 (be-retail international 0.89 EUR/min)', () => {
    // 61 s -> charged 120 s: 120 * 0.89 / 60 = 1.78 EUR
    expect(rate([voice('x', 'u1', '+819012345678', t(0), 61)], BE_FIXED).ev('x').cost_micros).toBe(1_780_000);
  });

  it('adds the connect fee of Belgian special numbers (0.10 + 0.30 EUR/min)', () => {
    // 10 s: 0.10 + 10 * 0.30 / 60 = 0.10 + 0.05 = 0.15 EUR
    const e = rate([voice('x', 'u1', '+3278123456', t(0), 10)], BE_FIXED).ev('x');
    expect(e.dest_class).toBe('special');
    expect(e.cost_micros).toBe(150_000);
  });

  it('prices a call with the rate in force at its start (no tariff before 2024-09-25 in fr-retail)', () => {
    const r = rate([voice('old', 'u1', '+4930123456', '2024-09-20T10:00:00Z', 60)], START);
    expect(r.out.events).toHaveLength(0);
    expect(r.out.dead.map((d) => d.code)).toEqual(['UNKNOWN_DESTINATION']);
  });
});

describe('SPEC §6 credit limit: alert at the CDR that crosses 100 EUR', () => {
  // Forwarded calls are billed whole at 0.15 EUR/min: 3600 s = 9.00 EUR
  const fwd = (id: string, minutes: number, s: number) => voice(id, 'u1', '+33612345678', t(minutes), s, { direction: 'FORWARDED' });
  const cdrs = [
    ...Array.from({ length: 11 }, (_, i) => fwd(`f${i + 1}`, i * 70, 3600)), // 11 * 9.00 = 99.00 EUR
    fwd('f12', 1000, 400), //  400 s * 0.15 / 60 = 1.00 EUR -> 100.00 EUR: not beyond the limit
    fwd('f13', 1010, 1), //    0.01 EUR -> 100.01 EUR: crosses
    fwd('f14', 1020, 3600), // 109.01 EUR: no second alert
  ];

  it('raises one CREDIT_LIMIT alert, at the first CDR taking the month beyond 100.00 EUR', () => {
    const r = rate(cdrs, START);
    expect(r.total).toBe(109_010_000);
    const credit = r.out.alerts.filter((a) => a.kind === 'CREDIT_LIMIT');
    expect(credit).toHaveLength(1);
    expect(credit[0]).toMatchObject({ cdr_id: 'f13', account_id: 'acc-1', month: 202503 });
  });

  it('raises it as soon as that CDR is rated in the stream, not at month end', () => {
    const engine = new RatingEngine(contextOf(catalog, START), fixedNow);
    const out = newOutput();
    for (const c of cdrs) {
      engine.addAll([c], out);
      const seen = out.alerts.some((a) => a.kind === 'CREDIT_LIMIT');
      expect(seen, `after ${c.id}`).toBe(c.id === 'f13' || c.id === 'f14');
    }
  });

  describe('per user (003 §9.5: "par Client et par Utilisateur")', () => {
    // u1 has its own 20.00 EUR limit, u2 none; the account keeps its 100.00 EUR one.
    const TWO = accountInput('acc-1', 'fr-start', ['u1', 'u2'], { users: [{ id: 'u1', credit_limit: '20.00' }, { id: 'u2' }] });
    const by = (user: string, id: string, minutes: number, s: number) =>
      voice(id, user, '+33612345678', t(minutes), s, { direction: 'FORWARDED' });
    const mixed = [
      by('u1', 'a1', 0, 3600), //  u1  9.00 EUR
      by('u2', 'b1', 10, 3600), // u2  9.00 EUR
      by('u2', 'b2', 20, 3600), // u2 18.00 EUR
      by('u1', 'a2', 70, 3600), //  u1 18.00 EUR: not beyond 20.00
      by('u2', 'b3', 80, 3600), // u2 27.00 EUR: no limit of its own
      by('u1', 'a3', 140, 800), //  u1 18.00 + 2.00 = 20.00 EUR: not beyond
      by('u1', 'a4', 160, 4), //    u1 20.01 EUR: crosses
      by('u1', 'a5', 170, 3600), // u1 29.01 EUR: no second alert
    ];

    it("raises one USER_CREDIT_LIMIT alert, at the user's CDR that crosses the user's limit", () => {
      const r = rate(mixed, TWO);
      expect(r.total).toBe(9_000_000 * 6 + 2_000_000 + 10_000);
      expect(r.out.alerts.map((a) => [a.kind, a.user_id, a.cdr_id])).toEqual([['USER_CREDIT_LIMIT', 'u1', 'a4']]);
      expect(r.out.alerts[0]?.detail).toBe('user usage 20010000 micros exceeds user credit limit 20000000');
    });

    it('raises it once per user-month whatever the arrival order, at the crossing seen so far', () => {
      // Reversed, a5 arrives before a1: a2 + a3 + a4 + a5 = 20.01 EUR already crosses at a5, and
      // the alert is raised then. When a1 arrives the crossing moves to a4 (the ratings are
      // re-rated), but the alert already raised stands: no second one.
      const cases: [Cdr[], string][] = [
        [[...mixed].reverse(), 'a5'],
        // a4, a1, a5, a2 first: 27.01 EUR, crossing at a5 before a3 arrives
        [[6, 0, 7, 3, 1, 5, 2, 4].map((i) => mixed[i] as Cdr), 'a5'],
        // u1's CDRs in order, u2's shuffled among them
        [[1, 0, 3, 2, 5, 6, 4, 7].map((i) => mixed[i] as Cdr), 'a4'],
      ];
      for (const [order, crossing] of cases) {
        const engine = new RatingEngine(contextOf(catalog, TWO), fixedNow);
        const out = newOutput();
        for (const c of order) engine.addAll([c], out);
        expect(out.alerts.map((a) => [a.kind, a.user_id, a.cdr_id])).toEqual([['USER_CREDIT_LIMIT', 'u1', crossing]]);
        const latest = [...latestVersions(out.events).values()];
        expect(latest.reduce((n, e) => n + e.cost_micros, 0)).toBe(9_000_000 * 6 + 2_000_000 + 10_000);
      }
    });

    it('alerts the account and the user separately when both limits are crossed', () => {
      const r = rate(mixed, { ...TWO, credit_limit: '50.00' });
      // the account's month: a1 b1 b2 a2 b3 = 45.00, a3 47.00, a4 47.01, a5 56.01 EUR: a5 crosses 50.00
      expect(r.out.alerts.map((a) => [a.kind, a.cdr_id])).toEqual([
        ['USER_CREDIT_LIMIT', 'a4'],
        ['CREDIT_LIMIT', 'a5'],
      ]);
    });
  });

  it('honours a per-account credit limit', () => {
    const r = rate(cdrs.slice(0, 2), { ...START, credit_limit: '10.00' });
    // 9.00 then 18.00 EUR: the second call crosses 10.00
    expect(r.out.alerts.map((a) => [a.kind, a.cdr_id])).toEqual([['CREDIT_LIMIT', 'f2']]);
  });
});

describe('SPEC §4 mobile unlimited: 1000 SMS and 50 SMS destinations per month', () => {
  const dest = (k: number) => nth('+324701', k % 50, 5);

  it('bills the 1001st SMS at 0.10 EUR', () => {
    const cdrs = Array.from({ length: 1001 }, (_, i) => sms(`s${i + 1}`, 'u1', dest(i), t(i)));
    const r = rate(cdrs, BE_MOBILE);
    expect(r.ev('s1000').cost_micros).toBe(0);
    expect(r.ev('s1000').included_qty).toBe(1);
    const e = r.ev('s1001');
    expect(e.billed_qty).toBe(1);
    expect(e.cost_micros).toBe(100_000);
    expect(e.reasons).toContain(Reason.SMS_CAP);
    expect(r.total).toBe(100_000);
    expect(r.out.alerts.filter((a) => a.kind === 'FAIR_USE').map((a) => a.cdr_id)).toEqual(['s1001']);
  });

  it('splits a multi-part SMS at the cap', () => {
    const cdrs = [
      ...Array.from({ length: 999 }, (_, i) => sms(`s${i + 1}`, 'u2', dest(i), t(i))),
      sms('multi', 'u2', dest(0), t(2000), { parts: 3 }),
    ];
    const e = rate(cdrs, BE_MOBILE).ev('multi');
    // 999 used, 1 part left: 1 included, 2 billed * 0.10 = 0.20 EUR
    expect(e.included_qty).toBe(1);
    expect(e.billed_qty).toBe(2);
    expect(e.cost_micros).toBe(200_000);
  });

  it('bills an SMS to the 51st distinct destination', () => {
    const cdrs = Array.from({ length: 51 }, (_, i) => sms(`d${i + 1}`, 'u3', nth('+324759', i, 5), t(i)));
    const r = rate(cdrs, BE_MOBILE);
    expect(r.ev('d50').cost_micros).toBe(0);
    expect(r.ev('d51').cost_micros).toBe(100_000);
    expect(r.ev('d51').reasons).toContain(Reason.SMS_DESTINATION_CAP);
  });

  it('includes inbound SMS whatever the count', () => {
    const e = rate([sms('in', 'u1', '+32470000000', t(0), { direction: 'INBOUND', sender: '+33612345678', parts: 2 })], BE_MOBILE).ev('in');
    expect(e.cost_micros).toBe(0);
    expect(e.included_qty).toBe(2);
  });
});

describe('SPEC §4 mobile unlimited: data quota 300 GB national, 65 GB in the EU', () => {
  const GB = 1_000_000_000;

  it('bills bytes beyond 300 GB per started MB at 0.01 EUR', () => {
    const r = rate(
      [
        dataSession('d1', 'u4', t(0), 200 * GB),
        dataSession('d2', 'u4', t(60), 100 * GB),
        dataSession('d3', 'u4', t(120), 1_000_000, { bytesUp: 500_000 }),
      ],
      BE_MOBILE,
    );
    expect(r.ev('d2').cost_micros).toBe(0);
    const e = r.ev('d3');
    // 1_500_000 bytes beyond the quota = 1.5 MB -> 2 started MB * 0.01 = 0.02 EUR
    expect(e.billed_qty).toBe(1_500_000);
    expect(e.cost_micros).toBe(20_000);
    expect(e.reasons).toContain(Reason.DATA_QUOTA);
    expect(r.out.alerts.filter((a) => a.kind === 'FAIR_USE').map((a) => a.cdr_id)).toEqual(['d3']);
  });

  it('applies the 65 GB EU quota while roaming in the EU', () => {
    const r = rate(
      [dataSession('e1', 'u5', t(0), 65 * GB, { roaming: 'FR' }), dataSession('e2', 'u5', t(60), 1, { roaming: 'ES' })],
      BE_MOBILE,
    );
    expect(r.ev('e1').cost_micros).toBe(0);
    expect(r.ev('e1').reasons).toContain(Reason.ROAMING_EU);
    // 1 byte beyond -> 1 started MB * 0.01 = 0.01 EUR
    expect(r.ev('e2').cost_micros).toBe(CENT);
  });

  it('bills all data outside the EU', () => {
    const e = rate([dataSession('us', 'u6', t(0), 1_000_001, { roaming: 'US' })], BE_MOBILE).ev('us');
    // 1_000_001 bytes -> 2 started MB * 0.01 = 0.02 EUR
    expect(e.cost_micros).toBe(20_000);
    expect(e.reasons).toContain(Reason.ROAMING_OUTSIDE_EU);
  });

  it('rates EU roaming calls like national ones ("roam like at home")', () => {
    const e = rate([voice('r', 'u1', '+32470123456', t(0), 600, { roaming: 'IT' })], BE_MOBILE).ev('r');
    expect(e.cost_micros).toBe(0);
    expect(e.reasons).toEqual(expect.arrayContaining([Reason.ROAMING_EU, Reason.IN_PACK]));
  });
});

describe('SPEC §1 per-event services: answering service (seed 000 §4.5)', () => {
  it('bills 1.20 EUR per handled call and 0.50 EUR per transfer', () => {
    const r = rate(
      [serviceEvent('h', 'u1', 'answering.handled_call', 3, t(0)), serviceEvent('x', 'u1', 'answering.transfer', 1, t(1))],
      ANSWERING,
    );
    // 3 * 1.20 = 3.60 EUR
    expect(r.ev('h').cost_micros).toBe(3_600_000);
    expect(r.ev('h').billed_qty).toBe(3);
    expect(r.ev('h').reasons).toEqual([Reason.EVENT]);
    // 1 * 0.50 = 0.50 EUR
    expect(r.ev('x').cost_micros).toBe(500_000);
    expect(r.total).toBe(4_100_000);
  });

  it('rejects a service the plan does not sell (CDR_UNRATEABLE)', () => {
    const r = rate([serviceEvent('h', 'u1', 'answering.handled_call', 1, t(0))], START);
    expect(r.out.events).toHaveLength(0);
    expect(r.out.dead).toEqual([expect.objectContaining({ cdr_id: 'h', code: 'CDR_UNRATEABLE' })]);
  });
});

describe('Unrateable and malformed CDRs become dead letters', () => {
  it('unknown account -> CDR_UNRATEABLE', () => {
    const r = rate([voice('x', 'u1', '+33612345678', t(0), 60, { account: 'nobody' })], START);
    expect(r.out.events).toHaveLength(0);
    expect(r.out.dead).toHaveLength(1);
    expect(r.out.dead[0]).toMatchObject({ cdr_id: 'x', code: 'CDR_UNRATEABLE' });
    expect(r.out.dead[0]?.reason).toMatch(/nobody/);
  });

  it('unknown user -> CDR_UNRATEABLE', () => {
    const r = rate([voice('x', 'ghost', '+33612345678', t(0), 60)], START);
    expect(r.out.dead.map((d) => d.code)).toEqual(['CDR_UNRATEABLE']);
  });

  it.each(['abc', '06-12-ab', '+', '++33612345678', '+0612345678'])('malformed callee %j -> CDR_MALFORMED', (callee) => {
    const r = rate([voice('x', 'u1', callee, t(0), 60)], START);
    expect(r.out.events).toHaveLength(0);
    expect(r.out.dead.map((d) => [d.cdr_id, d.code])).toEqual([['x', 'CDR_MALFORMED']]);
  });

  it('a VOICE CDR carrying a message section -> CDR_MALFORMED', () => {
    const c = voice('x', 'u1', '+33612345678', t(0), 60);
    const bad = { ...c, message: { sender: 'a', recipient: 'b', direction: 'OUTBOUND' as const, parts: 1 } };
    expect(rate([bad], START).out.dead.map((d) => d.code)).toEqual(['CDR_MALFORMED']);
  });

  it('a number in no tariff -> UNKNOWN_DESTINATION', () => {
    const r = rate([voice('x', 'u1', '+99912345678', t(0), 60)], START);
    expect(r.out.dead.map((d) => d.code)).toEqual(['UNKNOWN_DESTINATION']);
  });

  it('a dead letter does not disturb the rating of the others', () => {
    const r = rate([voice('bad', 'u1', 'abc', t(0), 60), voice('ok', 'u1', '+4930123456', t(1), 60)], START);
    // 60 s * 0.89 / 60 = 0.89 EUR
    expect(r.ev('ok').cost_micros).toBe(890_000);
    expect(r.out.dead.map((d) => d.cdr_id)).toEqual(['bad']);
  });
});

describe('Rated events carry the exact money representation', () => {
  it('costs are whole cents of integer micros', () => {
    const cdrs = Array.from({ length: 50 }, (_, i) => voice(`x${i}`, 'u1', '+4930123456', t(i), 1 + i * 7));
    const r = rate(cdrs, START);
    for (const e of r.out.events) {
      expect(Number.isSafeInteger(e.cost_micros)).toBe(true);
      expect(e.cost_micros % CENT).toBe(0);
      expect(e.currency).toBe('EUR');
    }
    // sum over i of ceil((1 + 7i) * 0.89 / 60 EUR to the cent), computed independently in cents
    let cents = 0;
    for (let i = 0; i < 50; i++) cents += Math.floor(((1 + i * 7) * 89 + 59) / 60);
    expect(r.total).toBe(cents * CENT);
    expect(r.total).toBeGreaterThan(EUR);
  });
});

// ---- Issue #13: fair-use caps count all usage in their scope; the Belgian option's other rules.

/** The shipped catalog with plan `id` derived from shipped plan `from` (settings overridden). */
function variant(from: string, id: string, over: Partial<Plan>): Catalog {
  const plans = new Map(catalog.plans);
  plans.set(id, { ...(catalog.plans.get(from) as Plan), id, ...over });
  return { ...catalog, plans };
}
function rateIn(cat: Catalog, plan: string, cdrs: Cdr[]): Rated {
  const out = rateAll(contextOf(cat, accountInput('acc-1', plan, ['u1'])), cdrs, fixedNow);
  const latest = latestVersions(out.events);
  return {
    out,
    ev: (id) => latest.get(id) as RatedEvent,
    total: [...latest.values()].reduce((s, e) => s + e.cost_micros, 0),
  };
}
const billedUnits = (r: Rated) => [...latestVersions(r.out.events).values()].reduce((n, e) => n + e.billed_qty, 0);

describe('003 Magic SIM: the 1000 SMS count every SMS part sent, billed or not', () => {
  // Seed 003: « L'utilisateur n'envoie pas plus de 1000 SMS et pas plus de 50 destinations
  // différentes par mois. Les SMS des Utilisateurs qui ne répondent pas à ces critères seront
  // facturées à l'unité. » 0.10 EUR per SMS beyond (catalog value).
  // s1-s55 go to 55 distinct destinations, s56-s1005 to the first 50 again.
  const cdrs = Array.from({ length: 1005 }, (_, i) => sms(`s${i + 1}`, 'u1', nth('+324701', i < 55 ? i : i % 50, 5), t(i)));

  it('55 destinations and 1005 SMS: 10 billed, 1.00 EUR', () => {
    const r = rate(cdrs, BE_MOBILE);
    // s51-s55: destinations 51-55, beyond the 50 -> billed; they still count as SMS sent (51-55)
    for (let k = 51; k <= 55; k++) expect([r.ev(`s${k}`).billed_qty, r.ev(`s${k}`).reasons]).toEqual([1, [Reason.SMS_DESTINATION_CAP]]);
    // s1000 is the 1000th SMS sent: included; s1001-s1005 are beyond the 1000
    expect(r.ev('s1000').included_qty).toBe(1);
    for (let k = 1001; k <= 1005; k++) expect([r.ev(`s${k}`).billed_qty, r.ev(`s${k}`).reasons]).toEqual([1, [Reason.SMS_CAP]]);
    // 5 + 5 = 10 SMS * 0.10 EUR = 1.00 EUR
    expect(billedUnits(r)).toBe(10);
    expect(r.total).toBe(1_000_000);
    expect(r.out.alerts.map((a) => [a.cdr_id, a.detail])).toEqual([
      ['s51', 'more than 50 distinct SMS destinations'],
      ['s1001', 'more than 1000 SMS'],
    ]);
  });

  it('a multi-part SMS to a 51st destination counts its parts and crosses the 1000', () => {
    const few = [
      ...Array.from({ length: 998 }, (_, i) => sms(`a${i + 1}`, 'u1', nth('+324701', i % 50, 5), t(i))), // 998 parts, 50 destinations
      sms('new3', 'u1', nth('+324709', 1, 5), t(1000), { parts: 3 }), // 51st destination: 3 parts billed; 1001 parts sent
      sms('last', 'u1', nth('+324701', 0, 5), t(1001)), // known destination, the 1002nd part: billed
    ];
    const r = rate(few, BE_MOBILE);
    expect([r.ev('new3').billed_qty, r.ev('new3').reasons]).toEqual([3, [Reason.SMS_CAP, Reason.SMS_DESTINATION_CAP]]);
    expect([r.ev('last').billed_qty, r.ev('last').reasons]).toEqual([1, [Reason.SMS_CAP]]);
    // 4 parts * 0.10 EUR = 0.40 EUR
    expect(r.total).toBe(400_000);
  });

  it('cap_counting "included_only" counts only the included SMS: the same month bills 5 (0.50 EUR)', () => {
    const r = rateIn(variant('be-mobile-unlimited', 'be-sim-included', { capsCountAllUsage: false }), 'be-sim-included', cdrs);
    // s51-s55 billed, not counted: 1000 included SMS are s1-s50 and s56-s1005
    expect(r.ev('s1005').billed_qty).toBe(0);
    expect(r.total).toBe(500_000);
  });
});

describe('003 Magic SIM: the 40 h count every second of the pack, billed or not', () => {
  // Seed 003: « L'utilisateur n'appelle pas plus de 40 heures dans le mois » = 144000 s;
  // « pas plus de 150 numéros différents ». Belgian mobile beyond: 0.12 EUR/min (be-retail).
  // 150 calls of 900 s to distinct mobiles: 135000 s included; a 151st number for 9000 s is
  // billed (150 numbers) and brings the month to 144000 s; one more minute is beyond the 40 h.
  const cdrs = [
    ...Array.from({ length: 150 }, (_, i) => voice(`m${i + 1}`, 'u1', nth('+32475', i + 1, 6), t(i * 20), 900)),
    voice('m151', 'u1', nth('+32475', 151, 6), t(3100), 9000),
    voice('after', 'u1', nth('+32475', 1, 6), t(3400), 60),
  ];

  it('bills the minute after 144000 s of calls, counting the 9000 s already billed', () => {
    const r = rate(cdrs, BE_MOBILE);
    // m151: 9000 s * 0.12 / 60 = 18.00 EUR (151st number)
    expect([r.ev('m151').billed_qty, r.ev('m151').cost_micros]).toEqual([9000, 18_000_000]);
    // after: 135000 + 9000 = 144000 s used, 0 left: 60 s * 0.12 / 60 = 0.12 EUR
    expect([r.ev('after').included_qty, r.ev('after').billed_qty, r.ev('after').cost_micros]).toEqual([0, 60, 120_000]);
    expect(r.ev('after').reasons).toEqual([Reason.MONTHLY_CAP]);
    expect(r.total).toBe(18_120_000);
    expect(r.out.alerts.map((a) => [a.cdr_id, a.detail])).toEqual([
      ['m151', 'more than 150 distinct callees'],
      ['after', 'more than 144000 s of calls'],
    ]);
  });

  it('cap_counting "included_only": 135060 s included, only the 151st number billed', () => {
    const r = rateIn(variant('be-mobile-unlimited', 'be-sim-included', { capsCountAllUsage: false }), 'be-sim-included', cdrs);
    expect(r.ev('after').cost_micros).toBe(0);
    expect(r.total).toBe(18_000_000);
  });
});

describe('003 §4.5 Belgian option: the 15 h count every second of the option, billed or not', () => {
  // « 15h d'appel / mois / utilisateur » = 54000 s; Brussels fixed beyond: 0.06 EUR/min.
  const X = '+3225551111';
  const cdrs = [
    voice('x1', 'u1', X, t(0), 3700), // first call over 1 h to X: included, 3700 s used
    voice('x2', 'u1', X, t(100), 3700), // repeated call over 1 h to X: billed whole; 7400 s used
    // 13 calls of 3600 s to distinct numbers: before the 13th, 7400 + 12 * 3600 = 50600 s used,
    // 3400 s left: the 13th includes 3400 s and bills 200 s
    ...Array.from({ length: 13 }, (_, i) => voice(`h${i + 1}`, 'u1', nth('+322', i + 1), t(200 + i * 70), 3600)),
    voice('last', 'u1', nth('+322', 1), t(2000), 60), // 54200 s used before: billed whole
  ];

  it('bills 3.70 + 0.20 + 0.06 EUR', () => {
    const r = rate(cdrs, BE_FIXED);
    // x2: 3700 s * 0.06 / 60 = 3.70 EUR
    expect(r.ev('x2').cost_micros).toBe(3_700_000);
    // h13: 200 s * 0.06 / 60 = 0.20 EUR
    expect([r.ev('h13').included_qty, r.ev('h13').billed_qty, r.ev('h13').cost_micros]).toEqual([3400, 200, 200_000]);
    // last: 60 s * 0.06 / 60 = 0.06 EUR
    expect(r.ev('last').cost_micros).toBe(60_000);
    expect(r.total).toBe(3_960_000);
  });

  it('cap_counting "included_only": x2 does not count, 13 * 3600 + 3700 + 60 = 50560 s all included', () => {
    const r = rateIn(variant('be-unlimited-fixed', 'be-included', { capsCountAllUsage: false }), 'be-included', cdrs);
    expect(r.ev('h13').cost_micros).toBe(0);
    expect(r.ev('last').cost_micros).toBe(0);
    expect(r.total).toBe(3_700_000);
  });
});

describe('003 §4.5 Belgian option: repeated calls of over 1 h to the same number', () => {
  // « Un utilisateur effectue régulièrement des appels de plus d'une heure vers le même numéro
  // (suspicion d'utilisation babyphone) »; « Interfone se réserve le droit de facturer les
  // consommations »: the second and later calls over 3600 s to one number in the month are billed.
  const X = '+3225551111';
  const cdrs = [
    voice('l1', 'u1', X, t(0), 3700), // first: included
    voice('l2', 'u1', X, t(200), 3700), // repeated: 3700 s * 0.06 / 60 = 3.70 EUR
    voice('l3', 'u1', X, t(400), 4000), // repeated: 4000 s * 0.06 / 60 = 4.00 EUR
    voice('y1', 'u1', '+3225552222', t(600), 3700), // first over 1 h to another number: included
    voice('e1', 'u1', '+3225553333', t(800), 3600), // exactly 1 h, twice: not "plus d'une heure"
    voice('e2', 'u1', '+3225553333', t(900), 3600),
  ];

  it('bills the second and third long calls to X whole (7.70 EUR), one alert naming the rule', () => {
    const r = rate(cdrs, BE_FIXED);
    for (const id of ['l1', 'y1', 'e1', 'e2']) expect(r.ev(id).cost_micros, id).toBe(0);
    expect([r.ev('l2').billed_qty, r.ev('l2').cost_micros]).toEqual([3700, 3_700_000]);
    expect([r.ev('l3').billed_qty, r.ev('l3').cost_micros]).toEqual([4000, 4_000_000]);
    expect(r.ev('l2').reasons).toEqual([Reason.REPEATED_LONG_CALL]);
    expect(r.total).toBe(7_700_000);
    expect(r.out.alerts.map((a) => [a.kind, a.cdr_id, a.detail])).toEqual([
      ['FAIR_USE', 'l2', 'repeated_long_calls: calls over 3600 s to 3225551111 more than once in the month (003 §4.5)'],
    ]);
  });

  it('repeated_long_calls_billing "beyond" bills the part over 1 h: 100 s + 400 s = 0.10 + 0.40 EUR', () => {
    const r = rateIn(variant('be-unlimited-fixed', 'be-beyond', { repeatedLongCallBilling: 'beyond' }), 'be-beyond', cdrs);
    expect(r.ev('l2').cost_micros).toBe(100_000);
    expect(r.ev('l3').cost_micros).toBe(400_000);
    expect(r.total).toBe(500_000);
  });

  it('repeated_long_calls_billing "none" bills nothing and still alerts', () => {
    const r = rateIn(variant('be-unlimited-fixed', 'be-none', { repeatedLongCallBilling: 'none' }), 'be-none', cdrs);
    expect(r.total).toBe(0);
    expect(r.out.alerts.map((a) => a.cdr_id)).toEqual(['l2']);
  });
});

describe('003 §4.5 Belgian option: no permanent immediate forward to a non-operator number', () => {
  // « Un utilisateur effectue un renvoi immédiat permanent vers un numéro non interfone. » The
  // CDR does not say whether the forward is permanent: every forwarded call to a number outside
  // operator_prefixes is taken as made under one (off_net_forward_calls 1) and billed whole.
  const fwd = (id: string, to: string, minutes: number, s: number) => voice(id, 'u1', to, t(minutes), s, { direction: 'FORWARDED' });
  const cdrs = [
    fwd('f1', '+32475123456', 0, 120), // Belgian mobile: 120 s * 0.12 / 60 = 0.24 EUR
    fwd('f2', '+3228001234', 10, 60), // Brussels fixed: 60 s * 0.06 / 60 = 0.06 EUR
    voice('o1', 'u1', '+32475123456', t(20), 120), // the same mobile called, not forwarded: included
  ];

  it('bills both forwards (0.30 EUR), one FAIR_USE alert naming the rule', () => {
    const r = rate(cdrs, BE_FIXED);
    expect([r.ev('f1').billed_qty, r.ev('f1').cost_micros, r.ev('f1').reasons]).toEqual([
      120,
      240_000,
      [Reason.FORWARDED, Reason.OFF_NET_FORWARD],
    ]);
    expect(r.ev('f2').cost_micros).toBe(60_000);
    expect(r.ev('o1').cost_micros).toBe(0);
    expect(r.total).toBe(300_000);
    expect(r.out.alerts.map((a) => [a.kind, a.cdr_id, a.detail])).toEqual([
      ['FAIR_USE', 'f1', 'off_net_forward: permanent forward to a non-operator number (003 §4.5)'],
    ]);
  });

  it('a forward to an operator number (operator_prefixes) is included like any Belgian call', () => {
    // test catalog value: +32 2 800 is the operator's range
    const r = rateIn(variant('be-unlimited-fixed', 'be-range', { operatorPrefixes: ['322800'] }), 'be-range', cdrs);
    expect([r.ev('f2').cost_micros, r.ev('f2').reasons]).toEqual([0, [Reason.IN_PACK, Reason.FORWARDED]]);
    expect(r.total).toBe(240_000);
  });

  it('off_net_forward_calls 2: the first forward is included, the second breaks the rule', () => {
    const cat = variant('be-unlimited-fixed', 'be-two', {
      caps: { ...(catalog.plans.get('be-unlimited-fixed') as Plan).caps, offNetForwardCalls: 2 },
    });
    const r = rateIn(cat, 'be-two', cdrs);
    expect(r.ev('f1').cost_micros).toBe(0);
    expect(r.ev('f2').cost_micros).toBe(60_000);
    expect(r.out.alerts.map((a) => a.cdr_id)).toEqual(['f2']);
  });

  it('off_net_forward_billing "none": nothing billed, the alert stays', () => {
    const r = rateIn(variant('be-unlimited-fixed', 'be-free', { offNetForwardBilling: 'none' }), 'be-free', cdrs);
    expect(r.total).toBe(0);
    expect(r.ev('f1').reasons).toEqual([Reason.IN_PACK, Reason.FORWARDED, Reason.OFF_NET_FORWARD]);
    expect(r.out.alerts.map((a) => a.cdr_id)).toEqual(['f1']);
  });
});

describe('SPEC §4 roaming: EU data on a plan without data is EU roaming', () => {
  it('carries ROAMING_EU and NOT_IN_PACK, not ROAMING_OUTSIDE_EU (so roaming abuse counts it)', () => {
    const r = rate([dataSession('eu', 'u1', t(0), 1_000_000, { roaming: 'ES' })], BE_FIXED);
    expect(r.ev('eu').reasons).toEqual([Reason.NOT_IN_PACK, Reason.ROAMING_EU]);
  });
});
