/**
 * The "Similar in this list" option (issue 16): the sidebar's checkbox reaches the backend as
 * `similar: true` in the estimate and job bodies; unticked, the body has no `similar` key.
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
const JOB = { id: 'job-9', name: 'Leads', state: 'running', total: 2, counts: { done: 0, failed: 0 } };

function addon() {
  const values = [['Company', 'Website'], ['Acme', 'acme.example'], ['Initech', 'initech.example']];
  const sheet = new FakeSheet({ name: 'Leads', sheetId: 7, values, frozenRows: 1 });
  const spreadsheet = new FakeSpreadsheet({ id: 'spreadsheet-s', sheet, selection: ['A2:B3'] });
  const respond = (req) => (req.url.endsWith('/api/v1/fields') ? reply(200, FIELDS) : reply(202, { job: JOB }));
  return loadAddon({ spreadsheet, respond });
}

function request(world, similar) {
  const selection = world.ctx.getSelectionInfo({ mode: 'selection' });
  return { selection, nameColumn: 'Company', websiteColumn: 'Website', fields: ['industry'], useLlm: false, similar };
}

const posted = (world) => world.fetch.requests.filter((r) => r.method === 'post');

test('similar: true goes with the job and the estimate; otherwise no similar key', () => {
  const world = addon();
  world.ctx.startJob({ ...request(world, true), name: 'with' });
  world.ctx.estimate(request(world, true));
  world.ctx.startJob({ ...request(world, false), name: 'without' });
  world.ctx.startJob({ ...request(world, 'yes'), name: 'not a boolean' });
  const [job, estimate, off, odd] = posted(world);
  assert.equal(job.body.similar, true);
  assert.equal(estimate.body.similar, true);
  assert.equal('similar' in off.body, false);
  assert.equal('similar' in odd.body, false);
});

test('the sidebar checkbox sends similar with the estimate and the job (headless Chromium)', async () => {
  const browser = await launch();
  try {
    const addon = world();
    addon.ctx.researchSelectedRows();
    const page = await openPage(browser, addon, addon.ui.sidebars.at(-1).getContent(), 'sidebar-similar', FAST);
    await page.evaluate(() => window.Rowscout.ready);
    await waitFor(page, () => document.getElementById('estimate').innerText.includes('rows to research'));
    const estimates = () => addon.fetch.requests.filter((r) => r.url.endsWith('/estimate'));
    assert.equal('similar' in estimates().at(-1).body, false);
    await page.locator('#similar').check(); // the change event re-estimates
    for (let i = 0; i < 100 && estimates().at(-1).body.similar !== true; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(estimates().at(-1).body.similar, true);
    await waitFor(page, () => !document.getElementById('start').disabled);
    await page.locator('#start').click();
    await waitFor(page, () => document.getElementById('job-state').innerText !== '');
    assert.equal(addon.backend.jobs.get('job-1').body.similar, true);
    assert.deepEqual(page.pageErrors, []);
    await page.close();
  } finally {
    await browser.close();
  }
});
