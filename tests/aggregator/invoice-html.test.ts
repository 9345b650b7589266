/** The HTML invoice, rendered by a real headless Chromium: it renders, and the totals are visible. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInvoice, invoiceHtml, type UsageTotal } from '@ratel/aggregator';
import { accountBook, loadCatalog } from '@ratel/rater';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { accountInput } from '../rater/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--hide-scrollbars',
];
const dir = mkdtempSync(join(tmpdir(), 'ratel-html-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const catalog = loadCatalog();
const accounts = accountBook(
  [accountInput('ACME', 'fr-pro', ['u1'], { name: 'Acme & Co <Paris>', activated: '2026-09-17', options: ['call-recording'] })],
  catalog,
);
const usage: UsageTotal[] = [
  {
    account_id: 'ACME',
    user_id: 'u1',
    plan_id: 'fr-pro',
    kind: 'VOICE',
    dest_class: 'mobile',
    destination: 'France mobile',
    overage: 0,
    records: 12,
    quantity: 4000,
    included_qty: 3000,
    billed_qty: 1000,
    cost_micros: 14_880_000,
  },
];
const inv = buildInvoice(catalog, accounts, 'ACME', 202609, usage, Date.parse('2026-09-30T22:00:00Z'));

function chromium(args: string[]): string {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run \`bash deploy/chromium.sh\` (npm test does this)`);
  return execFileSync(CHROMIUM, [...FLAGS, `--user-data-dir=${join(dir, 'profile')}`, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

describe('HTML invoice in headless Chromium', () => {
  const file = join(dir, 'invoice.html');
  writeFileSync(file, invoiceHtml(inv));

  it('renders the lines and the totals as text', () => {
    const dom = chromium(['--dump-dom', `file://${file}`]);
    expect(dom).toContain('Acme &amp; Co &lt;Paris&gt;');
    expect(dom).toMatch(/id="total-incl">[^<]*/);
    // Pro 39.90 * 14/30 = 18.62; Pro Oct 39.90; recording 10 * 14/30 = 4.67 and 10.00; usage 14.88.
    // Total 88.07; VAT 20% = 17.614 -> 17.61; incl. 105.68.
    expect(inv.total_excl_micros).toBe(88_070_000);
    expect(dom).toContain('88.07&nbsp;EUR');
    expect(dom).toContain('17.61&nbsp;EUR');
    expect(dom).toContain('105.68&nbsp;EUR');
  });

  it('takes a screenshot with the totals band visible', () => {
    const png = join(dir, 'invoice.png');
    chromium([`--screenshot=${png}`, '--window-size=1000,900', `file://${file}`]);
    const img = PNG.sync.read(readFileSync(png));
    expect([img.width, img.height]).toEqual([1000, 900]);
    let ink = 0;
    let band = 0;
    let bandText = 0;
    for (let i = 0; i < img.data.length; i += 4) {
      const [r, g, b] = [img.data[i] as number, img.data[i + 1] as number, img.data[i + 2] as number];
      if (r < 200 || g < 200 || b < 200) ink++;
      if (r === 0x1f && g === 0x3a && b === 0x5f) band++;
      // white glyphs drawn on the band: pixels surrounded by band colour in the same row
      if (r > 230 && g > 230 && b > 230) {
        const left = i - 12;
        if (left >= 0 && img.data[left] === 0x1f && img.data[left + 1] === 0x3a) bandText++;
      }
    }
    expect(ink / (img.width * img.height)).toBeGreaterThan(0.01); // not blank
    expect(band).toBeGreaterThan(5_000); // the grand-total band is on screen
    expect(bandText).toBeGreaterThan(20); // with text written in it
  });
});
