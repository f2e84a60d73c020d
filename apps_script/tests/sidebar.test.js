'use strict';
/**
 * The sidebar and the Settings dialog in headless Chromium: estimate, start,
 * live progress over polls, pause / resume / cancel, retry failed rows,
 * error display, the jobs list and the polling back-off.
 */

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { ARTIFACTS, launch, world, openPage } = require('./browser');
const { FakeBackend } = require('./fake_backend');

const FAST = { pollMs: 30, idlePollMs: 60, pausedPollMs: 60000, idleAfterMs: 60000, maxPollFailures: 3, estimateDebounceMs: 10 };

let browser;

test.before(async () => {
  browser = await launch();
});

test.after(async () => {
  if (browser) await browser.close();
});

async function sidebar(addon, { menu = 'researchSelectedRows', config = FAST, name = 'sidebar' } = {}) {
  addon.ctx[menu]();
  const page = await openPage(browser, addon, addon.ui.sidebars.at(-1).getContent(), name, config);
  await page.evaluate(() => window.Rowscout.ready);
  return page;
}

const text = (page, selector) => page.locator(selector).innerText();
const number = async (page, id) => Number(await text(page, `#${id}`));
const waitFor = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });

test('start a job, watch it progress, pause, resume and cancel', async () => {
  const addon = world();
  const page = await sidebar(addon);
  await waitFor(page, () => document.getElementById('estimate').innerText.includes('40 rows to research'));
  assert.equal(await text(page, '#selection-summary'), 'Leads: 40 rows in A2:C40, A57:C57');
  assert.match(await text(page, '#estimate'), /40 rows to research · about 2 min · \$0\.00/);
  assert.match(await text(page, '#column-reasons'), /Detected: company = Company, website = Website/);

  await page.locator('#fields input[value="linkedin"]').uncheck();
  await page.locator('#name-column').selectOption('Company');
  await waitFor(page, () => !document.getElementById('start').disabled);
  const lastEstimate = addon.fetch.requests.filter((r) => r.url.endsWith('/estimate')).at(-1).body;
  assert.equal(lastEstimate.name_column, 'Company');
  assert.deepEqual(lastEstimate.fields, ['website', 'description', 'industry', 'hq_country', 'employees']);

  await page.screenshot({ path: path.join(ARTIFACTS, 'sidebar-setup.png'), fullPage: true });
  await page.locator('#start').click();
  await waitFor(page, () => Number(document.getElementById('count-done').innerText) >= 6);
  const submitted = addon.backend.jobs.get('job-1').body;
  assert.deepEqual(submitted.ranges, ['A2:C40', 'A57:C57']);
  assert.equal(submitted.sheet_id, 77);
  assert.ok(addon.backend.count('GET /api/v1/jobs/job-1') >= 2, 'progress came from several polls');
  assert.equal(await text(page, '#job-state'), 'running');
  await waitFor(page, () => document.querySelector('#error-kinds li[data-kind="dns"]'));
  assert.ok(await page.locator('#errors-box').isVisible());
  assert.match(await text(page, '#rate'), /42\.5 rows\/min/);

  await page.locator('#pause').click();
  await waitFor(page, () => document.getElementById('job-state').innerText === 'paused');
  assert.equal(await page.evaluate(() => window.Rowscout.state.pollDelay), FAST.pausedPollMs);
  assert.ok(await page.locator('#resume').isVisible());
  assert.equal(await text(page, '#eta'), 'paused');
  assert.ok(!(await page.locator('#pause').isVisible()));
  await page.screenshot({ path: path.join(ARTIFACTS, 'sidebar.png'), fullPage: true });

  const doneWhenPaused = await number(page, 'count-done');
  await page.locator('#resume').click();
  await waitFor(page, (before) => Number(document.getElementById('count-done').innerText) > before, doneWhenPaused);

  await page.locator('#cancel').click();
  await waitFor(page, () => document.getElementById('job-state').innerText === 'cancelled');
  assert.equal(await page.evaluate(() => window.Rowscout.state.pollTimer), null);
  for (const id of ['pause', 'resume', 'cancel']) assert.ok(!(await page.locator(`#${id}`).isVisible()), id);
  assert.deepEqual(page.pageErrors, []);
  await page.close();
});

test('a job runs to completion, polling stops, and failed rows can be retried', async () => {
  const addon = world({ selection: ['A2:C7'], backend: new FakeBackend({ step: 3 }) });
  const page = await sidebar(addon);
  await waitFor(page, () => !document.getElementById('start').disabled);
  await page.locator('#start').click();
  await waitFor(page, () => document.getElementById('job-state').innerText === 'completed');
  assert.equal(await text(page, '#percent'), '100% of 6 rows');
  assert.equal(await number(page, 'count-failed'), 1);
  assert.equal(await page.evaluate(() => window.Rowscout.state.pollTimer), null);
  const polls = addon.backend.count('GET /api/v1/jobs/job-1');

  await page.locator('#retry-failed').click();
  await waitFor(page, () => document.getElementById('job-state').innerText === 'completed' &&
    document.getElementById('count-failed').innerText === '0');
  assert.equal(addon.backend.count('POST /api/v1/jobs/job-1/retry-failed'), 1);
  assert.ok(addon.backend.count('GET /api/v1/jobs/job-1') > polls);
  assert.equal(await number(page, 'count-done'), 6);
  assert.ok(!(await page.locator('#errors-box').isVisible()));
  await page.close();
});

test('no selection shows a clear message and Start stays disabled', async () => {
  const addon = world({ selection: [] });
  const page = await sidebar(addon, { name: 'sidebar-no-selection' });
  await waitFor(page, () => !document.getElementById('banner').classList.contains('hidden'));
  assert.match(await text(page, '#banner'), /^Select the rows to research first/);
  assert.ok(await page.locator('#start').isDisabled());
  assert.equal(addon.fetch.requests.length, 0);
  await page.close();
});

test('backend errors on estimate are shown and cleared by a later success', async () => {
  const backend = new FakeBackend();
  backend.failNext(/POST \/api\/v1\/estimate/, 429, 'quota_exceeded', 'daily limit of 500 rows reached');
  const addon = world({ backend });
  const page = await sidebar(addon, { name: 'sidebar-quota' });
  await waitFor(page, () => document.getElementById('banner').innerText.includes('quota'));
  assert.match(await text(page, '#banner'), /quota is used up.*daily limit of 500 rows reached/);
  assert.ok(await page.locator('#start').isDisabled());

  backend.failNext(/POST \/api\/v1\/estimate/, 400, 'no_company_column', 'no header looks like a company');
  await page.locator('#fields input[value="phones"]').check();
  await waitFor(page, () => document.getElementById('banner').innerText.includes('No company name'));

  await page.locator('#name-column').selectOption('Company');
  await waitFor(page, () => document.getElementById('banner').classList.contains('hidden'));
  assert.ok(await page.locator('#start').isEnabled());
  await page.close();
});

test('an unreachable backend while polling stops after a few tries and can be refreshed', async () => {
  const addon = world();
  const page = await sidebar(addon, { name: 'sidebar-unreachable' });
  await waitFor(page, () => !document.getElementById('start').disabled);
  await page.locator('#start').click();
  await waitFor(page, () => document.getElementById('job-state').innerText === 'running');
  addon.backend.unreachable = true;
  await waitFor(page, () => document.getElementById('poll-status').innerText.startsWith('Stopped updating'));
  assert.match(await text(page, '#banner'), /^Rowscout backend unreachable at https:\/\/rowscout-test\.a\.run\.app/);
  assert.equal(await text(page, '#poll-status'), 'Stopped updating after 3 failed attempts.');

  addon.backend.unreachable = false;
  await page.locator('#refresh-job').click();
  await waitFor(page, () => document.getElementById('banner').classList.contains('hidden'));
  assert.ok(!(await page.locator('#refresh-job').isVisible()));
  await page.close();
});

test('the jobs list shows recent jobs and opens one', async () => {
  const addon = world();
  addon.ctx.startJob({ selection: addon.ctx.getSelectionInfo({}), fields: ['website'], name: 'First batch' });
  addon.ctx.startJob({ selection: addon.ctx.getSelectionInfo({}), fields: ['website'], name: 'Second batch' });
  const page = await sidebar(addon, { menu: 'showJobs', name: 'sidebar-jobs' });
  await waitFor(page, () => document.querySelectorAll('#job-list li').length === 2);
  const names = await page.locator('#job-list li b').allInnerTexts();
  assert.deepEqual(names, ['Second batch', 'First batch']);
  assert.match(await page.locator('#job-list li').first().innerText(), /this spreadsheet/);
  await page.locator('#job-list li').nth(1).click();
  await waitFor(page, () => document.getElementById('job-name').innerText === 'First batch');
  assert.ok(await page.locator('#view-progress').isVisible());
  await page.close();
});

test('shipped polling intervals: 3 s active, slower when idle, hidden or paused, none when final', async () => {
  const page = await sidebar(world(), { config: null, name: 'sidebar-defaults' });
  const delays = await page.evaluate(() => {
    const next = window.Rowscout.nextPollDelay;
    const now = 1000000;
    return {
      active: next({ state: 'running' }, now, now - 1000, false),
      queued: next({ state: 'queued' }, now, now, false),
      idle: next({ state: 'running' }, now, now - 10 * 60000, false),
      hidden: next({ state: 'running' }, now, now, true),
      paused: next({ state: 'paused' }, now, now, false),
      completed: next({ state: 'completed' }, now, now, false),
      cancelled: next({ state: 'cancelled' }, now, now, false),
    };
  });
  assert.equal(delays.active, 3000);
  assert.equal(delays.queued, 3000);
  assert.ok(delays.idle >= 15000 && delays.idle <= 30000, `idle ${delays.idle}`);
  assert.ok(delays.hidden >= 15000 && delays.hidden <= 30000, `hidden ${delays.hidden}`);
  assert.ok(delays.paused >= 15000 && delays.paused <= 30000, `paused ${delays.paused}`);
  assert.equal(delays.completed, null);
  assert.equal(delays.cancelled, null);
  await page.close();
});

test('the Settings dialog offers no backend URL, saves preferences and reports bad input', async () => {
  const addon = world();
  addon.ctx.showSettings();
  const page = await openPage(browser, addon, addon.ui.dialogs[0].output.getContent(), 'settings', null);
  await page.evaluate(() => window.RowscoutSettings.ready);
  assert.equal(await page.locator('#fields input:checked').count(), 6);
  assert.equal(await page.locator('#backend-url, input[type="url"]').count(), 0);
  const inputValues = await page.locator('input').evaluateAll((inputs) => inputs.map((input) => input.value));
  assert.ok(inputValues.every((value) => !/https?:/.test(value)), 'no field holds a URL');
  assert.doesNotMatch(await page.locator('body').innerText(), /backend|https?:\/\//i);

  await page.locator('#refresh-days').fill('30');
  await page.locator('#fields input[value="github"]').check();
  await page.locator('#save').click();
  await waitFor(page, () => document.getElementById('banner').innerText === 'Settings saved.');
  assert.equal(addon.props.user.getProperty('ROWSCOUT_REFRESH_DAYS'), '30');
  assert.ok(JSON.parse(addon.props.user.getProperty('ROWSCOUT_DEFAULT_FIELDS')).includes('github'));
  assert.deepEqual(addon.props.document.getProperties(), {});
  await page.screenshot({ path: path.join(ARTIFACTS, 'settings.png'), fullPage: true });

  await page.locator('#refresh-days').fill('99999'); // passes the form's own checks, not the server's
  await page.locator('#save').click();
  await waitFor(page, () => document.getElementById('banner').innerText.includes('whole number'));
  assert.equal(addon.props.user.getProperty('ROWSCOUT_REFRESH_DAYS'), '30');
  await page.locator('#close').click();
  assert.equal(await page.evaluate(() => window.__hostClosed), true);
  assert.deepEqual(page.pageErrors, []);
  await page.close();
});

test('the sidebar shows no editable backend URL', async () => {
  const addon = world();
  const page = await sidebar(addon, { name: 'sidebar-no-url' });
  assert.equal(await page.locator('input[type="url"], #backend-url').count(), 0);
  const inputValues = await page.locator('input, textarea').evaluateAll((inputs) => inputs.map((input) => input.value));
  assert.ok(inputValues.every((value) => !value.includes(addon.backend.base)), 'no field holds the backend URL');
  await page.close();
});

test('a field can be written into one of the user\'s columns, and only the chosen ones are sent', async () => {
  const addon = world();
  const page = await sidebar(addon, { name: 'sidebar-mapping' });
  await waitFor(page, () => document.getElementById('estimate').innerText.includes('rows to research'));
  await page.locator('#mapping-box summary').click();
  const offered = await page.locator('#mapping select[data-field="hq_country"] option').allInnerTexts();
  assert.deepEqual(offered, ['a new Rowscout column', 'Company', 'Website', 'Country']);
  await page.locator('#mapping select[data-field="hq_country"]').selectOption('Country');
  await waitFor(page, () => !document.getElementById('start').disabled);
  const lastEstimate = addon.fetch.requests.filter((r) => r.url.endsWith('/estimate')).at(-1).body;
  assert.deepEqual(lastEstimate.column_map, { hq_country: 'Country' });

  await page.locator('#fields input[value="hq_country"]').uncheck();  // a field no longer researched is not mapped
  assert.equal(await page.locator('#mapping select[data-field="hq_country"]').count(), 0);
  await page.locator('#fields input[value="hq_country"]').check();
  await page.locator('#mapping select[data-field="industry"]').selectOption('Country');
  await waitFor(page, () => !document.getElementById('start').disabled);
  await page.locator('#start').click();
  await waitFor(page, () => document.getElementById('job-state').innerText !== '');
  assert.deepEqual(addon.backend.jobs.get('job-1').body.column_map, { industry: 'Country' });
  assert.deepEqual(page.pageErrors, []);
  await page.close();
});
