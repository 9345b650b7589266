/**
 * Per user-month and per account-month usage state: what the pack has already consumed.
 * Fair-use caps are applied against it in call start-time order (SPEC §4 interpretation).
 * Callee sets hold numeric keys (keyNumber in normalise.ts).
 */
import { KeySet } from './key-set.js';

export interface UserMonth {
  /** Distinct callees counted against the distinct-correspondent cap. */
  callees: KeySet;
  /** Included voice seconds used against the monthly cap. */
  seconds: number;
  /** Callees already called for longer than the repeated-long-call threshold. */
  longCallees: KeySet;
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
  /** By user index within the account (Account.userIndex). */
  users: (UserMonth | undefined)[];
}

export function newAccountMonth(): AccountMonth {
  return { costMicros: 0, creditAlerted: false, users: [] };
}

export function userMonth(a: AccountMonth, user: number): UserMonth {
  let u = a.users[user];
  if (u === undefined) {
    u = {
      callees: new KeySet(),
      seconds: 0,
      longCallees: new KeySet(),
      sms: 0,
      smsDestinations: new KeySet(),
      bytesNational: 0,
      bytesEu: 0,
      costMicros: 0,
      creditAlerted: false,
      crossed: null,
    };
    a.users[user] = u;
  }
  return u;
}
