/**
 * Kamailio profiles: what ratel must know of a kamailio.cfg to read the acc module's records
 * (`--format kamailio` and `--format kamailio-acc`, README "Kamailio"). A profile is JSON,
 * checked by `kamailioProfileSchema`; a mistake is CONFIG_INVALID naming the file and the key.
 * Without one, the defaults below are those of the kamailio.cfg the README shows.
 *
 * The acc module writes the attributes an operator lists in `cdr_extra` (dialog CDRs) or
 * `db_extra` / `log_extra` (per-transaction records) after its own columns, in that order and
 * under those names. The profile takes those lists as written in kamailio.cfg
 * ("callid=$ci;src_user=$fU;…") and finds which attribute holds each field of a CDR from its
 * pseudo-variable ($ci the Call-ID, $fU the caller, $tU the callee, $T_reply_code the SIP code…)
 * or else its name (callid, src_user, dst_user, sip_code…); `fields` overrides any of them.
 */
import { readFileSync } from 'node:fs';
import { diallingOf } from '@ratel/rater';
import { errors } from '@ratel/schemas';
import { z } from 'zod';
import { Zone } from './fields.js';
import { numbersSettingWith } from './switch-calls.js';

/** One attribute of an acc extra list ("name=$pv"). */
export interface Extra {
  name: string;
  pv: string;
}

/** The CDR fields an attribute can hold. */
export const KAMAILIO_FIELDS = [
  'call_id',
  'from_tag',
  'to_tag',
  'caller',
  'callee',
  'sip_code',
  'sip_reason',
  'sip_user',
  'forwarded_from',
  'trunk_id',
  'account',
  'user',
] as const;
export type KamailioField = (typeof KAMAILIO_FIELDS)[number];

/**
 * How each field is found when `fields` does not name its attribute: the first attribute whose
 * pseudo-variable is one of `pv` (in that order of preference), else the first whose name is one
 * of `names`. Pseudo-variables compare without case for the transformation-free ones.
 */
const INFER: Record<KamailioField, { pv: string[]; names: string[] }> = {
  call_id: { pv: ['$ci', '$(ci)'], names: ['callid', 'call_id', 'sip_call_id'] },
  from_tag: { pv: ['$ft', '$(ft)'], names: ['from_tag', 'fromtag'] },
  to_tag: { pv: ['$tt', '$(tt)'], names: ['to_tag', 'totag'] },
  // The caller's number: the user of the From URI (or the whole URI, cut at "@").
  caller: { pv: ['$fU', '$fu'], names: ['src_user', 'caller', 'from_user', 'calling', 'src'] },
  // The number dialled: the To user (as dialled, before any rewriting), else the request URI's.
  callee: {
    pv: ['$tU', '$rU', '$oU', '$tu', '$ru', '$ou'],
    names: ['dst_ouser', 'dst_user', 'callee', 'to_user', 'called', 'dst'],
  },
  sip_code: { pv: ['$T_reply_code', '$T(reply_code)', '$rs'], names: ['sip_code', 'code', 'sip_status', 'status'] },
  sip_reason: { pv: ['$T_reply_reason', '$T(reply_reason)', '$rr'], names: ['sip_reason', 'reason'] },
  sip_user: { pv: ['$au', '$aU'], names: ['sip_user', 'auth_user'] },
  forwarded_from: { pv: ['$di', '$(di)'], names: ['forwarded_from', 'diversion'] },
  trunk_id: { pv: [], names: ['trunk_id', 'trunk'] },
  account: { pv: [], names: ['account_id', 'account'] },
  user: { pv: [], names: ['user_id'] },
};

/** At most 64 attributes (the acc module's MAX_CDR_EXTRA and MAX_ACC_EXTRA). */
const MAX_EXTRAS = 64;

/** Parses an acc extra list as kamailio.cfg writes it: "name=$pv;name=$pv" (spaces allowed around). A string says what is wrong. */
export function parseExtras(text: string): Extra[] | string {
  const out: Extra[] = [];
  const seen = new Set<string>();
  for (const part of text.split(';')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) return `"${cut(item)}" is not name=$pseudo-variable`;
    const name = item.slice(0, eq).trim();
    const pv = item.slice(eq + 1).trim();
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) return `attribute name "${cut(name)}": letters, digits, "_", "." and "-" only`;
    if (!pv.startsWith('$')) return `attribute ${name}: "${cut(pv)}" is not a pseudo-variable (they start with "$")`;
    if (seen.has(name)) return `attribute ${name} is listed twice`;
    seen.add(name);
    out.push({ name, pv });
  }
  if (out.length > MAX_EXTRAS) return `${out.length} attributes, Kamailio writes at most ${MAX_EXTRAS}`;
  return out;
}

const attrName = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only');

const extraList = z.string().transform((s, ctx) => {
  const r = parseExtras(s);
  if (typeof r === 'string') {
    ctx.addIssue({ code: 'custom', message: r });
    return z.NEVER;
  }
  return r;
});

/**
 * The dialog CDR attributes of the README's kamailio.cfg: the Call-ID and both tags (the stable
 * id), caller and callee kept in dialog variables when the INVITE came in (a BYE sent by the callee
 * has From and To the other way round), and the final SIP code and reason.
 */
export const DEFAULT_CDR_EXTRA =
  'callid=$ci;from_tag=$ft;to_tag=$tt;src_user=$dlg_var(src_user);dst_user=$dlg_var(dst_user);sip_code=$T_reply_code;sip_reason=$T_reply_reason';
/** The per-transaction attributes of Kamailio's own default kamailio.cfg (WITH_ACCDB). */
export const DEFAULT_ACC_EXTRA = 'src_user=$fU;src_domain=$fd;src_ip=$si;dst_ouser=$tU;dst_user=$rU;dst_domain=$rd';

const field = z.union([attrName, z.null()]).optional();
const fieldsSpec = z.strictObject({
  call_id: field,
  from_tag: field,
  to_tag: field,
  caller: field,
  callee: field,
  sip_code: field,
  sip_reason: field,
  sip_user: field,
  forwarded_from: field,
  trunk_id: field,
  account: field,
  user: field,
});
/** The per-transaction records carry the Call-ID, tags, SIP code and reason in their own columns. */
const accFieldsSpec = z.strictObject({
  caller: field,
  callee: field,
  sip_user: field,
  forwarded_from: field,
  trunk_id: field,
  account: field,
  user: field,
});

export const kamailioProfileSchema = z
  .strictObject({
    /** What the profile is for (free text). */
    description: z.string().optional(),
    /** How the records were written: db_flatstore files, db_text tables, or the log (syslog or a file of kamailio's stderr); auto: judged on each file's first line. */
    storage: z.enum(['auto', 'flatstore', 'db_text', 'log']).default('auto'),
    /** modparam("acc", "cdr_extra", …): the attributes after start_time, end_time and duration in each dialog CDR. */
    cdr_extra: extraList.prefault(DEFAULT_CDR_EXTRA),
    /** modparam("acc", "cdr_start_id" / "cdr_end_id" / "cdr_duration_id", …): the names of the three core attributes. */
    cdr_start_id: attrName.default('start_time'),
    cdr_end_id: attrName.default('end_time'),
    cdr_duration_id: attrName.default('duration'),
    /** modparam("acc", "db_extra", …): the attributes after the core columns of per-transaction records (db_flatstore, db_text). */
    db_extra: extraList.prefault(DEFAULT_ACC_EXTRA),
    /** modparam("acc", "log_extra", …): the same for records written to the log (default: db_extra). */
    log_extra: extraList.optional(),
    /** modparam("acc", "time_mode", …): how per-transaction records carry their time (0 seconds, 1 seconds and microseconds, 2 seconds with decimals, 3 local time, 4 UTC time); 4 also writes dialog CDR times to db_flatstore as UTC date-times. */
    time_mode: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).default(0),
    /** modparam("acc", "time_attr" / "time_exten", …): the names of time_mode's extra columns. */
    time_attr: attrName.default('time_attr'),
    time_exten: attrName.default('time_exten'),
    /** time_mode 3: the time zone of the Kamailio host (IANA, e.g. "Europe/Paris"). */
    time_zone: z.string().optional(),
    /** modparam("db_flatstore", "delimiter" / "encode_delimiter", …). */
    flatstore: z
      .strictObject({ delimiter: z.string().length(1).default('|'), encode_delimiter: z.boolean().default(false) })
      .default({ delimiter: '|', encode_delimiter: false }),
    /** Which attribute of cdr_extra holds each CDR field, over what the pseudo-variables and names say (null: none). */
    fields: fieldsSpec.default({}),
    /** The same for the attributes of db_extra and log_extra. */
    acc_fields: accFieldsSpec.default({}),
    /** The CDRs' trunk_id, unless an attribute holds one. */
    trunk_id: z.string().max(64).default('kamailio'),
    /** Put before every CDR id (Call-ID and tags): the same for both formats, so a call read from both is one CDR. */
    id_prefix: z.string().max(64).default('kam:'),
    numbers: numbersSettingWith(['sip:', 'sips:', 'tel:']),
  })
  .superRefine((p, ctx) => {
    if (p.time_mode === 3 && p.time_zone === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['time_zone'],
        message: 'time_mode 3 writes local times: give the Kamailio host\'s time zone (e.g. "Europe/Paris")',
      });
    if (p.time_zone !== undefined && !Zone.valid(p.time_zone))
      ctx.addIssue({ code: 'custom', path: ['time_zone'], message: `unknown time zone "${p.time_zone}"` });
    if (p.numbers.country !== undefined) {
      try {
        diallingOf(p.numbers.country);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['numbers', 'country'], message: `no dialling rules for country "${p.numbers.country}"` });
      }
    }
    const core = new Set([p.cdr_start_id, p.cdr_end_id, p.cdr_duration_id]);
    if (core.size < 3)
      ctx.addIssue({ code: 'custom', path: ['cdr_start_id'], message: 'cdr_start_id, cdr_end_id and cdr_duration_id must differ' });
    for (const e of p.cdr_extra)
      if (core.has(e.name))
        ctx.addIssue({ code: 'custom', path: ['cdr_extra'], message: `attribute ${e.name} has the name of a core attribute` });
  });
export type KamailioProfile = z.infer<typeof kamailioProfileSchema>;

/** Checks a profile object; a mistake is CONFIG_INVALID naming `file` and the key. */
export function parseKamailioProfile(raw: unknown, file: string): KamailioProfile {
  const res = kamailioProfileSchema.safeParse(raw);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const key = (issue?.path ?? []).map(String).join('.') || '(top level)';
  throw errors.configInvalid(`kamailio profile ${file} at ${key}`, issue?.message ?? 'invalid');
}

/** Reads and checks a profile file. */
export function loadKamailioProfile(file: string): KamailioProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw errors.configInvalid(`kamailio profile ${file}`, `not a JSON file: ${(e as Error).message}`);
  }
  return parseKamailioProfile(raw, file);
}

/** The default profile (the README's kamailio.cfg). */
export const defaultKamailioProfile = (): KamailioProfile => parseKamailioProfile({}, 'default profile');

/**
 * Which attribute of `extras` holds each field (its index, or -1): the overrides first (`fields`,
 * or `acc_fields` for the per-transaction lists; an attribute the list does not have is
 * CONFIG_INVALID naming `listKey`), then the pseudo-variables, then the names. `skip`: fields the
 * record's core columns hold already.
 */
export function fieldsOf(
  profile: KamailioProfile,
  extras: readonly Extra[],
  listKey: string,
  file: string,
  skip: readonly KamailioField[] = [],
): Record<KamailioField, number> {
  const out = {} as Record<KamailioField, number>;
  const taken = new Set<number>();
  const names = extras.map((e) => e.name);
  const overrides: Partial<Record<KamailioField, string | null>> = listKey === 'cdr_extra' ? profile.fields : profile.acc_fields;
  const overKey = listKey === 'cdr_extra' ? 'fields' : 'acc_fields';
  for (const f of KAMAILIO_FIELDS) {
    out[f] = -1;
    const given = overrides[f];
    if (given === undefined) continue;
    if (given === null) continue;
    const i = names.indexOf(given);
    if (i < 0)
      throw errors.configInvalid(
        `kamailio profile ${file} at ${overKey}.${f}`,
        `"${given}" is not an attribute of ${listKey} (${names.join(', ') || 'none'})`,
      );
    out[f] = i;
    taken.add(i);
  }
  for (const f of KAMAILIO_FIELDS) {
    if (overrides[f] !== undefined || skip.includes(f)) continue;
    const rule = INFER[f];
    let found = -1;
    for (const pv of rule.pv) {
      found = extras.findIndex((e, i) => !taken.has(i) && e.pv === pv);
      if (found >= 0) break;
    }
    if (found < 0)
      for (const n of rule.names) {
        found = extras.findIndex((e, i) => !taken.has(i) && e.name.toLowerCase() === n);
        if (found >= 0) break;
      }
    if (found >= 0) {
      out[f] = found;
      taken.add(found);
    }
  }
  if (out.account < 0 !== out.user < 0)
    throw errors.configInvalid(
      `kamailio profile ${file} at ${overKey}.${out.account < 0 ? 'account' : 'user'}`,
      'account and user go together (or neither: the subscriber directory finds them)',
    );
  return out;
}

const cut = (s: string): string => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
