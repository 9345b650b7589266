/** A small issued invoice for the file and CSV tests. */
import type { Invoice } from '@ratel/aggregator';

export function invoiceOf(accountId: string, over: Partial<Invoice> = {}): Invoice {
  return {
    invoice_id: `${accountId}-202610`,
    number: 'FA-2026-000001',
    account_id: accountId,
    account_name: `Name of ${accountId}`,
    month: 202610,
    issued_at_ms: Date.parse('2026-11-01T00:00:00Z'),
    issue_date: '2026-11-01',
    due_date: '2026-12-01',
    payment_terms_days: 30,
    seller: { name: 'Seller SAS', address: '1 rue A\n75001 Paris', company_number: '123 456 789', vat_number: 'FR12123456789' },
    buyer: { name: `Name of ${accountId}`, address: null, vat_id: null },
    vat_breakdown: [{ vat_bp: 2000, base_micros: 5_000_000, vat_micros: 1_000_000 }],
    legal_text: 'Late payment: penalties and a 40 EUR recovery fee.',
    currency: 'EUR',
    vat_country: 'FR',
    vat_bp: 2000,
    total_excl_micros: 5_000_000,
    vat_micros: 1_000_000,
    total_incl_micros: 6_000_000,
    catalog_version: 'test',
    lines: [
      {
        line_no: 1,
        section: 'recurring',
        period: 202611,
        description: 'Forfait Start, 2026-11 (in advance)',
        user_id: `${accountId}-u1`,
        quantity: 30,
        included_qty: 0,
        billed_qty: 30,
        unit: 'days',
        amount_micros: 5_000_000,
      },
    ],
    ...over,
  };
}
