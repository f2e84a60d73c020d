#!/usr/bin/env node
'use strict';
/**
 * Sets the add-on's backend at deploy time, in the two places Apps Script reads:
 *
 *   - Deployment.gs: `var ROWSCOUT_BACKEND_URL = 'https://…';` (the only URL the add-on calls), and
 *   - appsscript.json: `"urlFetchWhitelist": ["https://…/"]` (Apps Script refuses any other URL;
 *     required for versioned add-on deployments).
 *
 * Usage: npm run configure --prefix apps_script -- https://rowscout-abc123-ew.a.run.app
 *        node tools/configure.js [--dir DIR] URL      (URL '' resets both to "not set up")
 *
 * The tests load the add-on through the same functions, so what they prove is what this writes.
 */

const fs = require('node:fs');
const path = require('node:path');

const ADDON_DIR = path.resolve(__dirname, '..');
const URL_SHAPE = /^https:\/\/([a-z0-9-]+\.)+[a-z]{2,}(:[0-9]{1,5})?(\/[A-Za-z0-9._~-]+)*$/;

const HEADER = `/**
 * Deployment configuration: the one backend this add-on talks to. Written by
 * \`npm run configure -- https://YOUR-SERVICE.a.run.app\` (tools/configure.js),
 * which also pins the same URL in appsscript.json's urlFetchWhitelist, so
 * Apps Script itself refuses any other destination. Only whoever deploys the
 * add-on sets it; no document, user or script property can change it, and no
 * settings screen shows it. Empty: the add-on is not set up and calls nothing.
 */

/** The Rowscout backend's base URL (https, no trailing slash), or '' when not configured. */
`;

/**
 * The backend URL as the add-on stores it: https, a full domain, optional port and path,
 * no credentials, query or fragment, no trailing slash. '' means "not set up".
 *
 * @param {string} value
 * @return {string}
 * @throws {Error} when the URL is not acceptable.
 */
function normalizeBackendUrl(value) {
  const text = String(value ?? '').trim();
  if (text === '') return '';
  const url = text.replace(/\/+$/, '').replace(/^https:\/\/[^/]+/i, (origin) => origin.toLowerCase());
  if (!URL_SHAPE.test(url)) {
    throw new Error(`The backend URL must look like https://rowscout-abc123-ew.a.run.app (got ${JSON.stringify(text)}).`);
  }
  return url;
}

/** The text of Deployment.gs for `url` (already normalized). */
function deploymentSource(url) {
  return `${HEADER}var ROWSCOUT_BACKEND_URL = '${normalizeBackendUrl(url)}';\n`;
}

/** The urlFetchWhitelist entries for `url`: one prefix ending in "/" (so "host.evil.example" never matches). */
function allowlistFor(url) {
  const clean = normalizeBackendUrl(url);
  return clean ? [`${clean}/`] : [];
}

/** `manifest` with its urlFetchWhitelist pinned to `url` (every other key kept as it was). */
function configuredManifest(manifest, url) {
  return { ...manifest, urlFetchWhitelist: allowlistFor(url) };
}

function readManifest(dir = ADDON_DIR) {
  return JSON.parse(fs.readFileSync(path.join(dir, 'appsscript.json'), 'utf8'));
}

/** Writes Deployment.gs and appsscript.json in `dir`; returns the normalized URL. Nothing is written on error. */
function configure({ dir = ADDON_DIR, url }) {
  const clean = normalizeBackendUrl(url);
  const manifest = configuredManifest(readManifest(dir), clean);
  fs.writeFileSync(path.join(dir, 'appsscript.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'Deployment.gs'), deploymentSource(clean));
  return clean;
}

function main(argv) {
  const args = [...argv];
  let dir = ADDON_DIR;
  const at = args.indexOf('--dir');
  if (at >= 0) {
    dir = path.resolve(args[at + 1] || '.');
    args.splice(at, 2);
  }
  if (args.length !== 1) {
    process.stderr.write('usage: node tools/configure.js [--dir DIR] https://YOUR-SERVICE.a.run.app\n');
    return 2;
  }
  try {
    const url = configure({ dir, url: args[0] });
    process.stdout.write(url ? `Rowscout backend set to ${url} (Deployment.gs, urlFetchWhitelist)\n`
      : 'Rowscout backend cleared: the add-on is not set up\n');
    return 0;
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}

module.exports = { normalizeBackendUrl, deploymentSource, allowlistFor, configuredManifest, readManifest, configure };
