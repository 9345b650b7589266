/**
 * ratel as a library: one account, a few CDRs built by hand, rated by the same session as the
 * pipeline into the embedded store, read back, and the month invoiced.
 * `tests/examples/library.test.ts` runs it; the README's "Use as a library" shows it.
 */
import { closeMonth, createSchema, invoiceText, openChdbStore, readAlerts, readRatings, storeHistory, storeSink } from '@ratel/aggregator';
import { accountBook, loadCatalog, RatingSession } from '@ratel/rater';
import { messageCdr, voiceCdr } from '@ratel/schemas';

export async function rateAMonth(dataDir: string, outDir: string) {
  const catalog = loadCatalog(); // the shipped catalog (rater/catalog/)
  // The same defaults and checks as an accounts file: name, billing, credit limit, options...
  const accounts = accountBook(
    [
      {
        id: 'acme',
        plan: 'fr-start',
        activated: '2026-09-01',
        country: 'FR',
        time_zone: 'Europe/Paris',
        vat_country: 'FR',
        users: [{ id: 'alice' }],
      },
    ],
    catalog,
  );
  const store = await openChdbStore(dataDir);
  try {
    await createSchema(store);
    const session = new RatingSession({ catalog, accounts }, { history: storeHistory(store), sink: storeSink(store) });
    const cdrs = [
      voiceCdr({ id: 'c1', account: 'acme', user: 'alice', start: '2026-10-05T09:00:00Z', callee: '0612345678', seconds: 125 }),
      voiceCdr({ id: 'c2', account: 'acme', user: 'alice', start: '2026-10-06T18:30:00Z', callee: '+34612345678', seconds: 61 }),
      messageCdr({ id: 's1', account: 'acme', user: 'alice', start: '2026-10-07T12:00:00Z', recipient: '0698765432' }),
      voiceCdr({ id: 'bad', account: 'nobody', user: 'x', start: '2026-10-07T12:00:00Z', callee: '0612345678', seconds: 10 }),
    ];
    const { out } = await session.rate(cdrs);
    await session.drain();
    const ratings = await readRatings(store, { month: 202610, account: 'acme' });
    const alerts = await readAlerts(store, { month: 202610 });
    // Month close: invoices issued at the close's clock, written to outDir (JSON, CSV, HTML, PDF).
    const closed = await closeMonth(store, catalog, accounts, 202610, outDir, { now: () => Date.parse('2026-11-01T02:00:00Z') });
    const invoice = closed.run.issued[0];
    return { dead: out.dead, ratings, alerts, invoice, folder: closed.folder, text: invoice ? invoiceText(invoice) : '' };
  } finally {
    await store.close();
  }
}
