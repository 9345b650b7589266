/** CDRs and rating contexts shared by the regression tests of hostile CDR content. */
import { accountBook, loadCatalog, type RateContext } from '@ratel/rater';
import { type Cdr, localCodecs } from '@ratel/schemas';
import { accountInput, dataSession, voice } from '../rater/helpers.js';

export const catalog = loadCatalog();
/** acc-1 (Forfait Start, user u1) and acc-m (Belgian mobile unlimited with data, user m1). */
export const ctx: RateContext = {
  catalog,
  accounts: accountBook([accountInput('acc-1', 'fr-start', ['u1']), accountInput('acc-m', 'be-mobile-unlimited', ['m1'])], catalog),
};
export const codec = localCodecs().cdr;
export const NOW = Date.parse('2026-10-20T12:00:00Z');
export const now = (): number => NOW;

/** A good call of acc-1's user u1 in October 2026. */
export const good = (id: string, day = 5): Cdr => voice(id, 'u1', '+33612345678', `2026-10-${String(day).padStart(2, '0')}T10:00:00`, 60);

/** A data session of acc-m's user m1 with these byte counts. */
export const session = (id: string, up: number, down: number): Cdr =>
  dataSession(id, 'm1', '2026-10-06T10:00:00', down, { account: 'acc-m', bytesUp: up });
