'use strict';
/**
 * Server-side add-on tests: the .gs files run in a vm with recording fakes of
 * SpreadsheetApp, HtmlService, UrlFetchApp, ScriptApp and PropertiesService.
 */

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ADDON_DIR, TEST_BACKEND, FakeSheet, FakeSpreadsheet, loadAddon, reply, gsFiles } = require('./harness');

const BACKEND = TEST_BACKEND;
const JOB = { id: 'job-7', name: 'Companies', state: 'running', total: 39, counts: { done: 1, failed: 0 } };

function companySheet({ rows = 60, frozenRows = 1 } = {}) {
  const values = [['Company', 'Website', 'Country']];
  for (let r = 2; r <= rows; r += 1) values.push([`Company ${r}`, `https://c${r}.example`, 'DE']);
  return new FakeSheet({ name: 'Leads', sheetId: 123456, values, frozenRows });
}

const FIELDS = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'fields.json'), 'utf8'));

/** The backend's answer to GET /api/v1/fields (fixtures/fields.json, kept equal to the real one), else `respond`. */
function withFields(respond = () => reply(200, {})) {
  return (req) => (req.method === 'get' && req.url.endsWith('/api/v1/fields') ? reply(200, FIELDS) : respond(req));
}

function addon({ selection = ['A2:C40', 'A57:C57'], respond, sheet = companySheet(), token, backendUrl } = {}) {
  const spreadsheet = new FakeSpreadsheet({ id: 'spreadsheet-abc', sheet, selection });
  return loadAddon({ spreadsheet, respond: withFields(respond), token, backendUrl });
}

/** A plain-data copy (the vm realm's objects compare unequal to Node's). */
function plain(value) {
  return JSON.parse(JSON.stringify(value));
}

function errorOf(fn) {
  try {
    fn();
  } catch (err) {
    return err.message;
  }
  assert.fail('expected an error');
}

function request(world, selection) {
  return {
    selection: selection || world.ctx.getSelectionInfo({ mode: 'selection' }),
    nameColumn: 'Company',
    websiteColumn: null,
    fields: ['industry', 'website', 'employees'],
    useLlm: false,
  };
}

test('every .gs file is in the clasp push order and loads', () => {
  const onDisk = fs.readdirSync(ADDON_DIR).filter((f) => f.endsWith('.gs')).sort();
  assert.deepEqual([...gsFiles()].sort(), onDisk);
});

test('manifest asks only for the minimal scopes', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ADDON_DIR, 'appsscript.json'), 'utf8'));
  assert.deepEqual([...manifest.oauthScopes].sort(), [
    'https://www.googleapis.com/auth/drive.metadata.readonly',
    'https://www.googleapis.com/auth/script.container.ui',
    'https://www.googleapis.com/auth/script.external_request',
    'https://www.googleapis.com/auth/spreadsheets.currentonly',
    'https://www.googleapis.com/auth/userinfo.email',
    'openid',
  ]);
  assert.equal(manifest.runtimeVersion, 'V8');
});

test('onOpen adds the Rowscout menu with five items bound to existing functions', () => {
  const world = addon();
  world.ctx.onOpen({ authMode: 'NONE' });
  assert.equal(world.ui.menus.length, 1);
  const items = world.ui.menus[0].items.filter((item) => !item.separator);
  assert.deepEqual(items.map((item) => item.caption), [
    'Research selected rows', 'Research whole sheet', 'Retry failed rows', 'Show jobs', 'Settings',
  ]);
  for (const item of items) assert.equal(typeof world.ctx[item.functionName], 'function', item.functionName);
  assert.equal(world.fetch.requests.length, 0, 'onOpen must not call the backend');
});

test('onInstall adds the menu too', () => {
  const world = addon();
  world.ctx.onInstall({ authMode: 'FULL' });
  assert.equal(world.ui.menus.length, 1);
});

test('selection info: disjoint ranges, header row from frozen rows, header values, sheet id', () => {
  const world = addon({ selection: ['A2:C40', 'B57'] });
  const info = plain(world.ctx.getSelectionInfo({ mode: 'selection' }));
  assert.deepEqual(info, {
    spreadsheetId: 'spreadsheet-abc', sheetId: 123456, sheetName: 'Leads', mode: 'selection',
    ranges: ['A2:C40', 'A57:C57'], rowCount: 40, headerRow: 1, headers: ['Company', 'Website', 'Country'],
  });
});

test('selection info: the header row is cut off and overlapping ranges are merged', () => {
  const world = addon({ selection: ['B1:B10', 'A5:A12', 'C30:C200'] });
  const info = world.ctx.getSelectionInfo({});
  assert.deepEqual(plain(info.ranges), ['A2:C12', 'A30:C60']);
  assert.equal(info.rowCount, 11 + 31);
});

test('selection info: an explicit header row wins over frozen rows', () => {
  const sheet = companySheet({ frozenRows: 0 });
  const world = addon({ sheet, selection: ['A1:C5'] });
  const info = world.ctx.getSelectionInfo({ headerRow: 3 });
  assert.equal(info.headerRow, 3);
  assert.deepEqual(plain(info.ranges), ['A4:C5']);
  assert.deepEqual(plain(info.headers), ['Company 3', 'https://c3.example', 'DE']);
  assert.match(errorOf(() => world.ctx.getSelectionInfo({ headerRow: 0 })), /header row must be a row number/);
});

test('whole sheet: every row below the header', () => {
  const world = addon({ selection: [] });
  const info = world.ctx.getSelectionInfo({ mode: 'sheet' });
  assert.deepEqual(plain(info.ranges), ['A2:C60']);
  assert.equal(info.rowCount, 59);
});

test('no selection gives a clear message', () => {
  const world = addon({ selection: [] });
  assert.match(errorOf(() => world.ctx.getSelectionInfo({ mode: 'selection' })), /^Select the rows to research first/);
});

test('a selection of only the header row gives a clear message', () => {
  const world = addon({ selection: ['A1:C1'] });
  assert.match(errorOf(() => world.ctx.getSelectionInfo({})), /no rows below the header row \(row 1\)/);
});

test('an empty sheet cannot be researched whole', () => {
  const world = addon({ sheet: new FakeSheet({ values: [['Company']] }), selection: [] });
  assert.match(errorOf(() => world.ctx.getSelectionInfo({ mode: 'sheet' })), /no rows below the header row/);
});

test('estimate posts the selection as the API body with the identity token', () => {
  const answer = { rows: 39, skipped: 1, seconds: 120, cost_usd: 0, columns: { name: 'Company' }, headers: [] };
  const world = addon({ respond: () => reply(200, answer) });
  const result = world.ctx.estimate(request(world));
  assert.deepEqual(plain(result), answer);
  const [sent] = world.fetch.requests;
  assert.equal(sent.url, `${BACKEND}/api/v1/estimate`);
  assert.equal(sent.method, 'post');
  assert.equal(sent.contentType, 'application/json');
  assert.equal(sent.muteHttpExceptions, true);
  assert.equal(sent.headers.Authorization, 'Bearer id-token-1');
  assert.deepEqual(sent.body, {
    spreadsheet_id: 'spreadsheet-abc', sheet_id: 123456, sheet_name: 'Leads',
    ranges: ['A2:C40', 'A57:C57'], header_row: 1, name_column: 'Company', website_column: null,
    fields: ['industry', 'website', 'employees'], use_llm: false, // as chosen: the sidebar sends the backend's order
  });
});

test('startJob adds priority, concurrency, refresh policy and a name', () => {
  const world = addon({ respond: () => reply(202, { job: JOB }) });
  const job = world.ctx.startJob({ ...request(world), refreshDays: 30, useLlm: true });
  assert.equal(job.id, 'job-7');
  const [sent] = world.fetch.requests;
  assert.equal(sent.url, `${BACKEND}/api/v1/jobs`);
  assert.equal(sent.body.priority, 'normal');
  assert.equal(sent.body.max_concurrency, 8);
  assert.equal(sent.body.refresh_days, 30);
  assert.equal(sent.body.use_llm, true);
  assert.equal(sent.body.name, 'Leads A2:C40, A57:C57');
});

test('startJob without a refresh policy sends null', () => {
  const world = addon({ respond: () => reply(202, { job: JOB }) });
  world.ctx.startJob({ ...request(world), refreshDays: null, name: 'Q3 leads' });
  assert.equal(world.fetch.requests[0].body.refresh_days, null);
  assert.equal(world.fetch.requests[0].body.name, 'Q3 leads');
});

test('requests are refused before any fetch when fields or the selection are bad', () => {
  const world = addon();
  assert.match(errorOf(() => world.ctx.estimate({ ...request(world), fields: [] })), /at least one field/);
  assert.match(errorOf(() => world.ctx.estimate({ ...request(world), fields: ['Salary!'] })), /Unknown field\(s\): Salary!/);
  const badRanges = { ...world.ctx.getSelectionInfo({}), ranges: ['A1:C3;DROP'] };
  assert.match(errorOf(() => world.ctx.estimate(request(world, badRanges))), /^Select the rows/);
  assert.equal(world.fetch.requests.length, 0);
});

test('column choices are sent for researched fields only, and refused when malformed', () => {
  const world = addon({ respond: () => reply(202, { job: JOB }) });
  const fields = ['industry', 'hq_country'];
  world.ctx.startJob({ ...request(world), fields, columnMap: { industry: ' Sector ' }, name: 'mapped' });
  assert.deepEqual(world.fetch.requests[0].body.column_map, { industry: 'Sector' });
  world.ctx.startJob({ ...request(world), fields, columnMap: {}, name: 'unmapped' });
  assert.equal('column_map' in world.fetch.requests[1].body, false);
  assert.match(errorOf(() => world.ctx.estimate({ ...request(world), fields, columnMap: { employees: 'Staff' } })),
    /Choose one of your columns for "employees"/);
  assert.match(errorOf(() => world.ctx.estimate({ ...request(world), fields, columnMap: { industry: '' } })),
    /Choose one of your columns for "industry"/);
  assert.match(errorOf(() => world.ctx.estimate({ ...request(world), fields, columnMap: ['industry'] })),
    /column choices are not valid/);
  assert.equal(world.fetch.requests.length, 2);
});

test('getJob, controlJob and listJobs use the documented routes', () => {
  const world = addon({
    respond: (req) => (req.url.endsWith('/api/v1/jobs') ? reply(200, { jobs: [JOB] }) : reply(200, { job: JOB })),
  });
  world.ctx.getJob('job-7');
  for (const action of ['pause', 'resume', 'cancel', 'retry-failed']) world.ctx.controlJob('job-7', action);
  world.ctx.listJobs();
  assert.deepEqual(world.fetch.requests.map((r) => `${r.method} ${r.url.slice(BACKEND.length)}`), [
    'get /api/v1/jobs/job-7',
    'post /api/v1/jobs/job-7/pause',
    'post /api/v1/jobs/job-7/resume',
    'post /api/v1/jobs/job-7/cancel',
    'post /api/v1/jobs/job-7/retry-failed',
    'get /api/v1/jobs',
  ]);
});

test('controlJob refuses unknown actions and odd job ids without calling the backend', () => {
  const world = addon();
  assert.match(errorOf(() => world.ctx.controlJob('job-7', 'delete')), /Unknown job action "delete"/);
  assert.match(errorOf(() => world.ctx.getJob('../admin')), /not a Rowscout job id/);
  assert.equal(world.fetch.requests.length, 0);
});

test('listJobs sorts newest first and flags this spreadsheet', () => {
  const jobs = [
    { id: 'a', created_at: '2024-05-01T10:00:00Z', spreadsheet_id: 'other' },
    { id: 'b', created_at: '2024-05-03T10:00:00Z', spreadsheet_id: 'spreadsheet-abc' },
  ];
  const world = addon({ respond: () => reply(200, { jobs }) });
  assert.deepEqual(plain(world.ctx.listJobs()).map((j) => [j.id, j.here]), [['b', true], ['a', false]]);
});

test('every backend call carries the Authorization header', () => {
  const world = addon({ respond: (req) => reply(200, req.url.endsWith('/jobs') && req.method === 'get' ? { jobs: [] } : { job: JOB }) });
  const calls = [
    () => world.ctx.estimate(request(world)),
    () => world.ctx.startJob(request(world)),
    () => world.ctx.getJob('job-7'),
    () => world.ctx.controlJob('job-7', 'pause'),
    () => world.ctx.listJobs(),
  ];
  calls.forEach((call) => call());
  assert.equal(world.fetch.requests.length, calls.length);
  for (const sent of world.fetch.requests) {
    assert.equal(sent.headers.Authorization, 'Bearer id-token-1', sent.url);
    assert.equal(sent.headers['X-Rowscout-User-Token'], 'oauth-token-1', sent.url);
  }
});

const ERROR_CASES = [
  [401, 'unauthenticated', /could not verify your Google identity/],
  [403, 'forbidden', /edit access to this spreadsheet/],
  [403, 'sheet_not_shared', /Share it with the Rowscout service account/],
  [404, 'not_found', /does not know this job any more/],
  [400, 'invalid_input', /did not accept the request/],
  [400, 'no_company_column', /No company name or website column was found/],
  [429, 'quota_exceeded', /quota is used up/],
  [503, 'unavailable', /busy or restarting/],
  [503, 'misconfigured', /^The Rowscout service is not set up yet; tell your administrator\./],
];

for (const [status, code, expected] of ERROR_CASES) {
  test(`backend error ${status} ${code} becomes a user message with the backend's detail`, () => {
    const world = addon({ respond: () => reply(status, { error: { code, message: `detail for ${code}` } }) });
    const message = errorOf(() => world.ctx.getJob('job-7'));
    assert.match(message, expected);
    assert.match(message, new RegExp(`Details: detail for ${code}$`));
  });
}

test('429 with Retry-After tells the user when to retry', () => {
  const body = { error: { code: 'quota_exceeded', message: '' } };
  const world = addon({ respond: () => reply(429, body, { 'Retry-After': '150' }) });
  assert.match(errorOf(() => world.ctx.listJobs()), /quota is used up.*retry in about 3 min\.$/);
});

test('a bare 500 with an HTML body maps to the unavailable message', () => {
  const world = addon({ respond: () => reply(500, '<html>Internal Server Error</html>') });
  assert.match(errorOf(() => world.ctx.getJob('job-7')), /busy or restarting/);
});

test('an unknown status without a JSON body still reads well', () => {
  const world = addon({ respond: () => reply(418, 'teapot') });
  assert.match(errorOf(() => world.ctx.getJob('job-7')), /backend failed \(HTTP 418\)/);
});

test('a 200 that is not JSON means the URL points somewhere else', () => {
  const world = addon({ respond: () => reply(200, '<html>login page</html>') });
  assert.match(errorOf(() => world.ctx.getJob('job-7')), /unexpected answer \(HTTP 200\).*tell your administrator/i);
});

test('a network failure says the backend is unreachable', () => {
  const world = addon({
    respond: () => {
      throw new Error('Address unavailable: https://rowscout-test.a.run.app/api/v1/jobs');
    },
  });
  const message = errorOf(() => world.ctx.listJobs());
  assert.match(message, /^The Rowscout service cannot be reached right now\. Try again/);
  assert.doesNotMatch(message, /https?:|a\.run\.app/, 'users never see the backend address');
});

test('an add-on deployed without a backend URL calls nothing and says it is not set up', () => {
  const world = addon({ backendUrl: '' });
  assert.deepEqual(plain(world.manifest.urlFetchWhitelist), []);
  world.props.document.setProperty('ROWSCOUT_BACKEND_URL', 'https://attacker.example');
  world.props.script.setProperty('ROWSCOUT_BACKEND_URL', 'https://attacker.example');
  for (const call of [() => world.ctx.listJobs(), () => world.ctx.getJob('job-7')]) {
    assert.match(errorOf(call), /^The Rowscout service is not set up yet; tell your administrator\./);
  }
  assert.equal(world.fetch.requests.length + world.fetch.refused.length, 0);
});

test('without an identity token the user is asked to authorise again', () => {
  const world = addon({ token: null });
  assert.match(errorOf(() => world.ctx.listJobs()), /could not verify your Google identity/);
  assert.equal(world.fetch.requests.length, 0);
});

test('a well-formed field the backend does not know is refused by the backend, in its words', () => {
  const world = addon({ respond: () => reply(400, { error: { code: 'invalid_input', message: "fields: 'salary' is not allowed" } }) });
  assert.match(errorOf(() => world.ctx.estimate({ ...request(world), fields: ['salary'] })),
    /^Rowscout did not accept the request\. Details: fields: 'salary' is not allowed/);
});

test('the field list, its labels and the defaults are the backend\'s', () => {
  const world = addon();
  const settings = plain(world.ctx.getSettings());
  assert.deepEqual(settings.fields, FIELDS.fields.map((f) => ({ name: f.name, label: f.label, default: f.default })));
  assert.deepEqual(settings.defaultFields, FIELDS.fields.filter((f) => f.default).map((f) => f.name));
  assert.equal(settings.fields.find((f) => f.name === 'hq_country').label, 'HQ country');
  assert.equal(world.fetch.requests[0].url, `${BACKEND}/api/v1/fields`);
  const broken = addon({ respond: () => reply(200, {}) });
  const empty = loadAddon({ spreadsheet: broken.spreadsheet, respond: () => reply(200, { fields: [] }) });
  assert.match(errorOf(() => empty.ctx.getSettings()), /no usable field list/);
  assert.match(errorOf(() => world.ctx.saveSettings({ defaultFields: ['salary'] })), /Unknown field\(s\): salary/);
});

test('settings round-trip: preferences per user, no URL, no secrets', () => {
  const world = addon();
  const fresh = plain(world.ctx.getSettings());
  assert.deepEqual(fresh.defaultFields, FIELDS.fields.filter((f) => f.default).map((f) => f.name));
  assert.equal(fresh.refreshDays, null);
  assert.equal(fresh.fields.length, FIELDS.fields.length);
  const saved = plain(world.ctx.saveSettings({ defaultFields: ['linkedin', 'website'], refreshDays: 30, useLlm: true }));
  assert.deepEqual(plain(world.ctx.getSettings()), saved);
  assert.equal('backendUrl' in saved, false);
  assert.deepEqual(saved.defaultFields, ['website', 'linkedin']);
  assert.equal(saved.refreshDays, 30);
  assert.equal(saved.useLlm, true);
  assert.deepEqual(world.props.document.getProperties(), {});
  assert.equal(world.props.user.getProperty('ROWSCOUT_REFRESH_DAYS'), '30');
  const everything = JSON.stringify([world.props.document.data, world.props.user.data, world.props.script.data]);
  assert.doesNotMatch(everything, /id-token|Bearer|secret|key/i);
});

test('settings: clearing the refresh policy stores "never"', () => {
  const world = addon();
  world.ctx.saveSettings({ defaultFields: ['website'], refreshDays: 30 });
  const saved = world.ctx.saveSettings({ defaultFields: ['website'], refreshDays: null });
  assert.equal(saved.refreshDays, null);
});

test('settings: bad values are refused with a clear message and nothing is stored', () => {
  const world = addon();
  const ok = { defaultFields: ['website'], refreshDays: null, useLlm: false };
  assert.match(errorOf(() => world.ctx.saveSettings({ ...ok, defaultFields: [] })), /at least one field/);
  assert.match(errorOf(() => world.ctx.saveSettings({ ...ok, refreshDays: 2.5 })), /whole number/);
  assert.match(errorOf(() => world.ctx.saveSettings({ ...ok, refreshDays: 0 })), /whole number/);
  assert.deepEqual(world.props.user.getProperties(), {});
});

test('corrupt stored preferences fall back to defaults', () => {
  const world = addon();
  world.props.user.setProperty('ROWSCOUT_DEFAULT_FIELDS', '{not json');
  world.props.user.setProperty('ROWSCOUT_REFRESH_DAYS', 'soon');
  const settings = world.ctx.getSettings();
  assert.equal(settings.defaultFields.length, FIELDS.fields.filter((f) => f.default).length);
  assert.equal(settings.refreshDays, null);
});

test('menu items open the sidebar with the right boot data', () => {
  const world = addon();
  world.ctx.researchSelectedRows();
  world.ctx.researchWholeSheet();
  world.ctx.showJobs();
  const boots = world.ui.sidebars.map((out) => JSON.parse(/var ROWSCOUT_BOOT = (.*);<\/script>/.exec(out.getContent())[1]));
  assert.deepEqual(boots.map((b) => [b.mode, b.view]), [['selection', 'setup'], ['sheet', 'setup'], ['selection', 'jobs']]);
  assert.ok(world.ui.sidebars.every((out) => out.title === 'Rowscout'));
  const html = world.ui.sidebars[0].getContent();
  assert.match(html, /<style>/);
  assert.match(html, /window\.Rowscout = /);
  assert.doesNotMatch(html, /<\?/);
});

test('boot data cannot break out of its script element', () => {
  const world = addon();
  world.ctx.showSidebar_({ mode: 'selection', view: 'progress', jobId: '</script><script>alert(1)</script>' });
  const html = world.ui.sidebars[0].getContent();
  assert.doesNotMatch(html, /<script>alert/);
});

test('Settings opens a modal dialog', () => {
  const world = addon();
  world.ctx.showSettings();
  assert.equal(world.ui.dialogs.length, 1);
  assert.equal(world.ui.dialogs[0].title, 'Rowscout settings');
  const html = world.ui.dialogs[0].output.getContent();
  assert.match(html, /id="settings-form"/);
  assert.doesNotMatch(html, /backend-url|Backend URL|type="url"/i);
});

test('selectRow selects a failed row, found again by its company when rows moved', () => {
  const sheet = companySheet({ rows: 12 });
  const other = new FakeSheet({ name: 'Notes', sheetId: 9, values: [['x']] });
  const spreadsheet = new FakeSpreadsheet({ id: 'spreadsheet-abc', sheet: other, others: [sheet] });
  const world = loadAddon({ spreadsheet, respond: withFields() });
  assert.deepEqual(plain(world.ctx.selectRow(123456, 5, 'Company 5')), { sheetName: 'Leads', row: 5, moved: false });
  assert.equal(spreadsheet.getActiveSheet(), sheet); // the job's tab is shown
  [sheet.values[4], sheet.values[8]] = [sheet.values[8], sheet.values[4]]; // the user sorted: Company 5 is in row 9
  assert.deepEqual(plain(world.ctx.selectRow(123456, 5, 'Company 5')), { sheetName: 'Leads', row: 9, moved: true });
  assert.deepEqual(sheet.activated, ['A5:C5', 'A9:C9']);
  assert.deepEqual(plain(world.ctx.selectRow(123456, 500, '')), { sheetName: 'Leads', row: 500, moved: false });
  assert.match(errorOf(() => world.ctx.selectRow(123456, 5000, 'Nobody')), /Row 5000 is not in the tab "Leads" any more/);
  assert.match(errorOf(() => world.ctx.selectRow(42, 5, 'Company 5')), /tab of this job is gone/);
  assert.equal(world.fetch.requests.length, 0);
});

test('retry-failed asks for the permanent failures too only when told (?all=true)', () => {
  const world = addon({ respond: () => reply(200, { job: JOB }) });
  world.ctx.controlJob('job-7', 'retry-failed');
  world.ctx.controlJob('job-7', 'retry-failed', { all: false });
  world.ctx.controlJob('job-7', 'retry-failed', { all: true });
  world.ctx.controlJob('job-7', 'pause', { all: true });
  assert.deepEqual(world.fetch.requests.map((r) => r.url.slice(BACKEND.length)), [
    '/api/v1/jobs/job-7/retry-failed', '/api/v1/jobs/job-7/retry-failed', '/api/v1/jobs/job-7/retry-failed?all=true',
    '/api/v1/jobs/job-7/pause',
  ]);
});

test('Retry failed rows retries the newest finished job of this spreadsheet that has failures', () => {
  const jobs = [ // the list has no counts (GET /api/v1/jobs): each candidate is read
    { id: 'other-sheet', state: 'completed', created_at: '2024-05-06T00:00:00Z', spreadsheet_id: 'x' },
    { id: 'running', state: 'running', created_at: '2024-05-05T00:00:00Z', spreadsheet_id: 'spreadsheet-abc' },
    { id: 'clean', state: 'completed', created_at: '2024-05-04T00:00:00Z', spreadsheet_id: 'spreadsheet-abc' },
    { id: 'older', state: 'completed', created_at: '2024-05-01T00:00:00Z', spreadsheet_id: 'spreadsheet-abc' },
    { id: 'newer', state: 'failed', created_at: '2024-05-03T00:00:00Z', spreadsheet_id: 'spreadsheet-abc' },
  ];
  const failed = { x: 9, running: 3, clean: 0, older: 1, newer: 2 };
  const world = addon({
    respond: (req) => {
      if (req.url.endsWith('/api/v1/jobs')) return reply(200, { jobs });
      const id = /jobs\/([\w-]+)/.exec(req.url)[1];
      return reply(200, { job: { ...JOB, id, state: 'completed', counts: { done: 1, failed: failed[id] } } });
    },
  });
  world.ctx.retryFailedRows();
  const routes = world.fetch.requests.map((r) => `${r.method} ${r.url.slice(BACKEND.length)}`);
  assert.deepEqual(routes, [
    'get /api/v1/jobs', 'get /api/v1/jobs/clean', 'get /api/v1/jobs/newer', 'post /api/v1/jobs/newer/retry-failed',
  ]);
  assert.equal(world.fetch.requests.at(-1).body, undefined); // no ?all=true: failures worth retrying only
  assert.match(world.ui.sidebars[0].getContent(), /"jobId":"newer"/);
  assert.equal(world.ui.alerts.length, 0);
});

test('Retry failed rows explains when there is nothing to retry or the backend fails', () => {
  const world = addon({ respond: () => reply(200, { jobs: [] }) });
  world.ctx.retryFailedRows();
  assert.match(world.ui.alerts[0].message, /No finished Rowscout job of this spreadsheet has failed rows/);
  const down = addon({ respond: () => reply(503, { error: { code: 'unavailable', message: 'deploying' } }) });
  down.ctx.retryFailedRows();
  assert.match(down.ui.alerts[0].message, /busy or restarting/);
  assert.equal(down.ui.sidebars.length, 0);
});
