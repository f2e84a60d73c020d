/**
 * The functions the sidebar calls through google.script.run. Each builds one
 * backend request, sends it through backendRequest_() and returns plain data;
 * errors arrive at the sidebar's failure handler as user-readable messages.
 * The script never writes research results itself: the backend does.
 */

var ROWSCOUT_JOB_ID = /^[A-Za-z0-9_-]{1,128}$/;
var ROWSCOUT_A1_RANGE = /^[A-Z]{1,3}[0-9]{0,7}(:[A-Z]{1,3}[0-9]{0,7})?$/;
var ROWSCOUT_RECENT_JOBS = 20;

/**
 * Asks the backend how many rows a job would research, how long and at what cost.
 *
 * @param {Object} request {selection, nameColumn, websiteColumn, fields, columnMap, useLlm}.
 * @return {{rows: number, skipped: number, seconds: number, cost_usd: number,
 *           columns: Object, headers: string[]}}
 */
function estimate(request) {
  return backendRequest_('post', '/api/v1/estimate', researchBody_(request));
}

/**
 * Submits a research job for the selection and returns the new job.
 *
 * @param {Object} request as for estimate(), plus refreshDays and name.
 * @return {Object} the job (id, state, total, counts, ...).
 */
function startJob(request) {
  const body = researchBody_(request);
  body.priority = ROWSCOUT_JOB_DEFAULTS.priority;
  body.max_concurrency = ROWSCOUT_JOB_DEFAULTS.maxConcurrency;
  body.refresh_days = validateRefreshDays_(request.refreshDays);
  body.name = jobName_(request);
  return backendRequest_('post', '/api/v1/jobs', body).job;
}

/** Returns the job's current progress. */
function getJob(jobId) {
  return backendRequest_('get', '/api/v1/jobs/' + checkJobId_(jobId)).job;
}

/**
 * Pauses, resumes, cancels a job or retries its failed rows.
 *
 * @param {string} jobId
 * @param {string} action one of ROWSCOUT_CONTROL_ACTIONS.
 * @return {Object} the job after the action.
 */
function controlJob(jobId, action) {
  if (ROWSCOUT_CONTROL_ACTIONS.indexOf(action) < 0) {
    throw new Error('Unknown job action "' + action + '".');
  }
  return backendRequest_('post', '/api/v1/jobs/' + checkJobId_(jobId) + '/' + action).job;
}

/**
 * The user's recent jobs, newest first; those of this spreadsheet are flagged.
 *
 * @return {Object[]} jobs, each with an extra boolean `here`.
 */
function listJobs() {
  const spreadsheetId = SpreadsheetApp.getActiveSpreadsheet().getId();
  const jobs = backendRequest_('get', '/api/v1/jobs').jobs || [];
  return jobs
    .slice()
    .sort(function (a, b) { return String(b.created_at).localeCompare(String(a.created_at)); })
    .slice(0, ROWSCOUT_RECENT_JOBS)
    .map(function (job) { return Object.assign({}, job, { here: job.spreadsheet_id === spreadsheetId }); });
}

/** The JSON body shared by estimate and job submission. */
function researchBody_(request) {
  const req = request || {};
  const selection = checkSelection_(req.selection);
  const fields = validateFields_(req.fields);
  const body = {
    spreadsheet_id: SpreadsheetApp.getActiveSpreadsheet().getId(),
    sheet_id: selection.sheetId,
    sheet_name: selection.sheetName,
    ranges: selection.ranges.slice(),
    header_row: selection.headerRow,
    name_column: columnOrNull_(req.nameColumn),
    website_column: columnOrNull_(req.websiteColumn),
    fields: fields,
    use_llm: req.useLlm === true
  };
  const columnMap = columnMap_(req.columnMap, fields);
  if (Object.keys(columnMap).length) {
    body.column_map = columnMap;
  }
  return body;
}

/**
 * The fields the user chose to write into their own columns: field -> column header.
 * Only fields being researched, each to a non-empty header of at most 100 characters.
 */
function columnMap_(value, fields) {
  const map = {};
  if (value === null || value === undefined) {
    return map;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('The column choices are not valid.');
  }
  Object.keys(value).forEach(function (field) {
    const column = String(value[field] === null || value[field] === undefined ? '' : value[field]).trim();
    if (fields.indexOf(field) < 0 || column === '' || column.length > 100) {
      throw new Error('Choose one of your columns for "' + field + '", or a new Rowscout column.');
    }
    map[field] = column;
  });
  return map;
}

function checkSelection_(selection) {
  const sel = selection || {};
  const rangesOk = Array.isArray(sel.ranges) && sel.ranges.length > 0 &&
    sel.ranges.every(function (a1) { return ROWSCOUT_A1_RANGE.test(String(a1)); });
  if (!rangesOk || !Number.isInteger(sel.sheetId) || !Number.isInteger(sel.headerRow)) {
    throw new Error(ROWSCOUT_NO_SELECTION);
  }
  return sel;
}

function columnOrNull_(value) {
  const text = value === null || value === undefined ? '' : String(value).trim();
  return text === '' ? null : text;
}

function checkJobId_(jobId) {
  if (!ROWSCOUT_JOB_ID.test(String(jobId))) {
    throw new Error('That is not a Rowscout job id.');
  }
  return encodeURIComponent(jobId);
}

function jobName_(request) {
  const custom = columnOrNull_(request.name);
  const selection = request.selection;
  const name = custom || selection.sheetName + ' ' + selection.ranges.join(', ');
  return name.length > 100 ? name.slice(0, 99) + '…' : name;
}
