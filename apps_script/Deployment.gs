/**
 * Deployment configuration: the one backend this add-on talks to. Written by
 * `npm run configure -- https://YOUR-SERVICE.a.run.app` (tools/configure.js),
 * which also pins the same URL in appsscript.json's urlFetchWhitelist, so
 * Apps Script itself refuses any other destination. Only whoever deploys the
 * add-on sets it; no document, user or script property can change it, and no
 * settings screen shows it. Empty: the add-on is not set up and calls nothing.
 */

/** The Rowscout backend's base URL (https, no trailing slash), or '' when not configured. */
var ROWSCOUT_BACKEND_URL = '';
