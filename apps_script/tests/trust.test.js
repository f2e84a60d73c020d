'use strict';
/**
 * The add-on's trust rules: the backend URL is deployment configuration
 * (Deployment.gs + the manifest's urlFetchWhitelist, written together by
 * tools/configure.js), no property or settings screen can change it, and the
 * user's tokens travel only to that URL.
 */

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const { execFileSync, spawnSync } = require('node:child_process');
const { ADDON_DIR, TEST_BACKEND, FakeSheet, FakeSpreadsheet, loadAddon, reply } = require('./harness');
const { allowlistFor, deploymentSource, normalizeBackendUrl } = require('../tools/configure');

const ATTACKER = 'https://attacker.example';
const JOB = { id: 'job-7', name: 'Leads', state: 'completed', total: 2, counts: { failed: 1 } };
const FIELDS = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'fields.json'), 'utf8'));

function world(options = {}) {
  const sheet = new FakeSheet({
    name: 'Leads', sheetId: 5, frozenRows: 1,
    values: [['Company', 'Website'], ['Acme', 'acme.example'], ['Globex', '']],
  });
  const spreadsheet = new FakeSpreadsheet({ id: 'spreadsheet-abc', sheet, selection: ['A2:B3'] });
  const respond = (req) => {
    if (req.method === 'get' && req.url.endsWith('/api/v1/jobs')) {
      return reply(200, { jobs: [{ ...JOB, created_at: '2024-05-01T00:00:00Z', spreadsheet_id: 'spreadsheet-abc' }] });
    }
    if (req.url.endsWith('/estimate')) return reply(200, { rows: 2, skipped: 0, seconds: 6, cost_usd: 0 });
    if (req.url.endsWith('/api/v1/fields')) return reply(200, FIELDS);
    return reply(200, { job: JOB });
  };
  return loadAddon({ spreadsheet, respond, oauthToken: 'drive-token-of-ada', ...options });
}

/** Every server function the sidebar and the menu can reach that talks to the backend. */
function callEverything(addon) {
  const request = () => ({ selection: addon.ctx.getSelectionInfo({}), fields: ['website'], nameColumn: 'Company' });
  addon.ctx.estimate(request());
  addon.ctx.startJob(request());
  addon.ctx.getJob('job-7');
  for (const action of ['pause', 'resume', 'cancel', 'retry-failed']) addon.ctx.controlJob('job-7', action);
  addon.ctx.listJobs();
  addon.ctx.getSettings();
  addon.ctx.startJob({ ...request(), part: 'trial' });
  addon.ctx.retryFailedRows();
  assert.equal(addon.ui.alerts.length, 0, addon.ui.alerts.map((a) => a.message).join('; '));
}

function errorOf(fn) {
  try {
    fn();
  } catch (err) {
    return err.message;
  }
  return assert.fail('expected an error');
}

test('no document, user or script property can change the backend URL', () => {
  const addon = world();
  for (const store of [addon.props.document, addon.props.user, addon.props.script]) {
    store.setProperty('ROWSCOUT_BACKEND_URL', ATTACKER);
    store.setProperty('backendUrl', ATTACKER);
  }
  callEverything(addon);
  assert.ok(addon.fetch.requests.length >= 10);
  for (const sent of addon.fetch.requests) assert.ok(sent.url.startsWith(`${TEST_BACKEND}/api/v1/`), sent.url);
  assert.deepEqual(addon.fetch.refused, []);
});

test('the tokens are sent only to the configured backend, on every call', () => {
  const addon = world();
  callEverything(addon);
  const destinations = new Set(addon.fetch.requests.map((sent) => new URL(sent.url).origin));
  assert.deepEqual([...destinations], [TEST_BACKEND]);
  for (const sent of addon.fetch.requests) {
    assert.equal(sent.headers.Authorization, 'Bearer id-token-1', sent.url);
    assert.equal(sent.headers['X-Rowscout-User-Token'], 'drive-token-of-ada', sent.url);
    assert.equal(sent.followRedirects, false, 'a redirect could carry the tokens elsewhere');
  }
});

test('saving settings with a backend URL changes nothing about where requests go', () => {
  const addon = world();
  addon.ctx.saveSettings({ backendUrl: ATTACKER, defaultFields: ['website'], refreshDays: null, useLlm: false });
  assert.deepEqual(addon.props.document.getProperties(), {});
  assert.doesNotMatch(JSON.stringify(addon.props.user.getProperties()), /attacker/);
  addon.ctx.listJobs();
  assert.equal(addon.fetch.requests.at(-1).url, `${TEST_BACKEND}/api/v1/jobs`);
  assert.ok(addon.fetch.requests.every((sent) => sent.url.startsWith(`${TEST_BACKEND}/`)));
});

test('the manifest allowlist (as the fake UrlFetchApp enforces it) admits the backend and nothing else', () => {
  const addon = world();
  assert.deepEqual(JSON.parse(JSON.stringify(addon.manifest.urlFetchWhitelist)), [`${TEST_BACKEND}/`]);
  for (const url of [`${ATTACKER}/api/v1/jobs`, `${TEST_BACKEND}.attacker.example/api/v1/jobs`,
    'http://rowscout-test.a.run.app/api/v1/jobs', TEST_BACKEND]) {
    assert.throws(() => addon.fetch.fetch(url, {}), /not allowed by the urlFetchWhitelist/, url);
  }
  assert.equal(addon.fetch.requests.length, 0);
});

test('a hand-edited non-https backend constant is treated as not set up', () => {
  const addon = world();
  vm.runInContext("ROWSCOUT_BACKEND_URL = 'http://rowscout-test.a.run.app';", addon.ctx);
  assert.match(errorOf(() => addon.ctx.listJobs()), /^The Rowscout service is not set up yet; tell your administrator/);
  assert.equal(addon.fetch.requests.length + addon.fetch.refused.length, 0);
});

test('the shipped Deployment.gs and appsscript.json agree, and the allowlist is valid for Apps Script', () => {
  const onDisk = fs.readFileSync(path.join(ADDON_DIR, 'Deployment.gs'), 'utf8');
  const ctx = vm.createContext({});
  vm.runInContext(onDisk, ctx);
  const url = ctx.ROWSCOUT_BACKEND_URL;
  assert.equal(onDisk, deploymentSource(url), 'Deployment.gs is written by tools/configure.js');
  const manifest = JSON.parse(fs.readFileSync(path.join(ADDON_DIR, 'appsscript.json'), 'utf8'));
  assert.ok(Array.isArray(manifest.urlFetchWhitelist), 'urlFetchWhitelist must be present (absent = anything goes)');
  assert.deepEqual(manifest.urlFetchWhitelist, allowlistFor(url));
  for (const prefix of manifest.urlFetchWhitelist) {
    const parsed = new URL(prefix);
    assert.equal(parsed.protocol, 'https:');
    assert.ok(parsed.hostname.includes('.') && parsed.pathname.endsWith('/'), prefix);
  }
});

function scratchCopy() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rowscout-configure-'));
  fs.copyFileSync(path.join(ADDON_DIR, 'appsscript.json'), path.join(dir, 'appsscript.json'));
  fs.copyFileSync(path.join(ADDON_DIR, 'Deployment.gs'), path.join(dir, 'Deployment.gs'));
  return dir;
}

const CONFIGURE = path.join(ADDON_DIR, 'tools', 'configure.js');

test('tools/configure.js writes the URL into Deployment.gs and the allowlist together', () => {
  const dir = scratchCopy();
  try {
    execFileSync(process.execPath, [CONFIGURE, '--dir', dir, 'https://Rowscout-ABC123-ew.a.run.app/'], { stdio: 'pipe' });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'appsscript.json'), 'utf8'));
    assert.deepEqual(manifest.urlFetchWhitelist, ['https://rowscout-abc123-ew.a.run.app/']);
    const shipped = JSON.parse(fs.readFileSync(path.join(ADDON_DIR, 'appsscript.json'), 'utf8'));
    assert.deepEqual(manifest.oauthScopes, shipped.oauthScopes);
    const ctx = vm.createContext({});
    vm.runInContext(fs.readFileSync(path.join(dir, 'Deployment.gs'), 'utf8'), ctx);
    assert.equal(ctx.ROWSCOUT_BACKEND_URL, 'https://rowscout-abc123-ew.a.run.app');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('tools/configure.js refuses URLs that are not plain https and writes nothing', () => {
  const dir = scratchCopy();
  try {
    const before = [fs.readFileSync(path.join(dir, 'appsscript.json'), 'utf8'), fs.readFileSync(path.join(dir, 'Deployment.gs'), 'utf8')];
    for (const bad of ['http://rowscout.a.run.app', 'https://user:pw@rowscout.a.run.app', 'https://rowscout.a.run.app/?x=1',
      'https://localhost', "https://rowscout.a.run.app/';alert(1);'", 'https://rowscout.a.run.app#frag', 'ftp://x.example']) {
      const run = spawnSync(process.execPath, [CONFIGURE, '--dir', dir, bad], { encoding: 'utf8' });
      assert.equal(run.status, 1, bad);
      assert.match(run.stderr, /must look like https:/, bad);
      assert.throws(() => normalizeBackendUrl(bad), /must look like https:/);
    }
    const after = [fs.readFileSync(path.join(dir, 'appsscript.json'), 'utf8'), fs.readFileSync(path.join(dir, 'Deployment.gs'), 'utf8')];
    assert.deepEqual(after, before);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
