/** What a dashboard page holds: tiles, charts and tables, rendered as HTML or a table as CSV. */

export type CellType = 'text' | 'int' | 'money' | 'list';
export type Row = Record<string, unknown>;

export interface Column {
  key: string;
  label: string;
  type: CellType;
  /** A link for the cell (a path of the dashboard), when the row leads somewhere. */
  link?: (row: Row) => string | null;
}

export interface Table {
  /** Unique on its page; the CSV of the table is `<page>?…&csv=<id>`. */
  id: string;
  title: string;
  columns: Column[];
  rows: Row[];
  /** A totals row shown under the rows (and written last in the CSV). */
  total?: Row;
  note?: string;
}

export interface Chart {
  id: string;
  title: string;
  type: 'bar' | 'line' | 'doughnut';
  labels: string[];
  /** Values in euros (money) or counts, one series per dataset. */
  series: { label: string; data: number[] }[];
  horizontal?: boolean;
}

export interface Tile {
  id: string;
  label: string;
  /** Shown as is (money already formatted). */
  value: string;
  hint?: string;
}

export interface Page {
  /** The nav entry it belongs to (overview, destinations, fair-use, late, invoices). */
  nav: string;
  title: string;
  /** yyyymm shown, null when the store holds no month yet. */
  month: number | null;
  months: number[];
  crumbs?: { label: string; href: string }[];
  tiles: Tile[];
  charts: Chart[];
  tables: Table[];
}
