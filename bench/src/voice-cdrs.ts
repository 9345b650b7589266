/**
 * Generated outbound voice CDRs for the rater benchmarks: random accounts (a0..aN-1, one user
 * each), random numbers under the deck's prefixes, 10% unanswered, start times spread in order
 * over October 2026. Deterministic for a seed. Also their catalog and accounts.
 */
import { Rng } from '@ratel/ingest';
import { type AccountBook, type AccountInput, accountBook, type Catalog, type DeckRow, loadCatalog, type Trie } from '@ratel/rater';
import { type Cdr, cdrType } from '@ratel/schemas';

export const MONTH_START_MS = Date.parse('2026-10-01T00:00:00Z');
export const MONTH_SPAN_MS = 30 * 86_400_000;

/** CDR number i of n (call it with i = 0, 1, 2, ...: each call draws from one random stream). */
export function voiceCdrs(deck: readonly DeckRow[], n: number, accounts: number, seed = 5): (i: number) => Cdr {
  const rng = new Rng(seed);
  return (i) => {
    const a = rng.int(0, accounts - 1);
    const p = (deck[rng.int(0, deck.length - 1)] as DeckRow).prefix;
    const d = rng.next() < 0.1 ? 0 : rng.int(1, 900);
    const s = MONTH_START_MS + Math.floor((i / n) * MONTH_SPAN_MS);
    return {
      id: `c${i}`,
      kind: 'VOICE',
      account_id: `a${a}`,
      user_id: `a${a}u`,
      start_ms: s,
      roaming_country: null,
      voice: {
        sip_call_id: `c${i}`,
        trunk_id: 't',
        caller: '+33612345678',
        callee: `+${p}${rng.digits(12 - p.length)}`,
        forwarded_from: null,
        direction: 'OUTBOUND',
        answer_ms: d ? s + 5000 : null,
        end_ms: s + 5000 + d * 1000,
        duration_s: d + 5,
        billable_s: d,
        disposition: d ? 'ANSWERED' : 'NO_ANSWER',
        sip_status: d ? 200 : 480,
      },
      message: null,
      data: null,
      event: null,
    };
  };
}

/**
 * The first n CDRs of `at` as the pipeline receives them: Avro bodies end to end in one buffer,
 * body i from ends[i] to ends[i + 1].
 */
export function avroBodies(n: number, at: (i: number) => Cdr): { wire: Buffer; ends: Float64Array } {
  const parts: Buffer[] = [];
  const ends = new Float64Array(n + 1);
  for (let i = 0, end = 0; i < n; i++) {
    const body = cdrType.toBuffer(at(i));
    parts.push(body);
    end += body.length;
    ends[i + 1] = end;
  }
  return { wire: Buffer.concat(parts), ends };
}

/** The shipped catalog with its fr-retail tariff rated on `trie` (a synthetic deck). */
export function catalogWith(trie: Trie): Catalog {
  const catalog = loadCatalog();
  const fr = catalog.tariffs.get('fr-retail');
  if (!fr) throw new Error('fr-retail tariff missing');
  catalog.tariffs.set('fr-retail', { ...fr, trie });
  return catalog;
}

/** The accounts of voiceCdrs: a0..aN-1, one user aNu each, Forfait Pro and Start alternately. */
export function voiceAccounts(n: number, catalog: Catalog): AccountBook {
  const accounts: AccountInput[] = Array.from({ length: n }, (_, i) => ({
    id: `a${i}`,
    name: '',
    plan: i % 2 ? 'fr-start' : 'fr-pro',
    billing: 'monthly',
    activated: '2025-01-01',
    country: 'FR',
    time_zone: 'Europe/Paris',
    vat_country: 'FR',
    credit_limit: '100.00',
    options: [],
    users: [{ id: `a${i}u` }],
  }));
  return accountBook(accounts, catalog);
}
