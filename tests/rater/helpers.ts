/** Builders for CDRs, accounts and rating contexts shared by the rater tests. */
import { type AccountInput, accountBook, type Catalog, type RateContext } from '@ratel/rater';
import type { Cdr, Direction } from '@ratel/schemas';

export const EUR = 1_000_000;
export const CENT = 10_000;

/** UTC ms of an ISO date-time ("2025-03-03T10:00:00Z"; a missing zone means UTC). */
export const at = (iso: string): number => Date.parse(/Z|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);

/** Default account id / user id used by the helpers. */
export const ACCOUNT = 'acc-1';

export interface VoiceOpts {
  account?: string;
  direction?: Direction;
  caller?: string;
  roaming?: string | null;
  forwardedFrom?: string | null;
  /** Seconds of ringing before the answer (duration_s = ring + billable). */
  ringSeconds?: number;
}

/** A voice CDR: `user` calls `callee` at `startIso` for `billableSeconds` answered seconds. */
export function voice(id: string, user: string, callee: string, startIso: string, billableSeconds: number, opts: VoiceOpts = {}): Cdr {
  const start = at(startIso);
  const ring = opts.ringSeconds ?? 5;
  const answered = billableSeconds > 0;
  const direction = opts.direction ?? 'OUTBOUND';
  return {
    id,
    kind: 'VOICE',
    account_id: opts.account ?? ACCOUNT,
    user_id: user,
    start_ms: start,
    roaming_country: opts.roaming ?? null,
    voice: {
      sip_call_id: `sip-${id}`,
      trunk_id: 'sbc-1',
      caller: opts.caller ?? '+33140000000',
      callee,
      forwarded_from: opts.forwardedFrom ?? (direction === 'FORWARDED' ? '+33140000001' : null),
      direction,
      answer_ms: answered ? start + ring * 1000 : null,
      end_ms: start + (ring + billableSeconds) * 1000,
      duration_s: ring + billableSeconds,
      billable_s: billableSeconds,
      disposition: answered ? 'ANSWERED' : 'NO_ANSWER',
      sip_status: answered ? 200 : 480,
    },
    message: null,
    data: null,
    event: null,
  };
}

export function sms(
  id: string,
  user: string,
  recipient: string,
  startIso: string,
  opts: { account?: string; parts?: number; direction?: Direction; sender?: string; roaming?: string | null } = {},
): Cdr {
  return {
    id,
    kind: 'SMS',
    account_id: opts.account ?? ACCOUNT,
    user_id: user,
    start_ms: at(startIso),
    roaming_country: opts.roaming ?? null,
    voice: null,
    message: { sender: opts.sender ?? '+32470000000', recipient, direction: opts.direction ?? 'OUTBOUND', parts: opts.parts ?? 1 },
    data: null,
    event: null,
  };
}

export function dataSession(
  id: string,
  user: string,
  startIso: string,
  bytesDown: number,
  opts: { account?: string; bytesUp?: number; roaming?: string | null } = {},
): Cdr {
  const start = at(startIso);
  return {
    id,
    kind: 'DATA',
    account_id: opts.account ?? ACCOUNT,
    user_id: user,
    start_ms: start,
    roaming_country: opts.roaming ?? null,
    voice: null,
    message: null,
    data: { end_ms: start + 60_000, bytes_up: opts.bytesUp ?? 0, bytes_down: bytesDown, apn: 'internet' },
    event: null,
  };
}

export function serviceEvent(
  id: string,
  user: string,
  service: string,
  quantity: number,
  startIso: string,
  opts: { account?: string } = {},
): Cdr {
  return {
    id,
    kind: 'EVENT',
    account_id: opts.account ?? ACCOUNT,
    user_id: user,
    start_ms: at(startIso),
    roaming_country: null,
    voice: null,
    message: null,
    data: null,
    event: { service, quantity, reference: `ref-${id}` },
  };
}

/** An account of `plan` with the given users (all on the account's plan). */
export function accountInput(id: string, plan: string, users: string[], over: Partial<AccountInput> = {}): AccountInput {
  const country = over.country ?? (plan.startsWith('be-') || plan === 'answering-service' ? 'BE' : 'FR');
  return {
    id,
    name: id,
    plan,
    billing: 'monthly',
    activated: '2025-01-01',
    country,
    time_zone: country === 'BE' ? 'Europe/Brussels' : 'Europe/Paris',
    vat_country: country,
    credit_limit: '100.00',
    options: [],
    users: users.map((u) => ({ id: u })),
    ...over,
  };
}

/** A rating context with a single account `acc-1` (or the accounts given). */
export function contextOf(catalog: Catalog, ...accounts: AccountInput[]): RateContext {
  return { catalog, accounts: accountBook(accounts, catalog) };
}

/** Zero-padded n-th subscriber number under a national prefix, e.g. nth('+3361', 7, 8) = '+336100000007'. */
export const nth = (prefix: string, n: number, width = 7): string => `${prefix}${String(n).padStart(width, '0')}`;

/** Fixed clock for deterministic rated_at_ms. */
export const fixedNow = (): number => 1_750_000_000_000;
