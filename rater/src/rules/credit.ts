/**
 * Credit limits (SPEC §6, "per customer and per user"): a rated CDR's cost is added to its
 * account's month and its user's, and the CDR that takes either beyond its limit raises one
 * alert for the month. Runs after the usage rule, on every kind.
 */
import type { Cdr } from '@ratel/schemas';
import { type AccountMonth, type UserMonth, userMonth } from '../allowance.js';
import type { Draft, Resolved } from '../rate.js';

/** Adds the draft's cost to the account's and the user's month; CREDIT_LIMIT / USER_CREDIT_LIMIT alerts at the crossing. */
export function chargeCredit(cdr: Cdr, r: Resolved, state: AccountMonth, d: Draft): void {
  const cost = d.rating.cost_micros;
  const month = d.rating.month;
  const before = state.costMicros;
  state.costMicros += cost;
  if (!state.creditAlerted && before <= r.creditLimitMicros && state.costMicros > r.creditLimitMicros) {
    state.creditAlerted = true;
    d.alerts.push({
      kind: 'CREDIT_LIMIT',
      account_id: cdr.account_id,
      user_id: cdr.user_id,
      cdr_id: cdr.id,
      month,
      at_ms: cdr.start_ms,
      detail: `usage ${state.costMicros} micros exceeds credit limit ${r.creditLimitMicros}`,
    });
  }
  const userLimit = r.userLimitMicros;
  if (userLimit !== Number.POSITIVE_INFINITY && cost > 0) userCredit(cdr, userMonth(state, r.user), userLimit, cost, d);
}

/** Adds a CDR's cost to its user's month; alerts at the CDR that takes it beyond the user's own limit. */
function userCredit(cdr: Cdr, u: UserMonth, limit: number, cost: number, d: Draft): void {
  const before = u.costMicros;
  u.costMicros += cost;
  if (u.creditAlerted || before > limit || u.costMicros <= limit) return;
  u.creditAlerted = true;
  d.alerts.push({
    kind: 'USER_CREDIT_LIMIT',
    account_id: cdr.account_id,
    user_id: cdr.user_id,
    cdr_id: cdr.id,
    month: d.rating.month,
    at_ms: cdr.start_ms,
    detail: `user usage ${u.costMicros} micros exceeds user credit limit ${limit}`,
  });
}
