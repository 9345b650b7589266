/** A draft for one CDR, to call a rule module on its own (what rateCdr does before the rule runs). */
import {
  type AccountInput,
  type AccountMonth,
  type Catalog,
  type Draft,
  newAccountMonth,
  newRating,
  type Resolved,
  reasonsOf,
  resolve,
} from '@ratel/rater';
import type { Cdr } from '@ratel/schemas';
import { contextOf } from '../helpers.js';

export interface RuleCase {
  r: Resolved;
  d: Draft;
  state: AccountMonth;
  /** The reason codes the rule set on the draft so far. */
  reasons: () => readonly string[];
}

/** Resolves `cdr` for `account` in March 2025 and starts its draft; `state` may be shared between cases. */
export function ruleCase(catalog: Catalog, account: AccountInput, cdr: Cdr, state: AccountMonth = newAccountMonth()): RuleCase {
  const month = 202503;
  const r = resolve(cdr, contextOf(catalog, account), month);
  const d: Draft = { rating: newRating(cdr, r, month), why: 0, alerts: [] };
  return { r, d, state, reasons: () => reasonsOf(d.why) };
}
