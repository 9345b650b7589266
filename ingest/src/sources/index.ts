/** CDR sources by format name (`ratel import --format NAME`). */
import type { AccountBook, Directory } from '@ratel/rater';
import { errors } from '@ratel/schemas';
import { DELIMITERS, type DelimitedFormat, DelimitedSource } from './delimited.js';
import { JsonLinesSource } from './jsonl.js';
import { KamailioCdrSource } from './kamailio.js';
import { KamailioAccSource } from './kamailio-acc.js';
import { defaultKamailioProfile, type KamailioProfile, loadKamailioProfile, parseKamailioProfile } from './kamailio-profile.js';
import { loadMapping, MappedReader, type Mapping } from './mapping.js';
import { RatelCsvSource } from './ratel-csv.js';
import { RatelJsonLinesSource } from './ratel-jsonl.js';
import type { CdrSource } from './source.js';
import { createSwitchSource, SWITCH_FORMATS, type SwitchFormat } from './switches.js';

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
export { EXAMPLE_TEMPLATE } from './freeswitch-csv.js';
export { JsonLinesSource } from './jsonl.js';
export { KamailioCdrSource } from './kamailio.js';
export { KamailioAccSource } from './kamailio-acc.js';
export { type KamailioProfile, kamailioProfileSchema, loadKamailioProfile, parseKamailioProfile } from './kamailio-profile.js';
export { e164, loadMapping, MappedReader, type Mapping, mappingSchema, parseMapping, type Row } from './mapping.js';
export { RATEL_CSV_COLUMNS, RatelCsvSource, ratelCsvHeader, ratelCsvLine } from './ratel-csv.js';
export { RatelJsonLinesSource, ratelJsonLine } from './ratel-jsonl.js';
export { type CdrSource, type HeldLine, type LineResult, LineStatus, newLineResult } from './source.js';
export { SWITCH_FORMATS, type SwitchFormat, switchProfile } from './switches.js';
export { compileCustomMapping, compileFsTemplate, TemplateScanner } from './templates.js';

export const KAMAILIO_FORMATS = ['kamailio', 'kamailio-acc'] as const;
export type KamailioFormat = (typeof KAMAILIO_FORMATS)[number];

/** The formats `ratel import --format` takes; the generic ones need a mapping, the switch and Kamailio formats take an optional profile. */
export const FORMATS = ['ratel-csv', 'ratel-jsonl', 'csv', 'tsv', 'psv', 'jsonl', ...SWITCH_FORMATS, ...KAMAILIO_FORMATS] as const;
export type FormatName = (typeof FORMATS)[number];
const isSwitch = (f: string): f is SwitchFormat => (SWITCH_FORMATS as readonly string[]).includes(f);
const isKamailio = (f: string): f is KamailioFormat => (KAMAILIO_FORMATS as readonly string[]).includes(f);
export const needsMapping = (f: FormatName): boolean => f !== 'ratel-csv' && f !== 'ratel-jsonl' && !isSwitch(f) && !isKamailio(f);

export interface SourceOptions {
  format: FormatName;
  /**
   * The mapping (generic formats): a file to load, or a mapping object already checked; the switch
   * formats' profile file; Kamailio's: a profile file or object (default: the README's kamailio.cfg).
   */
  mapping?: string | Mapping | KamailioProfile | undefined;
  /** The switch and Kamailio formats: a profile object not yet checked (instead of a file in `mapping`). */
  profile?: unknown;
  /** Where the mapping came from, for errors (defaults to the file name). */
  mappingName?: string;
  accounts: AccountBook;
  directory: Directory | null;
}

/** The source of a format; CONFIG_INVALID when a generic format has no mapping or ratel's own gets one. */
export function createSource(o: SourceOptions): CdrSource {
  if (!(FORMATS as readonly string[]).includes(o.format))
    throw errors.usageInvalid(`--format ${o.format}: not one of ${FORMATS.join(', ')}`);
  if (isSwitch(o.format)) {
    if (o.mapping !== undefined && typeof o.mapping !== 'string')
      throw errors.usageInvalid(`--format ${o.format} takes a profile file, not a mapping object`);
    return createSwitchSource(o.format, o.mapping ?? o.profile, o.mappingName, o.directory, o.accounts);
  }
  if (isKamailio(o.format)) {
    const name = o.mappingName ?? (typeof o.mapping === 'string' ? o.mapping : 'kamailio profile');
    const p =
      o.mapping === undefined
        ? o.profile === undefined
          ? defaultKamailioProfile()
          : parseKamailioProfile(o.profile, name)
        : typeof o.mapping === 'string'
          ? loadKamailioProfile(o.mapping)
          : (o.mapping as KamailioProfile);
    const S = o.format === 'kamailio' ? KamailioCdrSource : KamailioAccSource;
    return new S(p, name, o.directory, o.accounts);
  }
  if (!needsMapping(o.format)) {
    if (o.mapping !== undefined) throw errors.usageInvalid(`--format ${o.format} is ratel's own layout: it takes no --mapping`);
    return o.format === 'ratel-csv' ? new RatelCsvSource() : new RatelJsonLinesSource();
  }
  if (o.mapping === undefined) throw errors.usageInvalid(`--format ${o.format} needs --mapping FILE (see the README, "Mapping files")`);
  const name = o.mappingName ?? (typeof o.mapping === 'string' ? o.mapping : 'mapping');
  const mapping = typeof o.mapping === 'string' ? loadMapping(o.mapping) : (o.mapping as Mapping);
  const reader = new MappedReader(mapping, o.directory, o.accounts);
  if (o.format === 'jsonl') return new JsonLinesSource(reader, name);
  return new DelimitedSource(o.format as DelimitedFormat, mapping, reader);
}

export { DELIMITERS };
