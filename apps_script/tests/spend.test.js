'use strict';
/**
 * Issue 15: the sidebar shows what a job's LLM and search calls will cost before it starts (the backend's
 * cost_split, with the assumptions in words), and its Spend cap reaches the estimate and the job as
 * `max_cost_usd`. The backend's answer is fixtures/estimate_split.json, which tests/jobs/test_spend.py
 * checks against the real estimate (service/jobs/estimate.py), so the two cannot drift apart.
 */

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { FakeSheet, FakeSpreadsheet, loadAddon, reply } = require('./harness');
const { launch, world, openPage } = require('./browser');
const { FakeBackend } = require('./fake_backend');

const SPLIT = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'estimate_split.json'), 'utf8'));
const FIELDS = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'fields.json'), 'utf8'));
const FAST = { pollMs: 30, idlePollMs: 60, pausedPollMs: 60000, idleAfterMs: 60000, maxPollFailures: 3, estimateDebounceMs: 10 };
const waitFor = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout: 5000 });

/** The fake backend, answering estimates with the real estimate's cost split and assumptions. */
class SplitBackend extends FakeBackend {
  estimate(body) {
    const { rows, skipped, duplicates, seconds, ...split } = SPLIT; // the selection's own counts stay the fake's
    return { ...super.estimate(body), ...split, max_cost_usd: body.max_cost_usd ?? null };
  }
}

function gsAddon() {
  const values = [['Company', 'Website'], ['Acme', 'acme.example'], ['Initech', 'initech.example']];
  const sheet = new FakeSheet({ name: 'Leads', sheetId: 7, values, frozenRows: 1 });
  const spreadsheet = new FakeSpreadsheet({ id: 'spreadsheet-s', sheet, selection: ['A2:B3'] });
  const job = { id: 'job-9', name: 'Leads', state: 'running', total: 2, counts: { done: 0, failed: 0 } };
  const respond = (req) => (req.url.endsWith('/api/v1/fields') ? reply(200, FIELDS) : reply(202, { job }));
  return loadAddon({ spreadsheet, respond });
}

function request(addon, maxCost) {
  const selection = addon.ctx.getSelectionInfo({ mode: 'selection' });
  return { selection, nameColumn: 'Company', websiteColumn: 'Website', fields: ['industry'], useLlm: true, maxCost };
}

function errorOf(fn) {
  try {
    fn();
  } catch (err) {
    return err.message;
  }
  assert.fail('expected an error');
}

test('the spend cap goes in the body as a number; empty means no cap; a bad one is refused before sending', () => {
  const addon = gsAddon();
  addon.ctx.estimate(request(addon, ' $2.50 '));
  addon.ctx.estimate(request(addon, '0'));
  addon.ctx.estimate(request(addon, ''));
  addon.ctx.estimate(request(addon, undefined));
  const bodies = addon.fetch.requests.filter((r) => r.method === 'post').map((r) => r.body);
  assert.deepEqual(bodies.map((b) => b.max_cost_usd), [2.5, 0, undefined, undefined]);
  assert.equal('max_cost_usd' in bodies[2], false);
  const before = addon.fetch.requests.length;
  for (const bad of ['-1', 'five', '1e9', 'Infinity']) {
    assert.match(errorOf(() => addon.ctx.estimate(request(addon, bad))), /spend cap must be an amount in US dollars/);
  }
  assert.equal(addon.fetch.requests.length, before);
});

test('the sidebar shows the cost split and its assumptions, and sends the spend cap (headless Chromium)', async () => {
  const browser = await launch();
  try {
    const addon = world({ backend: new SplitBackend() });
    addon.ctx.researchSelectedRows();
    const page = await openPage(browser, addon, addon.ui.sidebars.at(-1).getContent(), 'sidebar-spend', FAST);
    await page.evaluate(() => window.Rowscout.ready);
    await waitFor(page, () => document.getElementById('cost-split').innerText.includes('web search'));
    await page.locator('#max-cost').fill('1.5');
    await page.locator('#max-cost').blur(); // the change event re-estimates
    await waitFor(page, () => document.getElementById('cost-split').innerText.includes('spend cap'));
    const split = SPLIT.cost_split;
    const shown = await page.locator('#cost-split').innerText();
    assert.equal(shown, `Research LLM ≈ $${split.research_llm_usd.toFixed(4)} · questions LLM ≈ $${split.questions_llm_usd.toFixed(4)}`
      + ` · web search ≈ $${split.search_usd.toFixed(4)} · cloud ≈ $${split.cloud_usd.toFixed(4)} · spend cap $1.5`);
    await page.locator('#cost-box summary').click();
    const lines = await page.locator('#assumptions li').allInnerTexts();
    assert.deepEqual(lines, SPLIT.assumptions.text);
    const estimates = addon.fetch.requests.filter((r) => r.url.endsWith('/estimate'));
    assert.equal(estimates.at(-1).body.max_cost_usd, 1.5);
    await waitFor(page, () => !document.getElementById('start').disabled);
    await page.locator('#start').click();
    await waitFor(page, () => document.getElementById('job-state').innerText !== '');
    assert.equal(addon.backend.jobs.get('job-1').body.max_cost_usd, 1.5);
    assert.deepEqual(page.pageErrors, []);
    await page.close();
  } finally {
    await browser.close();
  }
});
