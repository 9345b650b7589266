// rules/event.ts on its own: a per-event service priced per unit.
import { type Catalog, loadCatalog, Reason, rateEvent } from '@ratel/rater';
import { isRatelError } from '@ratel/schemas';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountInput, serviceEvent } from '../helpers.js';
import { ruleCase } from './draft.js';

let catalog: Catalog;
beforeAll(() => {
  catalog = loadCatalog();
});

const ANSWERING = accountInput('acc-1', 'answering-service', ['u1']);

describe('rules/event', () => {
  it('bills each unit at the service price, with EVENT', () => {
    const cdr = serviceEvent('h', 'u1', 'answering.handled_call', 3, '2025-03-03T10:00:00Z');
    const c = ruleCase(catalog, ANSWERING, cdr);
    rateEvent(cdr, c.r, c.d);
    expect(c.reasons()).toEqual([Reason.EVENT]);
    expect([c.d.rating.quantity, c.d.rating.billed_qty, c.d.rating.cost_micros]).toEqual([3, 3, 3_600_000]);
    expect([c.d.rating.destination, c.d.rating.dest_class]).toEqual(['Handled inbound call', 'answering.handled_call']);
  });

  it('throws CDR_UNRATEABLE for a service the plan does not sell, leaving the draft without reasons', () => {
    const cdr = serviceEvent('z', 'u1', 'answering.fax', 1, '2025-03-03T10:00:00Z');
    const c = ruleCase(catalog, ANSWERING, cdr);
    let code = '';
    try {
      rateEvent(cdr, c.r, c.d);
    } catch (e) {
      if (isRatelError(e)) code = e.code;
    }
    expect(code).toBe('CDR_UNRATEABLE');
    expect(c.d.why).toBe(0);
  });
});
