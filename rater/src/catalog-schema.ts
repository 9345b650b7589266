/** The tariff catalog's file formats, as zod schemas. Every rule a file must follow lives here. */
import { isCalendarDate, MICROS_PER_UNIT, parseMoney } from '@ratel/schemas';
import { z } from 'zod';

/** True when `text` parses to at most `maxUnits` currency units (parseMoney refuses what overflows). */
function fitsMoney(text: string, maxUnits: number): boolean {
  try {
    return parseMoney(text) <= maxUnits * MICROS_PER_UNIT;
  } catch {
    return false;
  }
}

/**
 * A non-negative decimal amount of at most `maxUnits`. The bounds keep every product the rater
 * forms exact: a per-minute rate times the seconds of a week-long call, or a recurring fee summed
 * over an invoice, stays far below 2^53 micros.
 */
const moneyUpTo = (maxUnits: number) =>
  z
    .string()
    .regex(/^\d+(\.\d{1,6})?$/, 'a decimal amount such as "0.15"')
    .refine((s) => fitsMoney(s, maxUnits), `an amount of at most ${maxUnits.toLocaleString('en')}`);
/** Per-unit prices: rates per minute, connect fees, minimum charges, SMS, MB and event prices. */
const money = moneyUpTo(1_000);
/** Recurring fees, option prices, termination fees. */
const fee = moneyUpTo(1_000_000);
/** Monthly credit limits of accounts and users. */
const limit = moneyUpTo(1_000_000_000);

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine(isCalendarDate, 'a real calendar date (month 01-12, day within the month)');
const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code');

export const DEST_CLASSES = ['fixed', 'mobile', 'special', 'premium', 'emergency', 'freephone'] as const;
export type DestClass = (typeof DEST_CLASSES)[number];
const destClass = z.enum(DEST_CLASSES);

export const BANDS = ['any', 'peak', 'offpeak', 'weekend'] as const;
export type Band = (typeof BANDS)[number];

const pricing = {
  rate_per_min: money,
  connect_fee: money.default('0'),
  min_charge: money.default('0'),
  first_increment: z.number().int().min(1).max(3600).default(1),
  next_increment: z.number().int().min(1).max(3600).default(1),
};

export const tariffRuleSchema = z.strictObject({
  match: z.strictObject({ country: z.array(country).optional(), class: z.array(destClass).optional() }),
  ...pricing,
  /** Time band the rule prices; rules of other bands for the same destination may follow. */
  band: z.enum(BANDS).default('any'),
  note: z.string().optional(),
});

export const tariffFileSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string(),
  source: z.string().min(1, 'every tariff names its source'),
  currency: z.string().regex(/^[A-Z]{3}$/),
  numbering: z.string().default('world'),
  versions: z
    .array(
      z.strictObject({
        effective_from: isoDate,
        effective_to: isoDate.optional(),
        rules: z.array(tariffRuleSchema).min(1),
      }),
    )
    .min(1)
    .superRefine(checkVersionDates),
});

/**
 * Versions follow each other: effective_from strictly increasing, effective_to (if any) after its
 * effective_from and not past the next version's start. Two versions in force on the same day
 * would leave the price of that day to the order of rows in the trie.
 */
function checkVersionDates(versions: { effective_from: string; effective_to?: string | undefined }[], ctx: z.RefinementCtx): void {
  versions.forEach((v, i) => {
    if (v.effective_to !== undefined && v.effective_to <= v.effective_from)
      ctx.addIssue({
        code: 'custom',
        path: [i, 'effective_to'],
        message: `effective_to ${v.effective_to} is not after effective_from ${v.effective_from}`,
      });
    const prev = versions[i - 1];
    if (prev === undefined) return;
    if (v.effective_from <= prev.effective_from)
      ctx.addIssue({
        code: 'custom',
        path: [i, 'effective_from'],
        message: `effective_from ${v.effective_from} is not after the previous version's ${prev.effective_from} (versions in date order, distinct)`,
      });
    else if (prev.effective_to !== undefined && prev.effective_to > v.effective_from)
      ctx.addIssue({
        code: 'custom',
        path: [i - 1, 'effective_to'],
        message: `effective_to ${prev.effective_to} overlaps the next version, in force from ${v.effective_from}`,
      });
  });
}
export type TariffFile = z.infer<typeof tariffFileSchema>;

/** One row of a CSV rate deck (carrier decks; `deck` field of a tariff). */
export const deckRowSchema = z
  .strictObject({
    prefix: z.string().regex(/^\d{1,15}$/, 'digits of an E.164 prefix without "+"'),
    destination: z.string().min(1),
    class: destClass,
    country: z.union([country, z.literal('')]).default(''),
    ...pricing,
    band: z.enum(BANDS).default('any'),
    effective_from: isoDate,
    effective_to: z.union([isoDate, z.literal('')]).default(''),
  })
  .refine((r) => r.effective_to === '' || r.effective_to > r.effective_from, {
    path: ['effective_to'],
    message: 'effective_to must be after effective_from (or empty: open-ended)',
  });
export type DeckRowInput = z.infer<typeof deckRowSchema>;

// zod's int() also refuses what is not a safe integer (1e300), so a cap always compares exactly.
const cap = z.number().int().positive().nullable().default(null);

export const planSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  source: z.string().min(1, 'every plan names the contract it comes from'),
  tariff: z.string().min(1),
  recurring: z.strictObject({ monthly: fee, annual: fee.nullable().default(null) }),
  proration: z.enum(['prorata', 'started_month_due']),
  included: z.strictObject({
    voice: z.array(z.strictObject({ country, classes: z.array(z.enum(['fixed', 'mobile'])).min(1) })),
    inbound: z.boolean(),
    forwarded: z.boolean(),
    sms: z.boolean(),
    data: z.boolean(),
  }),
  fair_use: z.strictObject({
    /** The contract lines the caps and rules below come from. */
    source: z.string().min(1).optional(),
    distinct_callees: cap,
    per_call_seconds: cap,
    monthly_seconds: cap,
    /**
     * What the monthly-seconds and SMS caps count: every second / SMS part of the pack's scope
     * made in the month, including what another cap already billed ("all_usage", the contracts'
     * wording: « n'envoie pas plus de 1000 SMS », « 15h d'appel / mois »), or only what the pack
     * included ("included_only").
     */
    cap_counting: z.enum(['all_usage', 'included_only']).default('all_usage'),
    /** A second call longer than this to the same number in the month breaks the rule (null: no rule). */
    repeated_long_calls_seconds: cap,
    /** What such a repeated long call bills: the whole call, its part beyond the threshold, or nothing (alert only). */
    repeated_long_calls_billing: z.enum(['call', 'beyond', 'none']).default('call'),
    /**
     * The user's n-th forwarded call of the month to a non-operator number (one outside
     * operator_prefixes) and every later one are taken as made under a permanent forward
     * (null: no rule).
     */
    off_net_forward_calls: cap,
    /** What those forwarded calls bill: the whole call, or nothing (alert only). */
    off_net_forward_billing: z.enum(['call', 'none']).default('call'),
    /** E.164 prefixes (digits, no "+") of the operator's own numbers: forwards to them are on-net. */
    operator_prefixes: z.array(z.string().regex(/^\d{1,15}$/, 'digits of an E.164 prefix without "+"')).default([]),
    sms: cap,
    sms_destinations: cap,
    bytes_national: cap,
    bytes_eu: cap,
  }),
  beyond: z.enum(['bill', 'flag']),
  premium: z.enum(['block', 'bill']),
  options: z.record(z.string(), z.strictObject({ name: z.string(), monthly: fee })),
  events: z.record(z.string(), z.strictObject({ name: z.string(), price: money })),
  termination_fee: fee.nullable(),
  /** The contract line the termination fee comes from. */
  termination_fee_source: z.string().min(1).optional(),
  sms_price: money.nullable(),
  data_price_per_mb: money.nullable(),
});
export type PlanInput = z.infer<typeof planSchema>;
export const plansFileSchema = z.strictObject({
  plans: z
    .array(planSchema)
    .min(1)
    // A repeated id would silently replace the first plan of that id.
    .superRefine((plans, ctx) =>
      refuseRepeats(
        plans.map((p) => p.id),
        ctx,
        (i) => [i, 'id'],
        'plan id',
      ),
    ),
});

/** Adds an issue at `path` for every value of `values` seen before (first occurrence kept). */
function refuseRepeats(values: readonly string[], ctx: z.RefinementCtx, path: (i: number) => (string | number)[], what: string): void {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) ctx.addIssue({ code: 'custom', path: path(i), message: `${what} "${v}" is listed twice` });
    seen.add(v);
  });
}

/** A directory number or range of numbers (see users[].numbers): digits with an optional leading "+". */
const directoryNumber = z
  .string()
  .regex(/^\+?\d{3,15}(-\+?\d{3,15})?$/, 'a number such as "+33140000001" or "0140000001", or a range "+33140000000-+33140000099"');

export const accountSchema = z
  .strictObject({
    id: z.string().min(1),
    name: z.string().default(''),
    plan: z.string().min(1),
    billing: z.enum(['monthly', 'annual']).default('monthly'),
    activated: isoDate,
    /** Date the service ended (SPEC §7: usage data is deleted 90 days later). */
    deactivated: isoDate.nullable().optional(),
    country,
    time_zone: z.string().min(1),
    vat_country: country,
    credit_limit: limit.default('100.00'),
    options: z.array(z.string().min(1)).default([]),
    /** The customer as its invoices name it (French and Belgian invoices: buyer name, address, VAT id); name = the account's name. */
    buyer: z
      .strictObject({
        name: z.string().min(1).optional(),
        /** Postal address; lines separated by line breaks. */
        address: z.string().min(1).optional(),
        /** Intra-EU VAT identifier: two letters, then 2-13 letters or digits (FR40303265045, BE0403170701). */
        vat_id: z
          .string()
          .regex(/^[A-Z]{2}[0-9A-Z+*.]{2,13}$/, 'a VAT id: two letters, then 2-13 letters or digits (FR40303265045)')
          .optional(),
      })
      .optional(),
    /** Itemised call detail shows the numbers called in full (default: their last four digits masked). */
    full_numbers: z.boolean().optional(),
    users: z
      .array(
        z.strictObject({
          id: z.string().min(1),
          plan: z.string().optional(),
          /** The user's own monthly credit limit (SPEC §6, 003 §9.5), beside the account's; none when absent. */
          credit_limit: limit.optional(),
          /**
           * Plan changes (SPEC §5, 003 §9.2): on date `on`, the user moves to `plan`. An upgrade
           * (a higher monthly fee) takes effect for the whole month of `on`, a downgrade from the
           * next month.
           */
          plan_changes: z.array(z.strictObject({ on: isoDate, plan: z.string().min(1) })).optional(),
          /** Date the user's line ended while the account goes on: no fee after its month; the plan's termination fee in it. */
          deactivated: isoDate.optional(),
          /**
           * The user's numbers in the subscriber directory (ratel import): E.164 ("+33140000001") or
           * national ("0140000001", read with the account's country), digits only, and ranges
           * "first-last" of numbers of the same length ("+33140000000-+33140000099").
           */
          numbers: z.array(directoryNumber).optional(),
          /** The user's SIP user names (e.g. "alice@pbx.example"), matched exactly. */
          sip_users: z.array(z.string().min(1).max(256)).optional(),
        }),
      )
      .min(1),
  })
  .superRefine((a, ctx) => {
    // A service cannot end before it starts; ending on its first day is a one-day service.
    if (a.deactivated != null && a.deactivated < a.activated)
      ctx.addIssue({ code: 'custom', path: ['deactivated'], message: `deactivated ${a.deactivated} is before activated ${a.activated}` });
    // A user's line cannot end before the account's service starts.
    a.users.forEach((u, i) => {
      if (u.deactivated !== undefined && u.deactivated < a.activated)
        ctx.addIssue({
          code: 'custom',
          path: ['users', i, 'deactivated'],
          message: `deactivated ${u.deactivated} is before activated ${a.activated}`,
        });
    });
    // An option listed twice was billed twice; a repeated user would share one allowance slot.
    refuseRepeats(a.options, ctx, (i) => ['options', i], 'option');
    refuseRepeats(
      a.users.map((u) => u.id),
      ctx,
      (i) => ['users', i, 'id'],
      'user id',
    );
  });
/** An account as written in the accounts file or built by a program: defaults not yet applied. */
export type AccountEntry = z.input<typeof accountSchema>;
/** An account with the schema's defaults applied and its rules checked. */
export type AccountInput = z.infer<typeof accountSchema>;

/**
 * The accounts of one book: account ids unique, and each user id in one account only. A user id
 * names one subscriber line; listed under two accounts, that line's usage and fees would be
 * billed to whichever account a CDR names, and its plan and limits read from two places.
 */
export const accountListSchema = z.array(accountSchema).superRefine((accounts, ctx) => {
  refuseRepeats(
    accounts.map((a) => a.id),
    ctx,
    (i) => [i, 'id'],
    'account id',
  );
  const ownerOf = new Map<string, string>();
  accounts.forEach((a, i) => {
    a.users.forEach((u, j) => {
      const owner = ownerOf.get(u.id);
      if (owner !== undefined && owner !== a.id)
        ctx.addIssue({ code: 'custom', path: [i, 'users', j, 'id'], message: `user id "${u.id}" is already a user of account ${owner}` });
      else ownerOf.set(u.id, a.id);
    });
  });
});
export const accountsFileSchema = z.strictObject({ accounts: accountListSchema });

export const vatFileSchema = z.strictObject({
  source: z.string(),
  rates_percent: z.record(
    country,
    z
      .string()
      .regex(/^\d+(\.\d{1,2})?$/, 'a percentage such as "20" or "5.5"')
      .refine((pct) => Number(pct) <= 100, 'a VAT rate within 0-100%'),
  ),
});
