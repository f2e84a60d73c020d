/**
 * Custom questions (issue 15): the sidebar's Questions box (one question per line) reaches the backend
 * as `questions` in the estimate and job bodies, tidied and checked before any fetch.
 */
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { FakeSheet, FakeSpreadsheet, loadAddon, reply } = require('./harness');
const { launch, world, openPage } = require('./browser');

const FIELDS = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'fields.json'), 'utf8'));
const FAST = { pollMs: 30, idlePollMs: 60, pausedPollMs: 60000, idleAfterMs: 60000, maxPollFailures: 3, estimateDebounceMs: 10 };
const waitFor = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });
const JOB = { id: 'job-9', name: 'Leads', state: 'running', total: 3, counts: { done: 0, failed: 0 } };

function addon() {
  const values = [['Company', 'Website'], ['Acme', 'acme.example'], ['Initech', 'initech.example']];
  const sheet = new FakeSheet({ name: 'Leads', sheetId: 7, values, frozenRows: 1 });
  const spreadsheet = new FakeSpreadsheet({ id: 'spreadsheet-q', sheet, selection: ['A2:B3'] });
  const respond = (req) => (req.url.endsWith('/api/v1/fields') ? reply(200, FIELDS) : reply(202, { job: JOB }));
  return loadAddon({ spreadsheet, respond });
}

function request(world, questions) {
  const selection = world.ctx.getSelectionInfo({ mode: 'selection' });
  return { selection, nameColumn: 'Company', websiteColumn: 'Website', fields: ['industry'], useLlm: true, questions };
}

function posted(world) {
  return world.fetch.requests.filter((r) => r.method === 'post');
}

function errorOf(fn) {
  try {
    fn();
  } catch (err) {
    return err.message;
  }
  assert.fail('expected an error');
}

test('the Questions box lines become the body\'s questions, tidied, blank lines dropped', () => {
  const world = addon();
  const lines = ['  Do they offer   an API? ', '', 'Number of locations::number', '   '];
  world.ctx.startJob({ ...request(world, lines), name: 'asked' });
  world.ctx.estimate(request(world, lines));
  const [job, estimate] = posted(world);
  assert.deepEqual(JSON.parse(JSON.stringify(job.body.questions)), ['Do they offer an API?', 'Number of locations::number']);
  assert.deepEqual(JSON.parse(JSON.stringify(estimate.body.questions)), job.body.questions);
});

test('no questions: the body has no questions key', () => {
  const world = addon();
  world.ctx.startJob({ ...request(world, ['', ' ']), name: 'none' });
  world.ctx.startJob({ ...request(world, undefined), name: 'none either' });
  for (const req of posted(world)) assert.equal('questions' in req.body, false);
});

test('bad questions are refused with a clear message before anything is sent', () => {
  const world = addon();
  const before = world.fetch.requests.length;
  assert.match(errorOf(() => world.ctx.estimate(request(world, ['x'.repeat(201)]))), /1 to 200 characters/);
  assert.match(errorOf(() => world.ctx.estimate(request(world, ['::number']))), /1 to 200 characters/);
  assert.match(errorOf(() => world.ctx.estimate(request(world, ['CEO', 'ceo']))), /asked twice/);
  const many = Array.from({ length: 21 }, (_, i) => `Question ${i}?`);
  assert.match(errorOf(() => world.ctx.estimate(request(world, many))), /At most 20 questions/);
  assert.match(errorOf(() => world.ctx.estimate(request(world, 'CEO'))), /not valid/);
  assert.equal(world.fetch.requests.length, before);
});

test('questions typed in the sidebar go with the estimate and the job (headless Chromium)', async () => {
  const browser = await launch();
  try {
    const addon = world();
    addon.ctx.researchSelectedRows();
    const page = await openPage(browser, addon, addon.ui.sidebars.at(-1).getContent(), 'sidebar-questions', FAST);
    await page.evaluate(() => window.Rowscout.ready);
    await waitFor(page, () => document.getElementById('estimate').innerText.includes('rows to research'));
    await page.locator('#questions-box summary').click();
    await page.locator('#questions').fill('Do they offer an API?\n\n  Number of locations::number ');
    await page.locator('#questions').blur(); // the change event re-estimates
    const estimates = () => addon.fetch.requests.filter((r) => r.url.endsWith('/estimate'));
    for (let i = 0; i < 100 && !(estimates().at(-1).body.questions || []).length; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const asked = ['Do they offer an API?', 'Number of locations::number'];
    assert.deepEqual(JSON.parse(JSON.stringify(estimates().at(-1).body.questions)), asked);
    await waitFor(page, () => !document.getElementById('start').disabled);
    await page.locator('#start').click();
    await waitFor(page, () => document.getElementById('job-state').innerText !== '');
    assert.deepEqual(JSON.parse(JSON.stringify(addon.backend.jobs.get('job-1').body.questions)), asked);
    assert.deepEqual(page.pageErrors, []);
    await page.close();
  } finally {
    await browser.close();
  }
});
