/**
 * A store in memory behind a rating pool's ports, for the rater tests: it takes the rows the
 * workers encode for the embedded engine (TabSeparated, read back here), keeps them as ClickHouse's
 * ReplacingMergeTree tables read with FINAL would (one archived CDR per id, one rated event per
 * id and version, one alert per key), and serves them back as history.
 */

import { columnsOf, TABLES, type TableName } from '@ratel/aggregator';
import {
  accountMonthKey,
  type EncodedRows,
  type EncodedRowsSink,
  type HistoryPort,
  type PriorRating,
  type StoredAccountMonth,
} from '@ratel/rater';
import { type Cdr, cdrType, type RatedEvent } from '@ratel/schemas';

interface ArchivedRow {
  account_id: string;
  month: number;
  cdr_id: string;
  start_ms: number;
  record: string;
}

export class MemStore {
  readonly cdrs = new Map<string, ArchivedRow>();
  readonly events = new Map<string, RatedEvent>();
  readonly alerts = new Map<string, object>();
  readonly catalogs = new Map<number, string>();
  /** Writes waiting to be stored, resolved by settle() (or at once when `immediate`). */
  private waiting: (() => void)[] = [];

  /**
   * `immediate`: writes are stored at once (else when settle() is called); `jitter`: each history
   * read answers after a random delay of up to that many milliseconds, so that reads of batches in
   * flight together come back in any order.
   */
  constructor(
    readonly immediate = true,
    readonly jitter = 0,
  ) {}

  private wait(): Promise<void> {
    return this.jitter > 0 ? new Promise((r) => setTimeout(r, Math.random() * this.jitter)) : Promise.resolve();
  }

  readonly sink: EncodedRowsSink = {
    write: (parts) => {
      const rows = parts.map((p) => ({ p, lines: linesOf(p) }));
      const store = () => {
        for (const { p, lines } of rows) for (const l of lines) this.put(p.table, l);
      };
      if (this.immediate) {
        store();
        return Promise.resolve();
      }
      return new Promise<void>((ok) =>
        this.waiting.push(() => {
          store();
          ok();
        }),
      );
    },
    drain: async () => {
      while (this.waiting.length > 0) await new Promise((r) => setTimeout(r, 1));
    },
  };

  /** Stores every write waiting. */
  settle(): void {
    for (const w of this.waiting.splice(0)) w();
  }

  readonly history: HistoryPort = {
    archived: async (from) => {
      await this.wait();
      const keys = new Set<string>();
      for (const r of this.cdrs.values()) if (r.month >= from) keys.add(accountMonthKey(r.account_id, r.month));
      return keys;
    },
    load: async (keys) => {
      await this.wait();
      const out = new Map<string, StoredAccountMonth>();
      for (const k of keys) out.set(accountMonthKey(k.account_id, k.month), { key: k, cdrs: [], bodies: [], ratings: new Map() });
      for (const r of this.cdrs.values()) {
        const h = out.get(accountMonthKey(r.account_id, r.month));
        if (!h) continue;
        const body = Buffer.from(r.record, 'base64');
        h.cdrs.push(cdrType.fromBuffer(body) as Cdr);
        (h.bodies as Uint8Array[]).push(body);
      }
      for (const e of this.latest().values()) {
        const h = out.get(accountMonthKey(e.account_id, e.month));
        (h?.ratings as Map<string, PriorRating> | undefined)?.set(e.cdr_id, e);
      }
      return [...out.values()];
    },
    ratingCatalogs: async () => {
      await this.wait();
      return new Map(this.catalogs);
    },
    recordRatingCatalog: async (month, version) => {
      await this.wait();
      if (!this.catalogs.has(month)) this.catalogs.set(month, version);
    },
  };

  /** The highest version of each CDR's rating (rated_events FINAL, latest). */
  latest(): Map<string, RatedEvent> {
    const m = new Map<string, RatedEvent>();
    for (const e of this.events.values()) {
      const k = `${e.account_id}|${e.month}|${e.cdr_id}`;
      const p = m.get(k);
      if (!p || p.version < e.version) m.set(k, e);
    }
    return m;
  }

  private put(table: string, row: Record<string, unknown>): void {
    if (table === 'cdrs') {
      const r = row as unknown as ArchivedRow;
      this.cdrs.set(`${r.account_id}|${r.month}|${r.cdr_id}`, r);
    } else if (table === 'rated_events') {
      const e = row as unknown as RatedEvent;
      this.events.set(`${e.account_id}|${e.month}|${e.cdr_id}|${e.version}`, e);
    } else if (table === 'alerts') this.alerts.set(JSON.stringify(row), row);
  }
}

function linesOf(p: EncodedRows): Record<string, unknown>[] {
  const text = typeof p.data === 'string' ? p.data : p.data.toString('utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (p.format === 'JSONEachRow') return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  if (p.format !== 'TabSeparated') throw new Error(`MemStore reads TabSeparated or JSONEachRow, not ${p.format}`);
  const columns = columnsOf(TABLES[p.table as TableName]);
  return lines.map((l) => {
    const fields = l.split('\t');
    if (fields.length !== columns.length) throw new Error(`${p.table}: ${fields.length} fields, ${columns.length} columns`);
    return Object.fromEntries(columns.map((c, k) => [c.name, fieldValue(c.type, fields[k] as string)]));
  });
}

const UNESCAPE: Record<string, string> = { b: '\b', f: '\f', r: '\r', n: '\n', t: '\t', '0': '\0', "'": "'", '\\': '\\' };
const unescapeTsv = (s: string): string => s.replace(/\\(.)/g, (_, c: string) => UNESCAPE[c] ?? c);

/** A TabSeparated field as its column's value (strings unescaped, arrays of quoted strings). */
function fieldValue(type: string, field: string): unknown {
  if (type === 'String') return unescapeTsv(field);
  if (type === 'Array(String)') return [...field.slice(1, -1).matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => unescapeTsv(m[1] as string));
  return Number(field);
}
