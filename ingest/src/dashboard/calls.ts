/**
 * The calls behind an invoice's usage line: the rated events (rated_events FINAL) of the
 * invoice's account and month that the invoice run summed into that line.
 *
 * The run sums per plan, kind, zone and destination class, the zone being found from the
 * destination's country in the plan's tariff (aggregator/src/invoice.ts). The stored line keeps
 * only its description, so each (plan, kind, destination class, destination, fair-use) group of
 * the account-month is given the description the run gives it and joined to the line of that
 * section and description. Records billed because a fair-use cap was crossed are the calls of the
 * overage line (their included part, at no cost, is counted on the usage line's quantity), the
 * others those of the usage line: the costs of a line's calls add up to its amount exactly. Only
 * events rated before the invoice was issued count: a later one is billed as an adjustment.
 */
import { FAIR_USE_REASONS, type InvoiceLine, int, type Store, type StoredInvoice, str, usageLineCandidates } from '@ratel/aggregator';
import type { Catalog } from '@ratel/rater';

/** Sections whose lines come from rated events of the invoice's month. */
export const ITEMISED_SECTIONS: ReadonlySet<string> = new Set(['usage', 'overage', 'event']);

const OVERAGE_SQL = FAIR_USE_REASONS.map((r) => `has(reasons, ${str(r)})`).join(' OR ');

interface Group {
  plan_id: string;
  kind: string;
  dest_class: string;
  destination: string;
  overage: number;
}

export interface Call {
  cdr_id: string;
  user_id: string;
  start_ms: number;
  kind: string;
  counterpart: string;
  destination: string;
  quantity: number;
  included_qty: number;
  billed_qty: number;
  cost_micros: number;
  reasons: string[];
}

/** The descriptions a group's line can have (the invoice run's rules, aggregator/src/invoice.ts). */
const descriptions = (g: Group, catalog: Catalog): string[] => usageLineCandidates(g, g.overage, catalog);

/** Events of the invoice's account and month rated before it was issued (later ones are adjustments of a later invoice). */
const ofInvoice = (inv: StoredInvoice): string =>
  `account_id = ${str(inv.account_id)} AND month = ${int(inv.month)} AND rated_at_ms <= ${int(inv.issued_at_ms)}`;

const sectionOf = (g: Group): string => (g.kind === 'EVENT' ? 'event' : g.overage ? 'overage' : 'usage');

/** The rated-event groups behind each itemised line of the invoice, by line number. */
export async function lineGroups(store: Store, catalog: Catalog, inv: StoredInvoice): Promise<Map<number, Group[]>> {
  const groups = await store.query<Group>(
    `SELECT plan_id, kind, dest_class, destination, toUInt8(${OVERAGE_SQL}) AS overage
     FROM rated_events FINAL WHERE ${ofInvoice(inv)}
     GROUP BY plan_id, kind, dest_class, destination, overage`,
  );
  const lineOf = new Map<string, InvoiceLine>();
  for (const l of inv.lines) if (ITEMISED_SECTIONS.has(l.section) && l.period === inv.month) lineOf.set(`${l.section}|${l.description}`, l);
  const out = new Map<number, Group[]>();
  for (const g of groups) {
    for (const d of descriptions(g, catalog)) {
      const l = lineOf.get(`${sectionOf(g)}|${d}`);
      if (!l) continue;
      const list = out.get(l.line_no);
      if (list) list.push(g);
      else out.set(l.line_no, [g]);
      break;
    }
  }
  return out;
}

/** The calls of one line of the invoice (empty for a line not made of rated events). */
export async function lineCalls(store: Store, catalog: Catalog, inv: StoredInvoice, lineNo: number): Promise<Call[]> {
  const groups = (await lineGroups(store, catalog, inv)).get(lineNo) ?? [];
  if (groups.length === 0) return [];
  const which = groups
    .map(
      (g) =>
        `(plan_id = ${str(g.plan_id)} AND kind = ${str(g.kind)} AND dest_class = ${str(g.dest_class)} AND destination = ${str(g.destination)} AND ${g.overage ? '' : 'NOT '}(${OVERAGE_SQL}))`,
    )
    .join(' OR ');
  return store.query<Call>(
    `SELECT cdr_id, user_id, start_ms, kind, counterpart, destination, quantity, included_qty, billed_qty, cost_micros, reasons
     FROM rated_events FINAL WHERE ${ofInvoice(inv)} AND (${which})
     ORDER BY start_ms, cdr_id`,
  );
}

/** The calls of every itemised line of the invoice, by line number, in two queries. */
export async function itemiseInvoice(store: Store, catalog: Catalog, inv: StoredInvoice): Promise<Map<number, Call[]>> {
  const key = (g: Group) => `${g.plan_id}|${g.kind}|${g.dest_class}|${g.destination}|${g.overage ? 1 : 0}`;
  const lineOfGroup = new Map<string, number>();
  for (const [lineNo, groups] of await lineGroups(store, catalog, inv)) for (const g of groups) lineOfGroup.set(key(g), lineNo);
  const events = await store.query<Call & Group>(
    `SELECT cdr_id, user_id, start_ms, kind, counterpart, destination, quantity, included_qty, billed_qty, cost_micros, reasons,
            plan_id, dest_class, toUInt8(${OVERAGE_SQL}) AS overage
     FROM rated_events FINAL WHERE ${ofInvoice(inv)} ORDER BY start_ms, cdr_id`,
  );
  const out = new Map<number, Call[]>();
  for (const { plan_id: _p, dest_class: _d, overage: _o, ...call } of events) {
    const lineNo = lineOfGroup.get(key({ plan_id: _p, kind: call.kind, dest_class: _d, destination: call.destination, overage: _o }));
    if (lineNo === undefined) continue;
    const list = out.get(lineNo);
    if (list) list.push(call);
    else out.set(lineNo, [call]);
  }
  return out;
}

/** The number called with its last four digits masked (a short number is masked whole). */
export function maskNumber(n: string): string {
  return n.length > 4 ? `${n.slice(0, -4)}****` : '*'.repeat(n.length);
}
