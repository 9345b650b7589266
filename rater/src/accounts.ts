/** Accounts and their users: plan, activation, country, time zone, VAT country, credit limit. */
import { readFileSync } from 'node:fs';
import { errors, parseMoney } from '@ratel/schemas';
import { type Catalog, diallingOf } from './catalog.js';
import { type AccountInput, accountsFileSchema } from './catalog-schema.js';
import type { Dialling } from './normalise.js';

export interface Account {
  id: string;
  name: string;
  plan: string;
  billing: 'monthly' | 'annual';
  /** YYYY-MM-DD in the account's time zone. */
  activated: string;
  /** YYYY-MM-DD the service ended, or null while active. */
  deactivated: string | null;
  country: string;
  timeZone: string;
  vatCountry: string;
  creditLimitMicros: number;
  /** Each user's own credit limit, by user index (userIndex); Infinity when the user has none. */
  userCreditLimitMicros: number[];
  options: string[];
  /** user id -> plan id */
  users: Map<string, string>;
  /** user id -> index of the user within the account (0, 1, ...), for array-indexed state */
  userIndex: Map<string, number>;
  dialling: Dialling;
}

export type AccountBook = Map<string, Account>;

const zones = new Map<string, boolean>();
function validZone(tz: string): boolean {
  let ok = zones.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    zones.set(tz, ok);
  }
  return ok;
}

const diallings = new Map<string, Dialling>();
function dialling(country: string): Dialling {
  let d = diallings.get(country);
  if (!d) {
    d = diallingOf(country);
    diallings.set(country, d);
  }
  return d;
}

export function compileAccount(a: AccountInput, catalog: Catalog, where = 'accounts'): Account {
  const plan = catalog.plans.get(a.plan);
  if (!plan) throw errors.catalogInvalid(where, `account ${a.id}`, `unknown plan "${a.plan}"`);
  for (const o of a.options) {
    if (!plan.options.has(o)) throw errors.catalogInvalid(where, `account ${a.id}`, `plan ${plan.id} has no option "${o}"`);
  }
  if (a.billing === 'annual' && plan.annualMicros === null) {
    throw errors.catalogInvalid(where, `account ${a.id}`, `plan ${plan.id} has no annual price`);
  }
  if (!validZone(a.time_zone)) throw errors.catalogInvalid(where, `account ${a.id}`, `unknown time zone "${a.time_zone}"`);
  const users = new Map<string, string>();
  for (const u of a.users) {
    const up = u.plan ?? a.plan;
    if (!catalog.plans.has(up)) throw errors.catalogInvalid(where, `account ${a.id} user ${u.id}`, `unknown plan "${up}"`);
    users.set(u.id, up);
  }
  return {
    id: a.id,
    name: a.name || a.id,
    plan: a.plan,
    billing: a.billing,
    activated: a.activated,
    deactivated: a.deactivated ?? null,
    country: a.country,
    timeZone: a.time_zone,
    vatCountry: a.vat_country,
    creditLimitMicros: parseMoney(a.credit_limit),
    userCreditLimitMicros: a.users.map((u) => (u.credit_limit === undefined ? Number.POSITIVE_INFINITY : parseMoney(u.credit_limit))),
    options: a.options,
    users,
    userIndex: new Map([...users.keys()].map((u, i) => [u, i])),
    dialling: dialling(a.country),
  };
}

export function accountBook(inputs: readonly AccountInput[], catalog: Catalog, where = 'accounts'): AccountBook {
  return new Map(inputs.map((a) => [a.id, compileAccount(a, catalog, where)]));
}

/** Reads an accounts JSON file ({ "accounts": [...] }). */
export function loadAccounts(file: string, catalog: Catalog): AccountBook {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw errors.catalogInvalid(file, '', `cannot read accounts: ${(e as Error).message}`);
  }
  const res = accountsFileSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    throw errors.catalogInvalid(file, issue?.path.join('.') ?? '', issue?.message ?? 'invalid');
  }
  return accountBook(res.data.accounts, catalog, file);
}
