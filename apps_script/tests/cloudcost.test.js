'use strict';
/**
 * Issue 18: the sidebar's estimate shows the job's cloud cost (Cloud Run + Firestore + Cloud Tasks at
 * list prices) as the backend sends it in `cloud_cost_usd`, to the tenth of a cent.
 */

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { launch, world, openPage } = require('./browser');

const PER_COMPANY = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'cloud_cost.json'), 'utf8')).usd_per_company;
const FAST = { pollMs: 30, idlePollMs: 60, pausedPollMs: 60000, idleAfterMs: 60000, maxPollFailures: 3, estimateDebounceMs: 10 };

let browser;
test.before(async () => { browser = await launch(); });
test.after(async () => { if (browser) await browser.close(); });

test('the estimate shows the cloud cost of the job', async () => {
  const addon = world();
  addon.ctx.researchSelectedRows();
  const page = await openPage(browser, addon, addon.ui.sidebars.at(-1).getContent(), 'cloudcost', FAST);
  await page.evaluate(() => window.Rowscout.ready);
  await page.waitForFunction(() => document.getElementById('estimate').innerText.includes('cloud'), null, { timeout: 5000 });
  const shown = await page.locator('#estimate').innerText();
  const rows = Number(/(\d+) rows to research/.exec(shown)[1]);
  const expected = (Math.round(rows * PER_COMPANY * 10000) / 10000).toFixed(4);
  assert.match(shown, new RegExp(`rows to research · .* · cloud ≈ \\$${expected.replace('.', '\\.')}$`));
  assert.ok(Number(expected) > 0);
});
