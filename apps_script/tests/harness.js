'use strict';
/**
 * Loads the add-on's .gs files into a Node `vm` context, in clasp push order,
 * next to hand-written fakes of the Apps Script services they use. The fakes
 * record what the script did (menus, dialogs, alerts, fetches, properties) so
 * tests assert on outcomes, not on call scripts.
 *
 * The deployment is configured as tools/configure.js does it: Deployment.gs is
 * replaced by `deploymentSource(backendUrl)` and the manifest's urlFetchWhitelist
 * by `allowlistFor(backendUrl)`, which the fake UrlFetchApp enforces as Apps
 * Script does (a URL outside every prefix throws before anything is sent).
 */

const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { renderTemplate } = require('./render');
const { configuredManifest, deploymentSource, readManifest } = require('../tools/configure');

const ADDON_DIR = path.resolve(__dirname, '..');

function columnLetter(n) {
  let letters = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) {
    letters = String.fromCharCode(65 + ((k - 1) % 26)) + letters;
  }
  return letters;
}

function parseA1(a1) {
  const match = /^([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?$/.exec(a1);
  if (!match) throw new Error(`fake sheet understands only A1:B2 ranges, got ${a1}`);
  const col = (letters) => [...letters].reduce((n, c) => n * 26 + c.charCodeAt(0) - 64, 0);
  const row = Number(match[2]);
  const column = col(match[1]);
  const lastRow = match[4] ? Number(match[4]) : row;
  const lastColumn = match[3] ? col(match[3]) : column;
  return [row, column, lastRow - row + 1, lastColumn - column + 1];
}

class FakeRange {
  constructor(sheet, row, column, numRows, numColumns) {
    Object.assign(this, { sheet, row, column, numRows, numColumns });
  }
  getRow() { return this.row; }
  getColumn() { return this.column; }
  getNumRows() { return this.numRows; }
  getNumColumns() { return this.numColumns; }
  getLastRow() { return this.row + this.numRows - 1; }
  getLastColumn() { return this.column + this.numColumns - 1; }
  getA1Notation() {
    return `${columnLetter(this.column)}${this.row}:${columnLetter(this.getLastColumn())}${this.getLastRow()}`;
  }
  activate() {
    this.sheet.activated.push(this.getA1Notation());
    return this;
  }
  getDisplayValues() {
    this.sheet.reads.push(this.getA1Notation());
    return Array.from({ length: this.numRows }, (_, r) =>
      Array.from({ length: this.numColumns }, (_, c) => String(this.sheet.cell(this.row + r, this.column + c))));
  }
}

class FakeSheet {
  constructor({ name = 'Companies', sheetId = 0, values = [], frozenRows = 0, maxRows = 1000 } = {}) {
    Object.assign(this, { name, sheetId, values, frozenRows, maxRows, reads: [], activated: [] });
  }
  getName() { return this.name; }
  getSheetId() { return this.sheetId; }
  getFrozenRows() { return this.frozenRows; }
  getMaxRows() { return this.maxRows; }
  getLastRow() { return this.values.length; }
  getLastColumn() { return this.values.reduce((max, row) => Math.max(max, row.length), 0); }
  cell(row, column) { return (this.values[row - 1] || [])[column - 1] ?? ''; }
  createTextFinder(text) {
    let entire = false;
    const finder = {
      matchEntireCell: (on) => { entire = on; return finder; },
      findNext: () => {
        for (let r = 1; r <= this.values.length; r += 1) {
          const c = (this.values[r - 1] || []).findIndex((v) => (entire ? String(v) === text : String(v).includes(text)));
          if (c >= 0) return new FakeRange(this, r, c + 1, 1, 1);
        }
        return null;
      },
    };
    return finder;
  }
  getRange(rowOrA1, column, numRows = 1, numColumns = 1) {
    if (typeof rowOrA1 === 'string') return new FakeRange(this, ...parseA1(rowOrA1));
    if (numRows < 1 || numColumns < 1) throw new Error('The number of rows in the range must be at least 1.');
    return new FakeRange(this, rowOrA1, column, numRows, numColumns);
  }
}

class FakeSpreadsheet {
  constructor({ id = 'sheet-file-1', sheet = new FakeSheet(), selection = [], others = [] } = {}) {
    Object.assign(this, { id, sheet, selection, others });
  }
  getId() { return this.id; }
  getActiveSheet() { return this.sheet; }
  getSheets() { return [this.sheet, ...this.others]; }
  setActiveSheet(sheet) {
    if (sheet !== this.sheet) {
      this.others = [this.sheet, ...this.others.filter((other) => other !== sheet)];
      this.sheet = sheet;
    }
    return sheet;
  }
  getActiveRangeList() {
    if (!this.selection || this.selection.length === 0) return null;
    const ranges = this.selection.map((a1) => this.sheet.getRange(a1));
    return { getRanges: () => ranges };
  }
}

class FakeMenu {
  constructor(ui, name) { Object.assign(this, { ui, name, items: [] }); }
  addItem(caption, functionName) { this.items.push({ caption, functionName }); return this; }
  addSeparator() { this.items.push({ separator: true }); return this; }
  addToUi() { this.ui.menus.push(this); }
}

class FakeUi {
  constructor() { Object.assign(this, { menus: [], sidebars: [], dialogs: [], alerts: [] }); }
  get ButtonSet() { return { OK: 'OK', OK_CANCEL: 'OK_CANCEL' }; }
  createAddonMenu() { return new FakeMenu(this, 'add-on'); }
  createMenu(name) { return new FakeMenu(this, name); }
  showSidebar(output) { this.sidebars.push(output); }
  showModalDialog(output, title) { this.dialogs.push({ output, title }); }
  alert(title, message, buttons) { this.alerts.push({ title, message, buttons }); return 'OK'; }
}

class FakeHtmlOutput {
  constructor(content) { Object.assign(this, { content, title: null, width: null, height: null }); }
  getContent() { return this.content; }
  setTitle(title) { this.title = title; return this; }
  setWidth(width) { this.width = width; return this; }
  setHeight(height) { this.height = height; return this; }
}

class FakeProperties {
  constructor() { this.data = {}; }
  getProperty(key) { return Object.prototype.hasOwnProperty.call(this.data, key) ? this.data[key] : null; }
  setProperty(key, value) { this.data[key] = String(value); return this; }
  setProperties(props) { for (const [k, v] of Object.entries(props)) this.data[k] = String(v); return this; }
  getProperties() { return { ...this.data }; }
  deleteProperty(key) { delete this.data[key]; return this; }
}

/**
 * A UrlFetchApp that records every request and answers with `respond(request)`. Like Apps Script
 * with a manifest allowlist, it refuses (throws, sends nothing) a URL that starts with no prefix
 * of `allowlist`; `refused` records those attempts.
 */
class FakeUrlFetch {
  constructor(respond, allowlist) { Object.assign(this, { respond, allowlist, requests: [], refused: [] }); }
  fetch(url, options = {}) {
    if (this.allowlist && !this.allowlist.some((prefix) => String(url).startsWith(prefix))) {
      this.refused.push(url);
      throw new Error(`Exception: URL ${url} is not allowed by the urlFetchWhitelist in the manifest.`);
    }
    const request = { url, ...options, body: options.payload ? JSON.parse(options.payload) : undefined };
    this.requests.push(request);
    const answer = this.respond(request);
    const headers = answer.headers || {};
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? null);
    return {
      getResponseCode: () => answer.status,
      getContentText: () => text,
      getHeaders: () => headers,
    };
  }
}

/** A scripted answer: `reply(429, {error: {...}}, {'Retry-After': '120'})`. */
function reply(status, body, headers) {
  return { status, body, headers };
}

function htmlService(ctx) {
  const read = (name) => fs.readFileSync(path.join(ADDON_DIR, `${name}.html`), 'utf8');
  return {
    createHtmlOutputFromFile: (name) => new FakeHtmlOutput(read(name)),
    createTemplateFromFile(name) {
      const template = {
        evaluate() {
          const scoped = vm.runInContext('(function (vars, expr) { with (vars) { return eval(expr); } })', ctx);
          const vars = Object.fromEntries(Object.entries(template).filter(([k]) => k !== 'evaluate'));
          return new FakeHtmlOutput(renderTemplate(read(name), (expr) => scoped(vars, expr)));
        },
      };
      return template;
    },
  };
}

/** The backend URL the tests deploy with (tools/configure.js writes it as the deployer would). */
const TEST_BACKEND = 'https://rowscout-test.a.run.app';

/** The .gs files in the order clasp pushes them (from .clasp.json.example). */
function gsFiles() {
  const clasp = JSON.parse(fs.readFileSync(path.join(ADDON_DIR, '.clasp.json.example'), 'utf8'));
  return clasp.filePushOrder;
}

/**
 * Builds a fresh add-on world, deployed for `backendUrl` ('' = not set up).
 *
 * @param {object} options spreadsheet, respond (fetch answer function), token, backendUrl, oauthToken.
 * @return {object} { ctx, ui, fetch, props, spreadsheet, identity, manifest }
 */
function loadAddon({
  spreadsheet = new FakeSpreadsheet(), respond = () => reply(200, {}), token = 'id-token-1',
  backendUrl = TEST_BACKEND, oauthToken = 'oauth-token-1',
} = {}) {
  const manifest = configuredManifest(readManifest(), backendUrl);
  const ui = new FakeUi();
  const fetch = new FakeUrlFetch(respond, manifest.urlFetchWhitelist);
  const props = { document: new FakeProperties(), user: new FakeProperties(), script: new FakeProperties() };
  const identity = { token };
  const ctx = vm.createContext({
    console: { log() {}, warn() {}, error() {} },
    SpreadsheetApp: { getUi: () => ui, getActiveSpreadsheet: () => spreadsheet },
    UrlFetchApp: fetch,
    ScriptApp: { getIdentityToken: () => identity.token, getOAuthToken: () => oauthToken, AuthMode: { NONE: 'NONE', LIMITED: 'LIMITED', FULL: 'FULL' } },
    PropertiesService: {
      getDocumentProperties: () => props.document,
      getUserProperties: () => props.user,
      getScriptProperties: () => props.script,
    },
    Session: { getActiveUser: () => ({ getEmail: () => 'ada@example.com' }) },
  });
  ctx.HtmlService = htmlService(ctx);
  for (const file of gsFiles()) {
    const source = file === 'Deployment.gs' ? deploymentSource(backendUrl) : fs.readFileSync(path.join(ADDON_DIR, file), 'utf8');
    vm.runInContext(source, ctx, { filename: file });
  }
  return { ctx, ui, fetch, props, spreadsheet, identity, manifest };
}

module.exports = {
  ADDON_DIR, TEST_BACKEND, FakeSheet, FakeSpreadsheet, FakeProperties, loadAddon, reply, gsFiles, columnLetter,
};
