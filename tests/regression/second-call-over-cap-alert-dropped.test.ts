/**
 * Finding (issue #16 item 6, alert ids): the voice rule raises one FAIR_USE alert per call over
 * the 1 h per-call cap (seed 004 « 1h maximum par appel »; SPEC §6 "fair-use crossings are alert
 * events"), but the engine de-duplicates alerts by kind, user and detail, and the detail was
 * `call over 3600 s` for every such call: the user's second long call of the month raised no
 * alert, and the alerts topic could not tell two calls apart. The detail now names the call.
 */
import { alertId, loadCatalog, rateAll } from '@ratel/rater';
import { describe, expect, it } from 'vitest';
import { accountInput, contextOf, fixedNow, voice } from '../rater/helpers.js';

describe('regression: second call over the per-call cap raised no alert', () => {
  it('two calls of 3700 s by one user in a month raise two FAIR_USE alerts with two ids', () => {
    const catalog = loadCatalog();
    const ctx = contextOf(catalog, accountInput('acc-1', 'fr-start', ['u1']));
    const out = rateAll(
      ctx,
      [
        voice('long1', 'u1', '+33612345678', '2025-03-03T08:00:00Z', 3700),
        voice('long2', 'u1', '+33612345679', '2025-03-04T08:00:00Z', 3700),
      ],
      fixedNow,
    );
    const fairUse = out.alerts.filter((a) => a.kind === 'FAIR_USE');
    expect(fairUse.map((a) => a.cdr_id)).toEqual(['long1', 'long2']);
    expect(new Set(fairUse.map(alertId)).size).toBe(2);
  });
});
