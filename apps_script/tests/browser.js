'use strict';
/**
 * Drives the add-on's HTML in headless Chromium (apt's /usr/bin/chromium via
 * playwright-core). The page is rendered by the real .gs code through the
 * harness, served from a file, and its `google.script.run` is a stub that
 * calls the same .gs functions in Node, so clicks travel the real path down to
 * a scripted fake backend. Nothing leaves the machine: non-file requests are aborted.
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { FakeSpreadsheet, FakeSheet, loadAddon } = require('./harness');
const { FakeBackend } = require('./fake_backend');

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');
const DOCS_SCREENSHOTS = path.resolve(__dirname, '..', 'docs', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

/** Launches Chromium with a fresh temporary profile; `close()` removes it. */
async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'rowscout-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 300, height: 900 },
    timeout: 20000,
  });
  context.setDefaultTimeout(5000);
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

function companySheet(rows = 60) {
  const values = [['Company', 'Website', 'Country']];
  for (let r = 2; r <= rows; r += 1) values.push([`Company ${r}`, `https://c${r}.example`, 'DE']);
  return new FakeSheet({ name: 'Leads', sheetId: 77, values, frozenRows: 1 });
}

/** An add-on world wired to a FakeBackend. */
function world({ selection = ['A2:C40', 'A57:C57'], backend = new FakeBackend() } = {}) {
  const spreadsheet = new FakeSpreadsheet({ id: 'spreadsheet-abc', sheet: companySheet(), selection });
  const addon = loadAddon({ spreadsheet, respond: backend.respond, backendUrl: backend.base });
  return { ...addon, backend };
}

/** Runs `name(...args)` as google.script.run would: public functions only, errors as messages. */
function bridge(ctx) {
  return (name, args) => {
    if (name.endsWith('_') || typeof ctx[name] !== 'function') {
      return { error: `Script function not found: ${name}` };
    }
    try {
      const value = ctx[name](...args);
      return value === undefined ? {} : { ok: JSON.parse(JSON.stringify(value)) };
    } catch (err) {
      return { error: err.message };
    }
  };
}

function installStub(config) {
  window.ROWSCOUT_TEST_CONFIG = config;
  const runner = (ok, fail) => new Proxy({}, {
    get(_, prop) {
      if (prop === 'withSuccessHandler') return (handler) => runner(handler, fail);
      if (prop === 'withFailureHandler') return (handler) => runner(ok, handler);
      return (...args) => {
        window.__rowscoutRun(String(prop), args).then((result) => {
          if ('error' in result) {
            if (fail) fail(new Error(result.error));
          } else if (ok) {
            ok(result.ok);
          }
        });
      };
    },
  });
  window.google = { script: { run: runner(null, null), host: { close: () => { window.__hostClosed = true; } } } };
}

/**
 * Opens HTML the add-on showed (last sidebar or dialog) in a new page.
 *
 * @param {object} browser from launch().
 * @param {object} addon from world().
 * @param {string} html the rendered page.
 * @param {string} name file name under test-artifacts/.
 * @param {object|null} config ROWSCOUT_TEST_CONFIG, or null for the shipped defaults.
 */
async function openPage(browser, addon, html, name, config) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.html`);
  fs.writeFileSync(file, html);
  const page = await browser.context.newPage();
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
  await page.exposeFunction('__rowscoutRun', bridge(addon.ctx));
  await page.addInitScript(installStub, config || undefined);
  await page.goto(`file://${file}`);
  page.pageErrors = pageErrors;
  return page;
}

/**
 * Saves a screenshot of the page as test-artifacts/<name>.png; with ROWSCOUT_UPDATE_SCREENSHOTS=1
 * also as apps_script/docs/screenshots/<name>.png (the pictures in the README).
 */
async function snap(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (process.env.ROWSCOUT_UPDATE_SCREENSHOTS === '1') {
    fs.mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    fs.copyFileSync(file, path.join(DOCS_SCREENSHOTS, `${name}.png`));
  }
}

module.exports = { ARTIFACTS, DOCS_SCREENSHOTS, launch, world, openPage, companySheet, snap };
