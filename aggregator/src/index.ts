export {
  type AccountMonthHistory,
  type AccountMonthKey,
  accountMonthKey,
  archivedAccountMonths,
  archiveRows,
  loadHistory,
  type StoredRating,
  writeCdrs,
} from './cdr-archive.js';
export {
  type BuyerParty,
  buildInvoice,
  type Invoice,
  type InvoiceLine,
  type InvoiceRunOptions,
  type InvoiceRunResult,
  issuedInvoiceIds,
  type LateUsage,
  lateUsage,
  monthLabel,
  readInvoice,
  readIssuedInvoices,
  recurringFee,
  roundHalfUpToCent,
  runInvoices,
  type Section,
  type SellerParty,
  type StoredInvoice,
  sellerParty,
  usageLineCandidates,
  usageLineOf,
  type VatAtRate,
  vatBreakdown,
  vatOf,
} from './invoice.js';
export { invoicePdf } from './invoice-pdf.js';
export {
  callQuantityText,
  callsCsv,
  csvNumber,
  csvText,
  decodeFileStem,
  encodeFileStem,
  ensureWritableDir,
  hasInvoiceFiles,
  INVOICE_FILE_TYPES,
  type InvoiceFileFailure,
  type InvoiceFilesResult,
  invoiceCsv,
  invoiceFilePaths,
  invoiceFolder,
  invoiceHtml,
  invoiceJson,
  invoiceText,
  MAX_STEM_BYTES,
  vatLabel,
  writeInvoiceFiles,
} from './invoice-render.js';
export {
  addDays,
  addressLines,
  DEFAULT_INVOICE_TIME_ZONE,
  DEFAULT_LEGAL_TEXT,
  DEFAULT_NUMBER_PREFIX,
  DEFAULT_PAYMENT_TERMS_DAYS,
  DEFAULT_TERMS,
  formatInvoiceNumber,
  type InvoiceTerms,
  isDraft,
  localDate,
  localDateTime,
  missingSellerFields,
  NO_SELLER,
  SAMPLE_SELLER,
  type Seller,
  sellerKey,
} from './invoice-terms.js';
export { type CallDetail, callsByUser, itemisedCalls, itemisedSql, maskNumber } from './itemised.js';
export { type CloseOptions, closeMonth, type MonthClose, writeMonthFiles } from './month-close.js';
export { PDF_WORKER, renderPdfs } from './pdf-pool.js';
export { type AlertRow, type DeadLetterRow, writeAlerts, writeDeadLetters, writeRated } from './rated-events.js';
export { ratingCatalogs, recordRatingCatalog } from './rating-catalogs.js';
export { readAlerts, readDeadLetters, readRatings, type Scope } from './readers.js';
export { ARCHIVE_DAYS, expiredAccounts, purgeDeactivated } from './retention.js';
export { flagRoamingAbuse, ROAMING_ABUSE_MONTHS, type RoamingAbuse, roamingAbuse } from './roaming-abuse.js';
export { createRowsEncoder, ROWS_ENCODER_MODULE, type RowsEncoderOptions, rowsEncoderFor } from './rows-encoder.js';
export { encodedStoreSink, encodeRows, storeHistory, storeSink } from './session-ports.js';
export { openChdbStore } from './store/chdb-store.js';
export { createSchema, dropMonthsBefore, TABLES, type TableName } from './store/ddl.js';
export { openStore, type StoreConfig } from './store/open-store.js';
export { type Column, type ColumnSource, type ColumnType, columnsOf, type RowEncoder, rowEncoder, tsvEncoder } from './store/row-binary.js';
export { openServerStore, type ServerAuth } from './store/server-store.js';
export { type EncodedRows, type EngineName, int, type Store, str, strList } from './store/store.js';
export { createViews, VIEWS } from './store/views.js';
export { type FinanceSummary, financeSummary, summaryText } from './summary.js';
export { FAIR_USE_REASONS, type MonthSummary, monthSummary, monthTotals, monthTotalsSql, type UsageTotal } from './totals.js';
