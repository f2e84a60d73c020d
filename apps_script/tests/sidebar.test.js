'use strict';
/**
 * The sidebar and the Settings dialog in headless Chromium: estimate, start,
 * live progress over polls, pause / resume / cancel, failed rows by name and
 * their retry once the job is finished, "Try on 5 rows", the preview of the
 * columns a job adds, the totals, error display, the jobs list and the polling
 * back-off. Each state is photographed (`snap`: test-artifacts/, and with
 * ROWSCOUT_UPDATE_SCREENSHOTS=1 apps_script/docs/screenshots/ for the README).
 */

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { launch, world, openPage, snap } = require('./browser');
const { FakeBackend } = require('./fake_backend');

const FIELDS = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'fields.json'), 'utf8')).fields;
const DEFAULTS = FIELDS.filter((f) => f.default).map((f) => f.name);
const LABEL = Object.fromEntries(FIELDS.map((f) => [f.name, f.label]));
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

  // one field list: the backend's names, labels (the sheet's headers) and defaults
  const shown = await page.locator('#fields label').allInnerTexts();
  assert.deepEqual(shown.map((t) => t.trim()), FIELDS.map((f) => f.label));
  const ticked = await page.locator('#fields input:checked').evaluateAll((inputs) => inputs.map((i) => i.value));
  assert.deepEqual(ticked, DEFAULTS);

  await page.locator('#fields input[value="linkedin"]').uncheck();
  await page.locator('#name-column').selectOption('Company');
  await waitFor(page, () => !document.getElementById('start').disabled);
  const lastEstimate = addon.fetch.requests.filter((r) => r.url.endsWith('/estimate')).at(-1).body;
  assert.equal(lastEstimate.name_column, 'Company');
  const chosen = DEFAULTS.filter((f) => f !== 'linkedin');
  assert.deepEqual(lastEstimate.fields, chosen);
  // the preview lists the columns the backend says the job adds, in order
  const preview = await page.locator('#new-columns li').allInnerTexts();
  assert.deepEqual(preview, ['Rowscout status', 'Researched at', ...chosen.map((f) => LABEL[f]), 'Sources']);
  assert.ok(!preview.includes('LinkedIn'));

  await snap(page, 'sidebar-setup');
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
  assert.ok(!(await page.locator('#retry-box').isVisible()), 'no retry while the job is not finished');
  assert.ok(await page.locator('#failed-rows li').first().isVisible(), 'failed rows are listed as they come');
  await snap(page, 'sidebar-paused');

  const doneWhenPaused = await number(page, 'count-done');
  await page.locator('#resume').click();
  await waitFor(page, (before) => Number(document.getElementById('count-done').innerText) > before, doneWhenPaused);

  await page.locator('#cancel').click();
  await waitFor(page, () => document.getElementById('job-state').innerText === 'cancelled');
  assert.equal(await page.evaluate(() => window.Rowscout.state.pollTimer), null);
  for (const id of ['pause', 'resume', 'cancel', 'retry-box']) assert.ok(!(await page.locator(`#${id}`).isVisible()), id);
  assert.deepEqual(page.pageErrors, []);
  await page.close();
});

test('a finished job lists its failed rows, selects one in the sheet, shows totals and retries', async () => {
  // rows 2..13: the fake fails row 5 (dns, for good), row 9 (timeout, worth retrying), row 13 (robots.txt)
  const addon = world({ selection: ['A2:C13'], backend: new FakeBackend({ step: 3 }) });
  const page = await sidebar(addon);
  await waitFor(page, () => !document.getElementById('start').disabled);
  await page.locator('#start').click();
  await waitFor(page, () => document.getElementById('job-state').innerText === 'running' &&
    document.querySelectorAll('#failed-rows li').length === 1);
  assert.ok(!(await page.locator('#retry-box').isVisible()), 'retry is offered only once the job is finished');
  assert.ok(!(await page.locator('#totals').isVisible()));
  await snap(page, 'sidebar-running');

  await waitFor(page, () => document.getElementById('job-state').innerText === 'completed');
  assert.equal(await text(page, '#percent'), '100% of 12 rows');
  assert.equal(await number(page, 'count-failed'), 3);
  assert.equal(await page.evaluate(() => window.Rowscout.state.pollTimer), null);
  const items = await page.locator('#failed-rows li').allInnerTexts();
  assert.equal(items.length, 3);
  assert.match(items[0], /Row 5\s+Company 5\s+Domain not found\s+the domain does not resolve/);
  assert.match(items[1], /Row 9\s+Company 9\s+Timed out\s+the site answered too slowly/);
  assert.match(items[2], /Row 13\s+Company 13\s+robots\.txt disallows/);
  assert.equal(await text(page, '#totals'), 'Finished in 1 min 24 s · research cost $0.03');
  assert.ok(await page.locator('#retry-box').isVisible());
  assert.equal(await page.locator('#retry-all').isChecked(), false);

  await page.locator('#failed-rows li[data-row="9"] button.link').click();
  await waitFor(page, () => document.getElementById('banner').classList.contains('hidden'));
  await page.waitForTimeout(50);
  assert.deepEqual(addon.spreadsheet.sheet.activated, ['A9:C9']);
  const values = addon.spreadsheet.sheet.values; // the user sorts: Company 13 moves to row 3
  [values[12], values[2]] = [values[2], values[12]];
  await page.locator('#failed-rows li[data-row="13"] button.link').click();
  await waitFor(page, () => document.getElementById('banner').innerText.includes('is now in row'));
  assert.equal(await text(page, '#banner'), 'Company 13 is now in row 3 (rows moved since the job started).');
  assert.deepEqual(addon.spreadsheet.sheet.activated, ['A9:C9', 'A3:C3']);
  [values[12], values[2]] = [values[2], values[12]];
  await snap(page, 'sidebar-finished');

  const polls = addon.backend.count('GET /api/v1/jobs/job-1');
  await page.locator('#retry-failed').click(); // by default: only the failures worth retrying
  await waitFor(page, () => document.getElementById('job-state').innerText === 'completed' &&
    document.getElementById('count-failed').innerText === '2');
  assert.deepEqual(addon.fetch.requests.filter((r) => r.url.includes('/retry-failed')).map((r) => r.url.split('/').at(-1)),
    ['retry-failed']);
  assert.ok(addon.backend.count('GET /api/v1/jobs/job-1') > polls);
  const left = await page.locator('#failed-rows li').evaluateAll((lis) => lis.map((li) => li.dataset.row));
  assert.deepEqual(left, ['5', '13']);

  await page.locator('#retry-failed').click(); // nothing retryable is left: the sidebar says what to do
  await waitFor(page, () => document.getElementById('banner').innerText.includes('worth retrying'));
  assert.equal(await number(page, 'count-failed'), 2);

  await page.locator('#retry-all').check(); // the "also permanent failures" choice
  await page.locator('#retry-failed').click();
  await waitFor(page, () => document.getElementById('job-state').innerText === 'completed' &&
    document.getElementById('count-failed').innerText === '0');
  const retries = addon.fetch.requests.filter((r) => r.url.includes('/retry-failed')).map((r) => r.url.split('/').at(-1));
  assert.deepEqual(retries, ['retry-failed', 'retry-failed', 'retry-failed?all=true']);
  assert.equal(await number(page, 'count-done'), 12);
  assert.ok(!(await page.locator('#errors-box').isVisible()));
  assert.deepEqual(page.pageErrors, []);
  await page.close();
});

test('Try on 5 rows: a small job first, its results, then the rest of the selection', async () => {
  const addon = world({ selection: ['A2:C40', 'A57:C57'], backend: new FakeBackend({ step: 5 }) });
  const page = await sidebar(addon, { name: 'sidebar-trial' });
  await waitFor(page, () => !document.getElementById('try-rows').disabled);
  assert.equal(await text(page, '#try-rows'), 'Try on 5 rows');
  await page.locator('#try-rows').click();
  await waitFor(page, () => document.getElementById('job-state').innerText === 'completed');
  const trial = addon.backend.jobs.get('job-1');
  assert.deepEqual(trial.body.ranges, ['A2:C6']);
  assert.equal(trial.total, 5);
  assert.equal(trial.body.name, 'Leads A2:C6');
  assert.match(await text(page, '#trial-text'), /^Tried on 5 rows: 4 done, 1 failed\. .*the other 35 rows\.$/);
  assert.equal(await text(page, '#start-rest'), 'Research the other 35 rows');
  assert.ok(await page.locator('#totals').isVisible());
  await snap(page, 'sidebar-trial-done');

  await page.locator('#start-rest').click();
  await waitFor(page, () => document.getElementById('job-name').innerText === 'Leads A7:C40, A57:C57');
  const rest = addon.backend.jobs.get('job-2');
  assert.deepEqual(rest.body.ranges, ['A7:C40', 'A57:C57']);
  // the rest fills the trial's field columns (headers as the estimate previewed them), no second set
  assert.deepEqual(rest.body.column_map, Object.fromEntries(DEFAULTS.map((f) => [f, LABEL[f]])));
  assert.equal(rest.total, 35);
  assert.ok(!(await page.locator('#trial-box').isVisible()));
  assert.deepEqual(page.pageErrors, []);
  await page.close();
});

test('a selection of 5 rows or fewer is simply started: no trial button', async () => {
  const addon = world({ selection: ['A2:C6'] });
  const page = await sidebar(addon, { name: 'sidebar-small' });
  await waitFor(page, () => !document.getElementById('start').disabled);
  assert.ok(!(await page.locator('#try-rows').isVisible()));
  await page.close();
});

test('no selection shows a clear message and Start stays disabled', async () => {
  const addon = world({ selection: [] });
  const page = await sidebar(addon, { name: 'sidebar-no-selection' });
  await waitFor(page, () => !document.getElementById('banner').classList.contains('hidden'));
  assert.match(await text(page, '#banner'), /^Select the rows to research first/);
  assert.ok(await page.locator('#start').isDisabled());
  assert.deepEqual(addon.fetch.requests.map((r) => r.url.slice(addon.backend.base.length)), ['/api/v1/fields']);
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

  await snap(page, 'sidebar-error');
  backend.failNext(/POST \/api\/v1\/estimate/, 400, 'no_company_column', 'no header looks like a company');
  await page.locator('#fields input[value="phones"]').uncheck();
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
  assert.match(await text(page, '#banner'), /^The Rowscout service cannot be reached right now/);
  assert.doesNotMatch(await page.locator('body').innerText(), /rowscout-test\.a\.run\.app|https?:\/\//, 'no backend address shown');
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
  await snap(page, 'sidebar-jobs');
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
  assert.equal(await page.locator('#fields input:checked').count(), DEFAULTS.length);
  assert.deepEqual((await page.locator('#fields label').allInnerTexts()).map((t) => t.trim()), FIELDS.map((f) => f.label));
  assert.equal(await page.locator('#backend-url, input[type="url"]').count(), 0);
  const inputValues = await page.locator('input').evaluateAll((inputs) => inputs.map((input) => input.value));
  assert.ok(inputValues.every((value) => !/https?:/.test(value)), 'no field holds a URL');
  assert.doesNotMatch(await page.locator('body').innerText(), /backend|https?:\/\//i);

  await page.locator('#refresh-days').fill('30');
  await page.locator('#fields input[value="github"]').uncheck();
  await page.locator('#save').click();
  await waitFor(page, () => document.getElementById('banner').innerText === 'Settings saved.');
  assert.equal(addon.props.user.getProperty('ROWSCOUT_REFRESH_DAYS'), '30');
  assert.ok(!JSON.parse(addon.props.user.getProperty('ROWSCOUT_DEFAULT_FIELDS')).includes('github'));
  assert.deepEqual(addon.props.document.getProperties(), {});
  await snap(page, 'settings');

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
