/** CDR sources by format name (`ratel import --format NAME`). */
import type { AccountBook, Directory } from '@ratel/rater';
import { errors } from '@ratel/schemas';
import { DELIMITERS, type DelimitedFormat, DelimitedSource } from './delimited.js';
import { JsonLinesSource } from './jsonl.js';
import { loadMapping, MappedReader, type Mapping } from './mapping.js';
import { RatelCsvSource } from './ratel-csv.js';
import { RatelJsonLinesSource } from './ratel-jsonl.js';
import type { CdrSource } from './source.js';

export { DelimitedSource } from './delimited.js';
export {
  compileLayout,
  hash128,
  ISO_NO_OFFSET,
  ISO_OFFSET,
  ISO_UNREAD,
  isoWallTo,
  layoutTo,
  parseIsoWall,
  parseLayout,
  parseScaled,
  scaledTo,
  Zone,
} from './fields.js';
export { JsonLinesSource } from './jsonl.js';
export { e164, loadMapping, MappedReader, type Mapping, mappingSchema, parseMapping, type Row } from './mapping.js';
export { RATEL_CSV_COLUMNS, RatelCsvSource, ratelCsvHeader, ratelCsvLine } from './ratel-csv.js';
export { RatelJsonLinesSource, ratelJsonLine } from './ratel-jsonl.js';
export { type CdrSource, type LineResult, LineStatus, newLineResult } from './source.js';

/** The formats `ratel import --format` takes; the generic ones need a mapping. */
export const FORMATS = ['ratel-csv', 'ratel-jsonl', 'csv', 'tsv', 'psv', 'jsonl'] as const;
export type FormatName = (typeof FORMATS)[number];
export const needsMapping = (f: FormatName): boolean => f !== 'ratel-csv' && f !== 'ratel-jsonl';

export interface SourceOptions {
  format: FormatName;
  /** The mapping (generic formats): a file to load, or a mapping object already checked. */
  mapping?: string | Mapping | undefined;
  /** Where the mapping came from, for errors (defaults to the file name). */
  mappingName?: string;
  accounts: AccountBook;
  directory: Directory | null;
}

/** The source of a format; CONFIG_INVALID when a generic format has no mapping or ratel's own gets one. */
export function createSource(o: SourceOptions): CdrSource {
  if (!(FORMATS as readonly string[]).includes(o.format))
    throw errors.usageInvalid(`--format ${o.format}: not one of ${FORMATS.join(', ')}`);
  if (!needsMapping(o.format)) {
    if (o.mapping !== undefined) throw errors.usageInvalid(`--format ${o.format} is ratel's own layout: it takes no --mapping`);
    return o.format === 'ratel-csv' ? new RatelCsvSource() : new RatelJsonLinesSource();
  }
  if (o.mapping === undefined) throw errors.usageInvalid(`--format ${o.format} needs --mapping FILE (see the README, "Mapping files")`);
  const name = o.mappingName ?? (typeof o.mapping === 'string' ? o.mapping : 'mapping');
  const mapping = typeof o.mapping === 'string' ? loadMapping(o.mapping) : o.mapping;
  const reader = new MappedReader(mapping, o.directory, o.accounts);
  if (o.format === 'jsonl') return new JsonLinesSource(reader, name);
  return new DelimitedSource(o.format as DelimitedFormat, mapping, reader);
}

export { DELIMITERS };
