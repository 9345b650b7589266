/**
 * Loads and compiles the tariff catalog: plans, tariffs (price rules applied to a numbering
 * plan, or CSV rate decks), short codes and VAT rates. Every file is schema-checked; an error
 * names the file, the place in it and the rule broken (CATALOG_INVALID).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors, parseMoney } from '@ratel/schemas';
import { parse as parseCsv } from 'csv-parse/sync';
import { type CountryCode, getCountryCallingCode } from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/metadata.max.json';
import type { z } from 'zod';
import {
  DEST_CLASSES,
  type DeckRowInput,
  type DestClass,
  deckRowSchema,
  type PlanInput,
  plansFileSchema,
  type TariffFile,
  tariffFileSchema,
  vatFileSchema,
} from './catalog-schema.js';
import type { Dialling } from './normalise.js';
import { compileTrie, type DeckRow, type Trie } from './trie.js';

export const DEFAULT_CATALOG_DIR = fileURLToPath(new URL('../catalog/', import.meta.url));

export interface Plan {
  id: string;
  name: string;
  source: string;
  tariff: string;
  monthlyMicros: number;
  annualMicros: number | null;
  proration: 'prorata' | 'started_month_due';
  /** "FR:fixed" style keys of included voice destinations. */
  includedVoice: Set<string>;
  inbound: boolean;
  forwarded: boolean;
  smsIncluded: boolean;
  dataIncluded: boolean;
  caps: {
    distinctCallees: number;
    perCallSeconds: number;
    monthlySeconds: number;
    repeatedLongCallSeconds: number;
    /** The user's n-th forwarded call of the month to a non-operator number breaks the forward rule. */
    offNetForwardCalls: number;
    sms: number;
    smsDestinations: number;
    bytesNational: number;
    bytesEu: number;
  };
  /**
   * True when the monthly-seconds and SMS caps count every second and SMS part of the pack's
   * scope, billed or not (cap_counting "all_usage"); false when they count what was included.
   */
  capsCountAllUsage: boolean;
  repeatedLongCallBilling: 'call' | 'beyond' | 'none';
  offNetForwardBilling: 'call' | 'none';
  /** E.164 digit prefixes of the operator's own numbers (on-net forward targets). */
  operatorPrefixes: readonly string[];
  beyond: 'bill' | 'flag';
  premium: 'block' | 'bill';
  options: Map<string, { name: string; monthlyMicros: number }>;
  events: Map<string, { name: string; priceMicros: number }>;
  terminationFeeMicros: number | null;
  smsPriceMicros: number;
  dataPerMbMicros: number;
}

export interface Tariff {
  id: string;
  name: string;
  currency: string;
  trie: Trie;
}

export interface Catalog {
  dir: string;
  /** Hash of every file the catalog was built from. */
  version: string;
  plans: Map<string, Plan>;
  tariffs: Map<string, Tariff>;
  /** VAT rate per country, in basis points (20% = 2000). */
  vatBp: Map<string, number>;
}

interface NumberingRow {
  prefix: string;
  country: string;
  name: string;
  cls: DestClass;
}

type Hasher = ReturnType<typeof createHash>;

function readText(file: string, hash: Hasher): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw errors.catalogInvalid(file, '', `cannot read: ${(e as Error).message}`);
  }
  hash.update(file.slice(file.lastIndexOf('/') + 1)).update(text);
  return text;
}

function readJson<S extends z.ZodType>(file: string, schema: S, hash: Hasher): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(readText(file, hash));
  } catch (e) {
    if ((e as { code?: string }).code === 'CATALOG_INVALID') throw e;
    throw errors.catalogInvalid(file, '', `not valid JSON: ${(e as Error).message}`);
  }
  const res = schema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    throw errors.catalogInvalid(file, issuePath(issue), issue?.message ?? 'invalid');
  }
  return res.data;
}

/** The JSON path of a zod issue ("versions.0.rules.1.rate_per_min"). */
function issuePath(issue: z.core.$ZodIssue | undefined): string {
  return (issue?.path ?? []).map(String).join('.');
}

function readCsv(file: string, hash: Hasher): Record<string, string>[] {
  try {
    return parseCsv(readText(file, hash), { columns: true, skip_empty_lines: true, trim: true });
  } catch (e) {
    if ((e as { code?: string }).code === 'CATALOG_INVALID') throw e;
    throw errors.catalogInvalid(file, '', `bad CSV: ${(e as Error).message}`);
  }
}

const dayMs = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

/** Dialling rules (calling code, trunk and international prefixes) of a country, from libphonenumber. */
export function diallingOf(country: string): Dialling {
  const m = (metadata as unknown as { countries: Record<string, unknown[]> }).countries[country];
  if (!m) throw errors.configInvalid('country', `unknown country ${country}`);
  const cc = getCountryCallingCode(country as CountryCode);
  const intl = typeof m[1] === 'string' ? (m[1] as string) : '00';
  const trunk = typeof m[5] === 'string' ? (m[5] as string) : '';
  return { cc, trunk, intl: /^\d+$/.test(intl) ? intl : '00' };
}

function destClassAt(file: string, i: number, cls: string | undefined): DestClass {
  if (!(DEST_CLASSES as readonly string[]).includes(cls ?? '')) {
    throw errors.catalogInvalid(file, `line ${i + 2}`, `class "${cls}" is not one of ${DEST_CLASSES.join(', ')}`);
  }
  return cls as DestClass;
}

const ccCache = new Map<string, string>();
function ccOf(country: string): string {
  let cc = ccCache.get(country);
  if (cc === undefined) {
    try {
      cc = getCountryCallingCode(country as CountryCode);
    } catch {
      cc = '';
    }
    ccCache.set(country, cc);
  }
  return cc;
}

/** Calling code of a short code's country; an unknown country is a broken row, not a config error. */
function shortCodeCc(file: string, i: number, country: string): string {
  const cc = ccOf(country);
  if (!cc) throw errors.catalogInvalid(file, `line ${i + 2}`, `unknown country "${country}"`);
  return cc;
}

/** The numbering plan `numbering/<name>.csv` a tariff names (`numbering`, "world" by default). */
function loadNumbering(dir: string, hash: Hasher, name = 'world'): NumberingRow[] {
  const file = join(dir, 'numbering', `${name}.csv`);
  const rows = readCsv(file, hash).map((r, i) => {
    if (!/^\d{1,15}$/.test(r.prefix ?? '') || !r.country || !r.class) {
      throw errors.catalogInvalid(file, `line ${i + 2}`, 'each row needs prefix (digits), country, name, class');
    }
    return { prefix: r.prefix as string, country: r.country, name: r.name ?? '', cls: destClassAt(file, i, r.class) };
  });
  // Contract rules that differ from libphonenumber's typing (e.g. SPEC §2: Belgian 070/078 are
  // shared cost, not premium) replace the generated rows of the same prefix.
  const ovFile = join(dir, 'numbering', 'overrides.csv');
  if (existsSync(ovFile)) {
    const byPrefix = new Map(rows.map((r, i) => [r.prefix, i]));
    for (const [i, r] of readCsv(ovFile, hash).entries()) {
      if (!/^\d{1,15}$/.test(r.prefix ?? '') || !r.country || !r.source) {
        throw errors.catalogInvalid(ovFile, `line ${i + 2}`, 'each override needs prefix (digits), country, name, class and source');
      }
      const row = { prefix: r.prefix as string, country: r.country, name: r.name ?? '', cls: destClassAt(ovFile, i, r.class) };
      const at = byPrefix.get(row.prefix);
      if (at === undefined) rows.push(row);
      else rows[at] = row;
    }
  }
  // A country-level row under each calling code, so numbers in ranges the numbering plan does
  // not list (unallocated, reserved) still rate at the country's catch-all price, as carrier decks
  // do with their "<country> other" row. Never included in a pack (class special).
  const have = new Set(rows.map((r) => r.prefix));
  const byCc = new Map<string, NumberingRow>();
  for (const r of rows) {
    for (let len = 1; len <= 3; len++) {
      const cc = r.prefix.slice(0, len);
      if (ccOf(r.country) === cc && !have.has(cc) && !byCc.has(cc))
        byCc.set(cc, {
          prefix: cc,
          country: r.country,
          name: `${r.name.replace(/ (fixed|mobile|special|premium|freephone)$/, '')} (other)`,
          cls: 'special',
        });
    }
  }
  rows.push(...byCc.values());
  const scFile = join(dir, 'numbering', 'short-codes.csv');
  for (const [i, r] of readCsv(scFile, hash).entries()) {
    if (!r.country || !/^\d{2,6}$/.test(r.code ?? ''))
      throw errors.catalogInvalid(scFile, `line ${i + 2}`, 'country and 2-6 digit code required');
    rows.push({
      prefix: `0${shortCodeCc(scFile, i, r.country)}${r.code}`,
      country: r.country,
      name: r.name ?? r.code ?? '',
      cls: destClassAt(scFile, i, r.class),
    });
  }
  return rows;
}

/** Applies a tariff's price rules to the numbering plan: one deck row per prefix and version. */
function expandTariff(t: TariffFile, numbering: NumberingRow[], file: string): DeckRow[] {
  const out: DeckRow[] = [];
  const versions = [...t.versions].sort((a, b) => a.effective_from.localeCompare(b.effective_from));
  versions.forEach((v, vi) => {
    const fromMs = dayMs(v.effective_from);
    const next = versions[vi + 1];
    const toMs = v.effective_to ? dayMs(v.effective_to) : next ? dayMs(next.effective_from) : Number.POSITIVE_INFINITY;
    const rules = v.rules.map((r) => ({
      band: r.band,
      countries: r.match.country ? new Set(r.match.country) : null,
      classes: r.match.class ? new Set<string>(r.match.class) : null,
      rate: parseMoney(r.rate_per_min),
      connect: parseMoney(r.connect_fee),
      min: parseMoney(r.min_charge),
      first: r.first_increment,
      nextI: r.next_increment,
    }));
    for (const n of numbering) {
      // The first matching rule of each band prices the prefix; an "any" rule ends the search.
      const seen = new Set<string>();
      for (const rule of rules) {
        if ((rule.countries && !rule.countries.has(n.country)) || (rule.classes && !rule.classes.has(n.cls)) || seen.has(rule.band))
          continue;
        seen.add(rule.band);
        out.push({
          prefix: n.prefix,
          destination: n.name,
          cls: n.cls,
          country: n.country,
          rateMicrosPerMin: rule.rate,
          connectMicros: rule.connect,
          minChargeMicros: rule.min,
          firstIncrement: rule.first,
          nextIncrement: rule.nextI,
          band: rule.band,
          fromMs,
          toMs,
        });
        if (rule.band === 'any') break;
      }
      if (!seen.has('any'))
        throw errors.catalogInvalid(
          file,
          `versions.${vi}.rules`,
          `no rule prices ${n.country} ${n.cls} (prefix ${n.prefix}) in every band; end with a catch-all rule`,
        );
    }
  });
  return out;
}

/** Reads a CSV rate deck (one row per prefix, band and effective period). */
export function loadDeckCsv(file: string, hash: Hasher = createHash('sha256')): DeckRow[] {
  const rows = readCsv(file, hash).map((raw, i) => {
    const res = deckRowSchema.safeParse({
      ...raw,
      first_increment: raw.first_increment ? Number(raw.first_increment) : undefined,
      next_increment: raw.next_increment ? Number(raw.next_increment) : undefined,
      connect_fee: raw.connect_fee || undefined,
      min_charge: raw.min_charge || undefined,
      band: raw.band || undefined,
    });
    if (!res.success) {
      const issue = res.error.issues[0];
      throw errors.catalogInvalid(
        file,
        `line ${i + 2}${issue?.path.length ? ` column ${issuePath(issue)}` : ''}`,
        issue?.message ?? 'invalid',
      );
    }
    return deckRowFromInput(res.data);
  });
  refuseOverlaps(rows, file);
  return rows;
}

/**
 * Two rows of one prefix and band in force on the same day would leave the price to the order
 * of rows in the trie: the periods of each prefix and band must follow each other.
 */
function refuseOverlaps(rows: readonly DeckRow[], file: string): void {
  const byKey = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const key = `${r.prefix}|${r.band}`;
    const list = byKey.get(key);
    if (list) list.push(i);
    else byKey.set(key, [i]);
  });
  for (const list of byKey.values()) {
    const sorted = [...list].sort((a, b) => (rows[a] as DeckRow).fromMs - (rows[b] as DeckRow).fromMs || a - b);
    for (let k = 1; k < sorted.length; k++) {
      const prev = sorted[k - 1] as number;
      const cur = sorted[k] as number;
      const p = rows[prev] as DeckRow;
      if (p.toMs > (rows[cur] as DeckRow).fromMs)
        throw errors.catalogInvalid(
          file,
          `line ${Math.max(prev, cur) + 2}`,
          `prefix ${p.prefix} band ${p.band} is in force twice on one day (overlaps line ${Math.min(prev, cur) + 2})`,
        );
    }
  }
}

export function deckRowFromInput(r: DeckRowInput): DeckRow {
  return {
    prefix: r.prefix,
    destination: r.destination,
    cls: r.class,
    country: r.country,
    rateMicrosPerMin: parseMoney(r.rate_per_min),
    connectMicros: parseMoney(r.connect_fee),
    minChargeMicros: parseMoney(r.min_charge),
    firstIncrement: r.first_increment,
    nextIncrement: r.next_increment,
    band: r.band,
    fromMs: dayMs(r.effective_from),
    toMs: r.effective_to ? dayMs(r.effective_to) : Number.POSITIVE_INFINITY,
  };
}

const cap = (v: number | null): number => (v === null ? Number.POSITIVE_INFINITY : v);

export function compilePlan(p: PlanInput): Plan {
  return {
    id: p.id,
    name: p.name,
    source: p.source,
    tariff: p.tariff,
    monthlyMicros: parseMoney(p.recurring.monthly),
    annualMicros: p.recurring.annual === null ? null : parseMoney(p.recurring.annual),
    proration: p.proration,
    includedVoice: new Set(p.included.voice.flatMap((v) => v.classes.map((c) => `${v.country}:${c}`))),
    inbound: p.included.inbound,
    forwarded: p.included.forwarded,
    smsIncluded: p.included.sms,
    dataIncluded: p.included.data,
    caps: {
      distinctCallees: cap(p.fair_use.distinct_callees),
      perCallSeconds: cap(p.fair_use.per_call_seconds),
      monthlySeconds: cap(p.fair_use.monthly_seconds),
      repeatedLongCallSeconds: cap(p.fair_use.repeated_long_calls_seconds),
      offNetForwardCalls: cap(p.fair_use.off_net_forward_calls ?? null),
      sms: cap(p.fair_use.sms),
      smsDestinations: cap(p.fair_use.sms_destinations),
      bytesNational: cap(p.fair_use.bytes_national),
      bytesEu: cap(p.fair_use.bytes_eu),
    },
    // The schema's defaults again, for plans built by a program without them (older PlanInputs).
    capsCountAllUsage: (p.fair_use.cap_counting ?? 'all_usage') === 'all_usage',
    repeatedLongCallBilling: p.fair_use.repeated_long_calls_billing ?? 'call',
    offNetForwardBilling: p.fair_use.off_net_forward_billing ?? 'call',
    operatorPrefixes: Object.freeze([...(p.fair_use.operator_prefixes ?? [])]),
    beyond: p.beyond,
    premium: p.premium,
    options: new Map(Object.entries(p.options).map(([k, o]) => [k, { name: o.name, monthlyMicros: parseMoney(o.monthly) }])),
    events: new Map(Object.entries(p.events).map(([k, e]) => [k, { name: e.name, priceMicros: parseMoney(e.price) }])),
    terminationFeeMicros: p.termination_fee === null ? null : parseMoney(p.termination_fee),
    smsPriceMicros: p.sms_price === null ? 0 : parseMoney(p.sms_price),
    dataPerMbMicros: p.data_price_per_mb === null ? 0 : parseMoney(p.data_price_per_mb),
  };
}

/** Loads the catalog in `dir` (default: the catalog shipped with ratel). */
export function loadCatalog(dir: string = DEFAULT_CATALOG_DIR): Catalog {
  const hash = createHash('sha256');
  const plansFile = join(dir, 'plans.json');
  const plans = new Map(readJson(plansFile, plansFileSchema, hash).plans.map((p) => [p.id, compilePlan(p)]));
  // Each tariff is applied to the numbering plan it names, each plan read once.
  const numberings = new Map<string, NumberingRow[]>();
  const tariffs = new Map<string, Tariff>();
  const tdir = join(dir, 'tariffs');
  const fileOfTariff = new Map<string, string>();
  for (const f of readdirSync(tdir)
    .filter((x) => x.endsWith('.json'))
    .sort()) {
    const file = join(tdir, f);
    const t = readJson(file, tariffFileSchema, hash);
    // A repeated id would silently replace the first tariff of that id.
    const first = fileOfTariff.get(t.id);
    if (first !== undefined) throw errors.catalogInvalid(file, 'id', `tariff id "${t.id}" is already the id of ${first}`);
    fileOfTariff.set(t.id, f);
    const deckFile = join(tdir, `${t.id}.csv`);
    if (!/^[\w-]+$/.test(t.numbering) || !existsSync(join(dir, 'numbering', `${t.numbering}.csv`)))
      throw errors.catalogInvalid(file, 'numbering', `no numbering plan "${t.numbering}" (numbering/${t.numbering}.csv)`);
    let numbering = numberings.get(t.numbering);
    if (numbering === undefined) {
      numbering = loadNumbering(dir, hash, t.numbering);
      numberings.set(t.numbering, numbering);
    }
    const rows = [...expandTariff(t, numbering, file), ...(existsSync(deckFile) ? loadDeckCsv(deckFile, hash) : [])];
    tariffs.set(t.id, { id: t.id, name: t.name, currency: t.currency, trie: compileTrie(rows) });
  }
  for (const p of plans.values()) {
    if (!tariffs.has(p.tariff)) throw errors.catalogInvalid(plansFile, `plan ${p.id}`, `unknown tariff "${p.tariff}"`);
  }
  const vatFile = join(dir, 'vat.json');
  const vat = readJson(vatFile, vatFileSchema, hash);
  const vatBp = new Map(Object.entries(vat.rates_percent).map(([c, pct]) => [c, Math.round(Number(pct) * 100)]));
  return { dir, version: hash.digest('hex').slice(0, 12), plans, tariffs, vatBp };
}
