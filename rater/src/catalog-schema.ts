/** The tariff catalog's file formats, as zod schemas. Every rule a file must follow lives here. */
import { z } from 'zod';

const money = z.string().regex(/^\d+(\.\d{1,6})?$/, 'a decimal amount such as "0.15"');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
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
    .min(1),
});
export type TariffFile = z.infer<typeof tariffFileSchema>;

/** One row of a CSV rate deck (carrier decks; `deck` field of a tariff). */
export const deckRowSchema = z.strictObject({
  prefix: z.string().regex(/^\d{1,15}$/, 'digits of an E.164 prefix without "+"'),
  destination: z.string().min(1),
  class: destClass,
  country: z.union([country, z.literal('')]).default(''),
  ...pricing,
  band: z.enum(BANDS).default('any'),
  effective_from: isoDate,
  effective_to: z.union([isoDate, z.literal('')]).default(''),
});
export type DeckRowInput = z.infer<typeof deckRowSchema>;

const cap = z.number().int().positive().nullable().default(null);

export const planSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  source: z.string().min(1, 'every plan names the contract it comes from'),
  tariff: z.string().min(1),
  home_country: country,
  recurring: z.strictObject({ monthly: money, annual: money.nullable().default(null) }),
  proration: z.enum(['prorata', 'started_month_due']),
  included: z.strictObject({
    voice: z.array(z.strictObject({ country, classes: z.array(z.enum(['fixed', 'mobile'])).min(1) })),
    inbound: z.boolean(),
    forwarded: z.boolean(),
    sms: z.boolean(),
    data: z.boolean(),
  }),
  fair_use: z.strictObject({
    distinct_callees: cap,
    per_call_seconds: cap,
    monthly_seconds: cap,
    repeated_long_calls_seconds: cap,
    sms: cap,
    sms_destinations: cap,
    bytes_national: cap,
    bytes_eu: cap,
  }),
  beyond: z.enum(['bill', 'flag']),
  premium: z.enum(['block', 'bill']),
  options: z.record(z.string(), z.strictObject({ name: z.string(), monthly: money })),
  events: z.record(z.string(), z.strictObject({ name: z.string(), price: money })),
  termination_fee: money.nullable(),
  sms_price: money.nullable(),
  data_price_per_mb: money.nullable(),
});
export type PlanInput = z.infer<typeof planSchema>;
export const plansFileSchema = z.strictObject({ plans: z.array(planSchema).min(1) });

export const accountSchema = z.strictObject({
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
  credit_limit: money.default('100.00'),
  options: z.array(z.string()).default([]),
  users: z
    .array(
      z.strictObject({
        id: z.string().min(1),
        plan: z.string().optional(),
        /** The user's own monthly credit limit (SPEC §6, 003 §9.5), beside the account's; none when absent. */
        credit_limit: money.optional(),
        /**
         * Plan changes (SPEC §5, 003 §9.2): on date `on`, the user moves to `plan`. An upgrade
         * (a higher monthly fee) takes effect for the whole month of `on`, a downgrade from the
         * next month.
         */
        plan_changes: z.array(z.strictObject({ on: isoDate, plan: z.string().min(1) })).optional(),
      }),
    )
    .min(1),
});
export type AccountInput = z.infer<typeof accountSchema>;
export const accountsFileSchema = z.strictObject({ accounts: z.array(accountSchema) });

export const vatFileSchema = z.strictObject({
  source: z.string(),
  rates_percent: z.record(country, z.string().regex(/^\d+(\.\d{1,2})?$/)),
});
