/**
 * Finding (issue #13 item 1): the 1000-SMS, 40 h and 15 h caps counted only what the pack had
 * included, so SMS and seconds already billed because another cap was crossed did not count.
 * Seed 003 (Magic SIM): « L'utilisateur n'envoie pas plus de 1000 SMS et pas plus de 50
 * destinations différentes par mois »; 003 §4.5: « 15h d'appel / mois / utilisateur ». Both
 * count what the user sends or calls, so every SMS part and every second of the pack's scope
 * counts, in start order (plan setting fair_use.cap_counting, default "all_usage").
 */
import { latestVersions, loadCatalog, rateAll } from '@ratel/rater';
import type { Cdr } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';
import { accountInput, at, contextOf, fixedNow, nth, sms, voice } from '../rater/helpers.js';

const catalog = loadCatalog();
const t = (minutes: number): string => new Date(at('2025-03-03T08:00:00Z') + minutes * 60_000).toISOString();
const rate = (plan: string, cdrs: Cdr[]) =>
  latestVersions(rateAll(contextOf(catalog, accountInput('acc-1', plan, ['u1'])), cdrs, fixedNow).events);

describe('regression: fair-use cap counts only included usage', () => {
  it('Magic SIM: 55 distinct destinations and 1,005 SMS bill 10 SMS (1.00 EUR), not 5', () => {
    // SMS 1-55 to 55 distinct destinations (51st-55th beyond the 50 destinations), then 950
    // more to the first 50: SMS 1001-1005 are beyond the 1000 SMS. 10 * 0.10 EUR = 1.00 EUR.
    const cdrs = Array.from({ length: 1005 }, (_, i) => sms(`s${i + 1}`, 'u1', nth('+324701', i < 55 ? i : i % 50, 5), t(i)));
    const events = [...rate('be-mobile-unlimited', cdrs).values()];
    expect(events.reduce((n, e) => n + e.billed_qty, 0)).toBe(10);
    expect(events.reduce((n, e) => n + e.cost_micros, 0)).toBe(1_000_000);
  });

  it('Belgian option: seconds billed beyond the 150 numbers count against the 15 h', () => {
    // 150 calls of 300 s to distinct Brussels numbers: 45000 s included; a 151st number for
    // 9000 s is billed (150 numbers) and takes the month to 54000 s = 15 h; one more minute to a
    // known number is beyond the 15 h: 60 s * 0.06 EUR / 60 = 0.06 EUR.
    const cdrs = [
      ...Array.from({ length: 150 }, (_, i) => voice(`c${i + 1}`, 'u1', nth('+322', i + 1), t(i * 10), 300)),
      voice('c151', 'u1', nth('+322', 151), t(1600), 9000),
      voice('after', 'u1', nth('+322', 1), t(1800), 60),
    ];
    const after = rate('be-unlimited-fixed', cdrs).get('after');
    expect([after?.included_qty, after?.billed_qty, after?.cost_micros]).toEqual([0, 60, 60_000]);
  });
});
