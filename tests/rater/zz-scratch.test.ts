import { it } from 'vitest';
import { loadCatalog, rateAll } from '@ratel/rater';
import { voice, accountInput, contextOf, fixedNow } from './helpers';
it('scratch', () => {
  const cat = loadCatalog();
  const ctx = contextOf(cat, accountInput('acc-1', 'fr-pro', ['u1']), accountInput('acc-2','be-unlimited-fixed',['b1']), accountInput('acc-3','fr-start',['s1']));
  const cdrs = [
    voice('a', 'u1', '+32470123456', '2025-03-03T10:00:00Z', 60),
    voice('b', 'u1', '+819012345678', '2025-03-03T10:10:00Z', 60),
    voice('c', 'u1', '+81312345678', '2025-03-03T10:20:00Z', 60),
    voice('d', 's1', '+4930123456', '2025-03-03T10:20:00Z', 60, {account:'acc-3'}),
    voice('e', 's1', '0899123456', '2025-03-03T10:30:00Z', 60, {account:'acc-3'}),
    voice('f', 's1', '112', '2025-03-03T10:40:00Z', 60, {account:'acc-3'}),
    voice('g', 'b1', '+3221234567', '2025-03-03T10:40:00Z', 60, {account:'acc-2'}),
    voice('h', 'b1', '+3242123456', '2025-03-03T10:50:00Z', 60, {account:'acc-2'}),
  ];
  const out = rateAll(ctx, cdrs, fixedNow);
  for (const e of out.events) console.log(e.cdr_id, e.counterpart, e.prefix, e.destination, e.dest_class, e.cost_micros, e.included_qty, e.billed_qty, e.reasons.join(','));
  console.log(out.alerts, out.dead);
});
