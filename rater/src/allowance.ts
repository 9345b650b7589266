/**
 * Per user-month and per account-month usage state: what the pack has already consumed.
 * Fair-use caps are applied against it in call start-time order (SPEC §4 interpretation).
 */
export interface UserMonth {
  /** Distinct callees (normalised) counted against the distinct-correspondent cap. */
  callees: Set<string>;
  /** Included voice seconds used against the monthly cap. */
  seconds: number;
  /** Callees already called for longer than the repeated-long-call threshold. */
  longCallees: Set<string>;
  sms: number;
  smsDestinations: Set<string>;
  bytesNational: number;
  bytesEu: number;
  /** Fair-use caps already reported as crossed (one alert per cap and month). */
  crossed: Set<string>;
}

export interface AccountMonth {
  costMicros: number;
  creditAlerted: boolean;
  users: Map<string, UserMonth>;
}

export function newAccountMonth(): AccountMonth {
  return { costMicros: 0, creditAlerted: false, users: new Map() };
}

export function userMonth(a: AccountMonth, userId: string): UserMonth {
  let u = a.users.get(userId);
  if (!u) {
    u = {
      callees: new Set(),
      seconds: 0,
      longCallees: new Set(),
      sms: 0,
      smsDestinations: new Set(),
      bytesNational: 0,
      bytesEu: 0,
      crossed: new Set(),
    };
    a.users.set(userId, u);
  }
  return u;
}
