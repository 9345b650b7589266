/**
 * What French and Belgian invoices must carry beside their lines: the seller's identity, the
 * buyer's, a number of one gap-free sequence per seller and year, the issue and due dates, VAT
 * per rate and the legal text on late payment. The seller, numbering and text come from the
 * config (`seller.*`, `invoice.*`), the buyer from the accounts file (`buyer`).
 */
import { errors, localTime } from '@ratel/schemas';

/** The seller as the config gives it; a missing field is null (the invoice is then a draft). */
export interface Seller {
  name: string | null;
  address: string | null;
  companyNumber: string | null;
  vatNumber: string | null;
}

export interface InvoiceTerms {
  seller: Seller;
  /** Numbers are `<prefix>-<year>-<6 digits>`. */
  numberPrefix: string;
  /** Due date = issue date + this many days. */
  paymentTermsDays: number;
  /** Time zone the issue and due dates are read in. */
  timeZone: string;
  legalText: string;
}

export const DEFAULT_NUMBER_PREFIX = 'FA';
export const DEFAULT_PAYMENT_TERMS_DAYS = 30;
export const DEFAULT_INVOICE_TIME_ZONE = 'Europe/Paris';
export const DEFAULT_LEGAL_TEXT =
  'Payment due by the due date; no discount for early payment. Late payment: penalties at three times the ' +
  'French legal interest rate from the day after the due date, and a fixed indemnity of 40 EUR for recovery ' +
  'costs (French Commercial Code, article L441-10).';

export const NO_SELLER: Seller = { name: null, address: null, companyNumber: null, vatNumber: null };

/** Terms with no seller identity: the invoices are numbered but marked as drafts. */
export const DEFAULT_TERMS: InvoiceTerms = {
  seller: NO_SELLER,
  numberPrefix: DEFAULT_NUMBER_PREFIX,
  paymentTermsDays: DEFAULT_PAYMENT_TERMS_DAYS,
  timeZone: DEFAULT_INVOICE_TIME_ZONE,
  legalText: DEFAULT_LEGAL_TEXT,
};

/**
 * The sample seller of the month job (`npm start`), which invoices generated accounts: used when
 * the config names no complete seller, so the demo's invoices show every field. Not a real company.
 */
export const SAMPLE_SELLER: Seller = {
  name: 'Ratel Sample Telecom SAS (sample seller)',
  address: "1 rue de l'Exemple\n75001 Paris\nFrance",
  companyNumber: 'SIREN 000 000 000 (sample)',
  vatNumber: 'FR00000000000 (sample)',
};

/** The config keys of the seller fields that are not set. */
export function missingSellerFields(s: Seller): string[] {
  const keys: [keyof Seller, string][] = [
    ['name', 'seller.name'],
    ['address', 'seller.address'],
    ['companyNumber', 'seller.companyNumber'],
    ['vatNumber', 'seller.vatNumber'],
  ];
  return keys.filter(([k]) => !s[k]).map(([, key]) => key);
}

/** Whether an invoice names its seller in full; one that does not is a draft, not a valid invoice. */
export const isDraft = (inv: {
  seller: { name: string | null; address: string | null; company_number: string | null; vat_number: string | null };
}): boolean => !inv.seller.name || !inv.seller.address || !inv.seller.company_number || !inv.seller.vat_number;

/** Lines of an address (the accounts file and config separate them with line breaks). */
export const addressLines = (a: string | null): string[] =>
  (a ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

/** The sequence a seller's numbers belong to (with the year): its VAT number, else its company number, else ''. */
export function sellerKey(s: Seller): string {
  return s.vatNumber ?? s.companyNumber ?? '';
}

/** `FA-2026-000001`. */
export function formatInvoiceNumber(prefix: string, year: number, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`not an invoice sequence number: ${seq}`);
  return `${prefix}-${year}-${String(seq).padStart(6, '0')}`;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM:SS`: the wall-clock time of `ms` in `timeZone`. */
function formatted(ms: number, timeZone: string): string {
  const t = localTime(ms, timeZone);
  return `${t.year}-${pad2(t.month)}-${pad2(t.day)} ${pad2(t.hour)}:${pad2(t.minute)}:${pad2(t.second)}`;
}

/** UTC offset of a zone by quarter hour (zones change offset on a quarter hour): ms to add to UTC. */
const offsets = new Map<string, Map<number, number>>();
const QUARTER = 900_000;

/** `YYYY-MM-DD HH:MM:SS` of an instant in a time zone. */
export function localDateTime(ms: number, timeZone: string): string {
  let byQuarter = offsets.get(timeZone);
  if (byQuarter === undefined) {
    byQuarter = new Map();
    offsets.set(timeZone, byQuarter);
  }
  const q = Math.floor(ms / QUARTER);
  let offset = byQuarter.get(q);
  if (offset === undefined) {
    const start = q * QUARTER;
    offset = Date.parse(`${formatted(start, timeZone).replace(' ', 'T')}Z`) - start;
    byQuarter.set(q, offset);
  }
  return new Date(ms + offset).toISOString().slice(0, 19).replace('T', ' ');
}

/** `YYYY-MM-DD` of an instant in a time zone. */
export const localDate = (ms: number, timeZone: string): string => localDateTime(ms, timeZone).slice(0, 10);

/** A calendar date plus `days` days. */
export function addDays(date: string, days: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms)) throw errors.configInvalid('invoice', `not a date: ${date}`);
  return new Date(ms + days * 86_400_000).toISOString().slice(0, 10);
}
