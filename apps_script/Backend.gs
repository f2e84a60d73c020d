/**
 * The one door to the Rowscout backend: a short authenticated JSON request per
 * call (the backend does the work), with every failure turned into a sentence
 * a user can act on. Nothing here touches the spreadsheet.
 */

/** User-facing text per backend error code (see the backend API). */
var ROWSCOUT_ERROR_MESSAGES = {
  unauthenticated: 'Rowscout could not verify your Google identity. Reload the spreadsheet, ' +
    'authorise the add-on again (Extensions → Rowscout) and retry.',
  forbidden: 'You are not allowed to do this: Rowscout needs you to have edit access to this spreadsheet.',
  misconfigured: 'The Rowscout service is not set up yet; tell your administrator.',
  sheet_not_shared: 'Rowscout cannot open this spreadsheet. Share it with the Rowscout service ' +
    'account as an Editor (see the add-on README), then retry.',
  not_found: 'Rowscout does not know this job any more (jobs expire after a while).',
  invalid_input: 'Rowscout did not accept the request.',
  no_company_column: 'No company name or website column was found. Pick the company column in the ' +
    'sidebar, or add a header such as "Company" or "Website".',
  quota_exceeded: 'Your Rowscout quota is used up for now. Wait a little or ask your admin to raise it.',
  unavailable: 'The Rowscout backend is busy or restarting. Try again in a minute.'
};

/** Error codes implied by a bare HTTP status when the body is not a Rowscout error. */
var ROWSCOUT_STATUS_CODES = {
  400: 'invalid_input', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found',
  429: 'quota_exceeded', 500: 'unavailable', 502: 'unavailable', 503: 'unavailable', 504: 'unavailable'
};

/**
 * Calls the backend and returns its parsed JSON body.
 *
 * @param {string} method 'get' or 'post'.
 * @param {string} path e.g. '/api/v1/jobs'.
 * @param {Object=} body sent as JSON with a POST.
 * @return {Object} the response body.
 * @throws {Error} whose message is ready to show to the user.
 */
function backendRequest_(method, path, body) {
  const baseUrl = requireBackendUrl_();
  const url = baseUrl + path;
  const response = fetchOrExplain_(url, requestOptions_(method, body), baseUrl);
  return parseResponse_(response, baseUrl);
}

/**
 * The deployment's backend URL (Deployment.gs) without a trailing slash, or '' when the add-on
 * is not set up or the configured value is not an https URL. Properties are never consulted.
 */
function readBackendUrl_() {
  const url = String(ROWSCOUT_BACKEND_URL || '').replace(/\/+$/, '');
  return /^https:\/\/[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:\d+)?(\/[\w.\-~/]*)?$/.test(url) ? url : '';
}

function requireBackendUrl_() {
  const url = readBackendUrl_();
  if (!url) {
    throw new Error(ROWSCOUT_ERROR_MESSAGES.misconfigured + ' (The add-on has no backend address: ' +
      'run tools/configure.js when deploying it.)');
  }
  return url;
}

function requestOptions_(method, body) {
  const options = {
    method: method,
    contentType: 'application/json',
    headers: {
      Authorization: 'Bearer ' + identityToken_(),
      // The user's own OAuth token: the backend asks Drive, as this user, whether they can edit the
      // spreadsheet before its service account reads or writes it (drive.metadata.readonly).
      'X-Rowscout-User-Token': ScriptApp.getOAuthToken()
    },
    muteHttpExceptions: true,
    followRedirects: false
  };
  if (body !== undefined) {
    options.payload = JSON.stringify(body);
  }
  return options;
}

function identityToken_() {
  const token = ScriptApp.getIdentityToken();
  if (!token) {
    throw new Error(ROWSCOUT_ERROR_MESSAGES.unauthenticated);
  }
  return token;
}

function fetchOrExplain_(url, options, baseUrl) {
  try {
    return UrlFetchApp.fetch(url, options);
  } catch (err) {
    // The address is for the administrator (Apps Script executions log), not for the user.
    console.warn('Rowscout fetch to ' + baseUrl + ' failed: ' + (err && err.message));
    throw new Error('The Rowscout service cannot be reached right now. Try again in a moment; if it ' +
      'keeps failing, tell your administrator.');
  }
}

function parseResponse_(response, baseUrl) {
  const status = response.getResponseCode();
  const body = parseJsonOrNull_(response.getContentText());
  if (status >= 200 && status < 300 && body !== null) {
    return body;
  }
  if (status >= 200 && status < 400) {
    console.warn('Rowscout backend ' + baseUrl + ' answered HTTP ' + status + ' without JSON');
    throw new Error('The Rowscout service gave an unexpected answer (HTTP ' + status + '). Tell your ' +
      'administrator: the add-on may point at the wrong address.');
  }
  throw new Error(errorMessage_(status, body, retryAfter_(response)));
}

function parseJsonOrNull_(text) {
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === 'object' ? value : null;
  } catch (err) {
    return null;
  }
}

function retryAfter_(response) {
  const headers = response.getHeaders ? response.getHeaders() : {};
  const value = headers['Retry-After'] || headers['retry-after'];
  const seconds = parseInt(value, 10);
  return isNaN(seconds) ? null : seconds;
}

/**
 * Turns an error response into the sentence shown to the user.
 *
 * @param {number} status HTTP status.
 * @param {Object|null} body parsed JSON body, if any.
 * @param {number|null} retryAfter seconds from Retry-After, if any.
 * @return {string}
 */
function errorMessage_(status, body, retryAfter) {
  const error = body && body.error && typeof body.error === 'object' ? body.error : {};
  const code = ROWSCOUT_ERROR_MESSAGES[error.code] ? error.code : ROWSCOUT_STATUS_CODES[status];
  if (!code) {
    return 'The Rowscout backend failed (HTTP ' + status + '). Try again; if it keeps failing, ' +
      'tell your Rowscout admin.';
  }
  let text = ROWSCOUT_ERROR_MESSAGES[code];
  if (typeof error.message === 'string' && error.message) {
    text += ' Details: ' + error.message;
  }
  if (code === 'quota_exceeded' && retryAfter) {
    text += ' You can retry in about ' + Math.ceil(retryAfter / 60) + ' min.';
  }
  return text;
}
