// A child process for the invoice-number crash test: `run <dir> <month> <pause>` issues the
// month's invoices of 30 accounts on a chDB store in <dir>, headers 5 per insert, printing
// `headers <n>` after each insert and pausing <pause> ms after the first (to be killed there);
// `read <dir>` prints the stored numbers as JSON. Imports the built packages.
import { createSchema, openChdbStore, runInvoices } from '../../aggregator/dist/index.js';
import { accountBook, loadCatalog } from '../../rater/dist/index.js';

const [mode, dir, monthArg, pauseArg] = process.argv.slice(2);
const store = openChdbStore(dir);
await createSchema(store);
if (mode === 'read') {
  const rows = await store.query(
    'SELECT account_id, month, number, number_seq, number_year FROM invoices FINAL ORDER BY number_year, number_seq',
  );
  console.log(JSON.stringify(rows));
} else {
  const catalog = loadCatalog();
  const ids = Array.from({ length: 30 }, (_, i) => `crash-${String(i).padStart(2, '0')}`);
  const accounts = accountBook(
    ids.map((id) => ({
      id,
      plan: 'fr-start',
      activated: '2025-03-01',
      country: 'FR',
      time_zone: 'Europe/Paris',
      vat_country: 'FR',
      users: [{ id: `${id}-u1` }],
    })),
    catalog,
  );
  const month = Number(monthArg);
  const pause = Number(pauseArg ?? 0);
  const issuedAt = Date.UTC(Math.floor(month / 100), month % 100, 1, 6);
  const terms = {
    seller: {
      name: 'Crash Telecom SAS',
      address: '1 rue A\n75001 Paris',
      companyNumber: 'RCS Paris 111 222 333',
      vatNumber: 'FR11111222333',
    },
    numberPrefix: 'FA',
    paymentTermsDays: 30,
    timeZone: 'Europe/Paris',
    legalText: 'Late payment: penalties; 40 EUR recovery fee.',
  };
  const run = await runInvoices(store, catalog, accounts, month, () => issuedAt, {
    terms,
    chunkRows: 5,
    onHeaders: async (n) => {
      console.log(`headers ${n}`);
      if (n === 5 && pause > 0) await new Promise((r) => setTimeout(r, pause));
    },
  });
  console.log(`issued ${run.issued.length}`);
}
await store.close();
