/**
 * Piscina worker: lays out one invoice's PDF (invoice-pdf.ts) off the main thread. Laying out
 * the itemised-calls appendix is most of a month close's time (pdfkit measures every glyph), so
 * the month's PDFs are spread over the machine's cores (pdf-pool.ts). The bytes come back as a
 * transferred buffer.
 */
import type { Invoice } from './invoice.js';
import { invoicePdf } from './invoice-pdf.js';
import type { CallDetail } from './itemised.js';

export interface PdfTask {
  inv: Invoice;
  calls?: readonly CallDetail[] | undefined;
}

export default function renderPdf(task: PdfTask): ArrayBuffer {
  const pdf = invoicePdf(task.inv, task.calls);
  // A fresh ArrayBuffer of exactly the PDF (a Buffer may be a view of a shared pool).
  return pdf.buffer.slice(pdf.byteOffset, pdf.byteOffset + pdf.length) as ArrayBuffer;
}
