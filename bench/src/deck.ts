/** A synthetic carrier deck of N prefixes (deterministic), for rater and trie benchmarks. */

import { Rng } from '@ratel/ingest';
import type { DeckRow } from '@ratel/rater';

const CCS = [
  '1',
  '7',
  '20',
  '27',
  '30',
  '31',
  '32',
  '33',
  '34',
  '36',
  '39',
  '40',
  '41',
  '43',
  '44',
  '45',
  '46',
  '47',
  '48',
  '49',
  '51',
  '52',
  '54',
  '55',
  '56',
  '57',
  '60',
  '61',
  '62',
  '63',
  '64',
  '65',
  '66',
  '81',
  '82',
  '84',
  '86',
  '90',
  '91',
  '92',
  '212',
  '213',
  '216',
  '234',
  '351',
  '352',
  '353',
  '354',
  '358',
  '359',
  '370',
  '380',
  '420',
  '852',
  '880',
  '886',
  '971',
  '972',
];

export function syntheticDeck(n: number, seed = 1): DeckRow[] {
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const rows: DeckRow[] = [];
  const from = Date.parse('2024-01-01T00:00:00Z');
  while (rows.length < n) {
    const prefix = rng.pick(CCS) + rng.digits(rng.int(1, 5));
    if (seen.has(prefix)) continue;
    seen.add(prefix);
    const mobile = rng.next() < 0.4;
    rows.push({
      prefix,
      destination: `${prefix.slice(0, 3)} ${mobile ? 'mobile' : 'fixed'}`,
      cls: mobile ? 'mobile' : 'fixed',
      country: 'ZZ',
      rateMicrosPerMin: rng.int(5, 900) * 1000,
      connectMicros: rng.next() < 0.2 ? 10_000 : 0,
      minChargeMicros: 0,
      firstIncrement: rng.pick([1, 30, 60]),
      nextIncrement: rng.pick([1, 6, 60]),
      band: 'any',
      fromMs: from,
      toMs: Number.POSITIVE_INFINITY,
    });
  }
  return rows;
}
