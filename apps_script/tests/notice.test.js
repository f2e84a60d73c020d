'use strict';
/**
 * Issue 16: a finished job's completion notice ("Job X completed at …: 9 done, 3 failed") in the sidebar,
 * while watching it and when the user comes back and opens the job from the jobs list; none before the end.
 */

const test = require('node:test');
const assert = require('node:assert/strict');
const { launch, world, openPage } = require('./browser');
const { FakeBackend } = require('./fake_backend');

const FAST = { pollMs: 30, idlePollMs: 60, pausedPollMs: 60000, idleAfterMs: 60000, maxPollFailures: 3, estimateDebounceMs: 10 };
let browser;

test.before(async () => {
  browser = await launch();
});

test.after(async () => {
  if (browser) await browser.close();
});

async function sidebar(addon, menu) {
  addon.ctx[menu]();
  const page = await openPage(browser, addon, addon.ui.sidebars.at(-1).getContent(), 'sidebar-notice', FAST);
  await page.evaluate(() => window.Rowscout.ready);
  return page;
}

const waitFor = (page, fn) => page.waitForFunction(fn, null, { timeout: 5000 });

test('a finished job shows its completion notice, also when opened again later', async () => {
  const addon = world({ selection: ['A2:C13'], backend: new FakeBackend({ step: 3 }) });
  const page = await sidebar(addon, 'researchSelectedRows');
  await waitFor(page, () => !document.getElementById('start').disabled);
  await page.locator('#start').click();
  await waitFor(page, () => document.getElementById('job-state').innerText === 'running');
  assert.ok(!(await page.locator('#notice').isVisible()), 'no notice while the job runs');
  await waitFor(page, () => document.getElementById('job-state').innerText === 'completed');
  const notice = await page.locator('#notice').innerText();
  assert.match(notice, /^Job .+ completed at 2024-05-01 09:01 UTC: 9 done, 3 failed$/);
  await page.close();

  const later = await sidebar(addon, 'showJobs'); // the user comes back
  await waitFor(later, () => document.querySelectorAll('#job-list li').length === 1);
  await later.locator('#job-list li').first().click();
  await waitFor(later, () => !document.getElementById('notice').classList.contains('hidden'));
  assert.equal(await later.locator('#notice').innerText(), notice);
  assert.deepEqual(later.pageErrors, []);
  await later.close();
});
