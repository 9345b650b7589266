/** Per-event services (e.g. an answering service's messages): the plan's price per unit, nothing included. */
import { type Cdr, errors } from '@ratel/schemas';
import { unitsPrice } from '../price.js';
import type { Draft, Resolved } from '../rate.js';
import { Reason } from '../reasons.js';
import { bit } from './common.js';

/** Rates an event CDR into the draft; CDR_UNRATEABLE when the plan has no such service. */
export function rateEvent(cdr: Cdr, r: Resolved, d: Draft): void {
  const out = d.rating;
  const e = cdr.event as NonNullable<Cdr['event']>;
  const svc = r.plan.events.get(e.service);
  if (!svc) throw errors.cdrUnrateable(cdr.id, `plan ${r.plan.id} has no per-event service "${e.service}"`, cdr);
  out.destination = svc.name;
  out.dest_class = e.service;
  out.quantity = e.quantity;
  out.billed_qty = e.quantity;
  out.cost_micros = unitsPrice(e.quantity, svc.priceMicros);
  d.why |= bit(Reason.EVENT);
}
