/**
 * The switch formats by name, with their profiles: FreeSWITCH (mod_cdr_csv, mod_json_cdr) and
 * Asterisk (cdr_csv, cdr_custom). A profile is a JSON file (`ratel import --mapping FILE`),
 * checked whole before anything is read: a mistake is CONFIG_INVALID naming the file and the key.
 * Without one a format reads the switch's default output (asterisk-custom needs its template).
 */
import type { AccountBook, Directory } from '@ratel/rater';
import { errors } from '@ratel/schemas';
import type { z } from 'zod';
import { AsteriskCsvSource, asteriskCsvProfile } from './asterisk-csv.js';
import { AsteriskCustomSource, asteriskCustomProfile } from './asterisk-custom.js';
import { FreeswitchCsvSource, freeswitchCsvProfile } from './freeswitch-csv.js';
import { FreeswitchJsonSource, freeswitchJsonProfile } from './freeswitch-json.js';
import type { CdrSource } from './source.js';
import { parseProfile, readProfile } from './switch-calls.js';

export const SWITCH_FORMATS = ['freeswitch-csv', 'freeswitch-json', 'asterisk-csv', 'asterisk-custom'] as const;
export type SwitchFormat = (typeof SWITCH_FORMATS)[number];

/** The profile schema of each switch format. */
export const switchProfile = {
  'freeswitch-csv': freeswitchCsvProfile,
  'freeswitch-json': freeswitchJsonProfile,
  'asterisk-csv': asteriskCsvProfile,
  'asterisk-custom': asteriskCustomProfile,
} satisfies Record<SwitchFormat, z.ZodType>;

/** The source of a switch format; `profile` is a file to read, a profile object, or undefined (the defaults). */
export function createSwitchSource(
  format: SwitchFormat,
  profile: unknown,
  name: string | undefined,
  directory: Directory | null,
  accounts: AccountBook,
): CdrSource {
  const where = name ?? (typeof profile === 'string' ? profile : 'profile');
  if (profile === undefined && format === 'asterisk-custom')
    throw errors.usageInvalid(
      '--format asterisk-custom needs --mapping PROFILE, a JSON file with the "template" of cdr_custom.conf (README, "Asterisk cdr_custom")',
    );
  const raw = typeof profile === 'string' ? readProfile(profile) : profile;
  switch (format) {
    case 'freeswitch-csv':
      return new FreeswitchCsvSource(parseProfile(freeswitchCsvProfile, raw, where), directory, accounts);
    case 'freeswitch-json':
      return new FreeswitchJsonSource(parseProfile(freeswitchJsonProfile, raw, where), directory, accounts);
    case 'asterisk-csv':
      return new AsteriskCsvSource(parseProfile(asteriskCsvProfile, raw, where), directory, accounts);
    case 'asterisk-custom':
      return new AsteriskCustomSource(parseProfile(asteriskCustomProfile, raw, where), directory, accounts);
  }
}
