/** Wording every invoice format shares (text, HTML, PDF): section titles and quantity columns. */
import type { InvoiceLine } from './invoice.js';
import type { CallDetail } from './itemised.js';

export const SECTION_TITLES: Record<string, string> = {
  recurring: 'Subscriptions',
  option: 'Options',
  termination: 'Termination fees',
  usage: 'Usage',
  overage: 'Fair-use overage',
  event: 'Services',
  adjustment: 'Adjustments (earlier months)',
};

/** Quantity column of a line: what an overage line bills; what a usage line's pack included and what it billed. */
export function quantityText(l: InvoiceLine): string {
  return l.section === 'overage'
    ? `${l.quantity} ${l.unit} billed`
    : l.section === 'usage' || l.section === 'event'
      ? `${l.included_qty} incl. / ${l.billed_qty} billed ${l.unit}`
      : `${l.quantity} ${l.unit}`;
}

/** The duration of a call (or the quantity of another event) as the itemised detail shows it. */
export const callQuantityText = (c: CallDetail): string => (c.kind === 'VOICE' ? `${c.quantity} s` : `${c.quantity} ${c.unit}`);
