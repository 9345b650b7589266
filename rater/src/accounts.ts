/** Accounts and their users: plan, activation, country, time zone, VAT country, credit limit. */
import { readFileSync } from 'node:fs';
import { errors, monthOfDate, nextMonth, parseMoney } from '@ratel/schemas';
import type { z } from 'zod';
import { type Catalog, diallingOf, type Plan } from './catalog.js';
import { type AccountEntry, type AccountInput, accountListSchema, accountSchema, accountsFileSchema } from './catalog-schema.js';
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
  /** user id -> plan id at activation (planOf gives the plan of a month) */
  users: Map<string, string>;
  /** Users whose plan changed (SPEC §5): their plans by billing month, oldest first. */
  planHistory: Map<string, PlanFrom[]>;
  /** user id -> YYYY-MM-DD the user's line ended (users[].deactivated), for users deactivated apart from the account. */
  userDeactivated: Map<string, string>;
  /** user id -> index of the user within the account (0, 1, ...), for array-indexed state */
  userIndex: Map<string, number>;
  dialling: Dialling;
  /** Subscriber directory entries (users[].numbers, users[].sip_users) by user id, for users that list any; see directory.ts. */
  lines: Map<string, { numbers: readonly string[]; sipUsers: readonly string[] }>;
  /** The customer as invoices name it: name (the account's name unless the file gives one), address, VAT id. */
  buyer: Buyer;
  /** Itemised call detail shows the numbers called in full (accounts file `full_numbers`); masked otherwise. */
  fullNumbers: boolean;
}

/** The buyer of an account's invoices (accounts file `buyer`); address and VAT id null when not given. */
export interface Buyer {
  name: string;
  address: string | null;
  vatId: string | null;
}

export type AccountBook = Map<string, Account>;

/** A user's plan from billing month `from` (YYYYMM) on; `on` and `upgrade` describe the change. */
export interface PlanFrom {
  from: number;
  plan: string;
  /** Date of the change (null for the plan at activation). */
  on: string | null;
  /** True when the change raised the monthly fee: it applies to the whole month of `on`. */
  upgrade: boolean;
}

/** The plan of a user for billing month `month` (YYYYMM). */
export function planOf(account: Account, userId: string, month: number): string | undefined {
  const history = account.planHistory.get(userId);
  if (history === undefined) return account.users.get(userId);
  let plan = (history[0] as PlanFrom).plan;
  for (const h of history) if (h.from <= month) plan = h.plan;
  return plan;
}

/**
 * The plan history of a user with plan changes: an upgrade (higher monthly fee) applies from the
 * month of its date, a downgrade from the month after (SPEC §5). Two changes taking effect in
 * the same month are refused, and so are changes on annual billing (its fee covers a year).
 */
function planHistoryOf(
  a: AccountInput,
  user: AccountInput['users'][number],
  initial: string,
  catalog: Catalog,
  where: string,
): PlanFrom[] | null {
  const changes = [...(user.plan_changes ?? [])].sort((x, y) => x.on.localeCompare(y.on));
  if (changes.length === 0) return null;
  const subject = `account ${a.id} user ${user.id}`;
  if (a.billing === 'annual') throw errors.catalogInvalid(where, subject, 'plan changes are not supported on annual billing');
  const history: PlanFrom[] = [{ from: 0, plan: initial, on: null, upgrade: false }];
  for (const c of changes) {
    const plan = catalog.plans.get(c.plan);
    if (!plan) throw errors.catalogInvalid(where, subject, `plan change on ${c.on} to unknown plan "${c.plan}"`);
    if (c.on < a.activated) throw errors.catalogInvalid(where, subject, `plan change on ${c.on} before activation ${a.activated}`);
    const current = catalog.plans.get((history[history.length - 1] as PlanFrom).plan) as Plan;
    const upgrade = plan.monthlyMicros > current.monthlyMicros;
    const from = upgrade ? monthOfDate(c.on) : nextMonth(monthOfDate(c.on));
    if (from <= (history[history.length - 1] as PlanFrom).from)
      throw errors.catalogInvalid(where, subject, `plan change on ${c.on} takes effect in the same month as the one before it`);
    history.push({ from, plan: c.plan, on: c.on, upgrade });
  }
  return history;
}

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
/** Dialling rules of a country, or null when libphonenumber does not know it. */
function dialling(country: string): Dialling | null {
  let d = diallings.get(country);
  if (!d) {
    try {
      d = diallingOf(country);
    } catch {
      return null;
    }
    diallings.set(country, d);
  }
  return d;
}

/** The rules an account must follow against the catalog (its plan, options, zone, countries). */
function checkAgainstCatalog(a: AccountInput, catalog: Catalog, where: string): void {
  const plan = catalog.plans.get(a.plan);
  if (!plan) throw errors.catalogInvalid(where, `account ${a.id}`, `unknown plan "${a.plan}"`);
  for (const o of a.options) {
    if (!plan.options.has(o)) throw errors.catalogInvalid(where, `account ${a.id}`, `plan ${plan.id} has no option "${o}"`);
  }
  if (a.billing === 'annual' && plan.annualMicros === null) {
    throw errors.catalogInvalid(where, `account ${a.id}`, `plan ${plan.id} has no annual price`);
  }
  if (!validZone(a.time_zone)) throw errors.catalogInvalid(where, `account ${a.id}`, `unknown time zone "${a.time_zone}"`);
  // Found here rather than at the first invoice, which would otherwise fail for this account.
  if (!catalog.vatBp.has(a.vat_country))
    throw errors.catalogInvalid(where, `account ${a.id}`, `no VAT rate for vat_country "${a.vat_country}" in vat.json`);
}

/** Compiles an account that passed accountSchema. */
function compileChecked(a: AccountInput, catalog: Catalog, where: string): Account {
  checkAgainstCatalog(a, catalog, where);
  const dial = dialling(a.country);
  if (!dial) throw errors.catalogInvalid(where, `account ${a.id}`, `no dialling rules for country "${a.country}"`);
  const users = new Map<string, string>();
  const planHistory = new Map<string, PlanFrom[]>();
  for (const u of a.users) {
    const up = u.plan ?? a.plan;
    if (!catalog.plans.has(up)) throw errors.catalogInvalid(where, `account ${a.id} user ${u.id}`, `unknown plan "${up}"`);
    users.set(u.id, up);
    const history = planHistoryOf(a, u, up, catalog, where);
    if (history) planHistory.set(u.id, history);
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
    planHistory,
    userIndex: new Map([...users.keys()].map((u, i) => [u, i])),
    userDeactivated: new Map(a.users.flatMap((u) => (u.deactivated === undefined ? [] : [[u.id, u.deactivated] as const]))),
    dialling: dial,
    lines: new Map(
      a.users.flatMap((u) =>
        u.numbers === undefined && u.sip_users === undefined
          ? []
          : [[u.id, { numbers: u.numbers ?? [], sipUsers: u.sip_users ?? [] }] as const],
      ),
    ),
    buyer: { name: a.buyer?.name ?? (a.name || a.id), address: a.buyer?.address ?? null, vatId: a.buyer?.vat_id ?? null },
    fullNumbers: a.full_numbers ?? false,
  };
}

/**
 * Parses `value` with `schema`, or throws CATALOG_INVALID at the first issue; `place` turns the
 * issue's JSON path into the place named (so that paths read as in the accounts file).
 */
function parsed<S extends z.ZodType>(schema: S, value: unknown, where: string, place: (path: string) => string): z.infer<S> {
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  throw errors.catalogInvalid(where, place((issue?.path ?? []).map(String).join('.')), issue?.message ?? 'invalid');
}

const inFile = (path: string): string => path;
const inList = (path: string): string => (path ? `accounts.${path}` : 'accounts');

/** Checks one account (schema defaults and rules, then the catalog) and compiles it. */
export function compileAccount(a: AccountEntry, catalog: Catalog, where = 'accounts'): Account {
  return compileChecked(
    parsed(accountSchema, a, where, (path) => `account ${a.id}${path ? ` ${path}` : ''}`),
    catalog,
    where,
  );
}

/**
 * The book of accounts built by a program (generator, tests, benches): parsed through the same
 * schema as the accounts file, so both apply the same defaults and refuse the same mistakes.
 */
export function accountBook(inputs: readonly AccountEntry[], catalog: Catalog, where = 'accounts'): AccountBook {
  return compileAll(parsed(accountListSchema, inputs, where, inList), catalog, where);
}

function compileAll(accounts: readonly AccountInput[], catalog: Catalog, where: string): AccountBook {
  return new Map(accounts.map((a) => [a.id, compileChecked(a, catalog, where)]));
}

/** Reads an accounts JSON file ({ "accounts": [...] }). */
export function loadAccounts(file: string, catalog: Catalog): AccountBook {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw errors.catalogInvalid(file, '', `cannot read accounts: ${(e as Error).message}`);
  }
  return compileAll(parsed(accountsFileSchema, raw, file, inFile).accounts, catalog, file);
}
