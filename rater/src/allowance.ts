/**
 * Per user-month and per account-month usage state: what the pack has already consumed.
 * Fair-use caps are applied against it in call start-time order (SPEC §4 interpretation).
 * Callee sets hold numeric keys (keyNumber in normalise.ts).
 */
import { KeySet } from './key-set.js';

export interface UserMonth {
  /** Distinct callees counted against the distinct-correspondent cap. */
  callees: KeySet;
  /**
   * Voice seconds counted against the monthly cap: every second of the pack's scope when the
   * plan's caps count all usage (Plan.capsCountAllUsage), only the included ones otherwise.
   */
  seconds: number;
  /** Callees already called for longer than the repeated-long-call threshold. */
  longCallees: KeySet;
  /** Forwarded calls of the month to non-operator numbers (the forward rule, 003 §4.5). */
  offNetForwards: number;
  /** SMS parts counted against the SMS cap (all parts in scope, or the included ones: as `seconds`). */
  sms: number;
  smsDestinations: KeySet;
  bytesNational: number;
  bytesEu: number;
  /** What the user's CDRs of the month cost, against the user's own credit limit. */
  costMicros: number;
  creditAlerted: boolean;
  /** Fair-use caps already reported as crossed (one alert per cap and month); null before the first. */
  crossed: Set<string> | null;
}

export interface AccountMonth {
  costMicros: number;
  creditAlerted: boolean;
  /**
   * The first user's month (user index 0), then the others by user index within the account
   * (Account.userIndex). Most accounts have one user: its state is one field away, not two
   * objects (array and elements) further.
   */
  user0: UserMonth | null;
  others: (UserMonth | undefined)[] | null;
}

export function newAccountMonth(): AccountMonth {
  return { costMicros: 0, creditAlerted: false, user0: null, others: null };
}

/** Empties an account-month in place (before it is rated again from its start). */
export function resetAccountMonth(a: AccountMonth): void {
  a.costMicros = 0;
  a.creditAlerted = false;
  a.user0 = null;
  a.others = null;
}

export function userMonth(a: AccountMonth, user: number): UserMonth {
  if (user === 0) {
    if (a.user0 === null) a.user0 = newUserMonth();
    return a.user0;
  }
  if (a.others === null) a.others = [];
  let u = a.others[user];
  if (u === undefined) {
    u = newUserMonth();
    a.others[user] = u;
  }
  return u;
}

function newUserMonth(): UserMonth {
  return {
    callees: new KeySet(),
    seconds: 0,
    longCallees: new KeySet(),
    offNetForwards: 0,
    sms: 0,
    smsDestinations: new KeySet(),
    bytesNational: 0,
    bytesEu: 0,
    costMicros: 0,
    creditAlerted: false,
    crossed: null,
  };
}
