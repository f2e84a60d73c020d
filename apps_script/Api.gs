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
 * @param {Object} request {selection, nameColumn, websiteColumn, fields, columnMap, useLlm, part}.
 * @return {{rows: number, skipped: number, seconds: number, cost_usd: number,
 *           columns: Object, headers: string[], new_columns: string[]}}
 */
function estimate(request) {
  return backendRequest_('post', '/api/v1/estimate', researchBody_(request));
}

/**
 * Submits a research job for the selection and returns the new job. With `part: 'trial'` only
 * the first ROWSCOUT_TRIAL_ROWS rows of the selection are sent ("Try on 5 rows"); with
 * `part: 'rest'` every row after them.
 *
 * @param {Object} request as for estimate(), plus refreshDays, name and part.
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
 * @param {{all: boolean}=} options for retry-failed: `all` also retries permanent failures
 *     (by default only the failures worth retrying: timeouts, connection errors...).
 * @return {Object} the job after the action.
 */
function controlJob(jobId, action, options) {
  if (ROWSCOUT_CONTROL_ACTIONS.indexOf(action) < 0) {
    throw new Error('Unknown job action "' + action + '".');
  }
  const all = action === 'retry-failed' && Boolean(options && options.all === true);
  return backendRequest_('post', '/api/v1/jobs/' + checkJobId_(jobId) + '/' + action + (all ? '?all=true' : '')).job;
}

/**
 * Selects a row of a sheet (a failed row the sidebar lists) so the user sees it. The row number
 * is where the row was when the job started; when that row no longer holds `company` (the user
 * sorted or inserted rows since), the cell holding exactly `company` is looked up instead.
 *
 * @param {number} sheetId the tab's id.
 * @param {number} row the row number (1-based) when the job started.
 * @param {string=} company the row's company name (or website), as the job read it.
 * @return {{sheetName: string, row: number, moved: boolean}}
 */
function selectRow(sheetId, row, company) {
  const spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  const sheet = spreadsheet.getSheets().filter(function (tab) { return tab.getSheetId() === sheetId; })[0];
  if (!sheet) {
    throw new Error('The tab of this job is gone (deleted or in another spreadsheet).');
  }
  if (!Number.isInteger(row) || row < 1) {
    throw new Error('That is not a row number.');
  }
  const found = rowHolding_(sheet, row, String(company || '').trim());
  if (found === null) {
    throw new Error('Row ' + row + ' is not in the tab "' + sheet.getName() + '" any more.');
  }
  spreadsheet.setActiveSheet(sheet);
  sheet.getRange(found, 1, 1, Math.max(sheet.getLastColumn(), 1)).activate();
  return { sheetName: sheet.getName(), row: found, moved: found !== row };
}

/** `row` when it holds `company` (or no company is known), else the row of the cell holding it, else `row`. */
function rowHolding_(sheet, row, company) {
  const width = Math.max(sheet.getLastColumn(), 1);
  const inSheet = row <= sheet.getMaxRows();
  if (!company) {
    return inSheet ? row : null;
  }
  if (inSheet && sheet.getRange(row, 1, 1, width).getDisplayValues()[0].indexOf(company) >= 0) {
    return row;
  }
  const cell = sheet.createTextFinder(company).matchEntireCell(true).findNext();
  return cell ? cell.getRow() : (inSheet ? row : null);
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
  const selection = selectionPart_(checkSelection_(req.selection), req.part);
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
  if (req.similar === true) { // issue 16: a "Similar in this list" column when the job ends
    body.similar = true;
  }
  const questions = questions_(req.questions); // custom questions (issue 15): one column each
  if (questions.length) {
    body.questions = questions;
  }
  const maxCost = maxCost_(req.maxCost); // issue 15: the sidebar's Spend cap
  if (maxCost !== null) {
    body.max_cost_usd = maxCost;
  }
  return body;
}

/**
 * The sidebar's Spend cap in US dollars: empty means no cap; otherwise a number from 0 to 1,000,000
 * ("$5" and "5.00" are 5). The backend checks it again.
 */
function maxCost_(value) {
  if (value === null || value === undefined || String(value).trim() === '') {
    return null;
  }
  const cost = Number(String(value).trim().replace(/^\$/, ''));
  if (!isFinite(cost) || cost < 0 || cost > 1000000) {
    throw new Error('The spend cap must be an amount in US dollars from 0 to 1,000,000, or empty for no cap.');
  }
  return cost;
}

/**
 * The custom questions, one per line of the sidebar's Questions box: blank lines dropped, spaces tidied,
 * each question at most 200 characters (an optional "::kind" after it: yes_no, number, text, list),
 * at most 20, none twice (case ignored). The backend checks them again.
 */
function questions_(value) {
  const maxChars = 200;
  const maxQuestions = 20;
  if (value === null || value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw new Error('The questions are not valid.');
  }
  const seen = {};
  const questions = [];
  value.forEach(function (item) {
    const text = String(item === null || item === undefined ? '' : item).replace(/\s+/g, ' ').trim();
    const cut = text.lastIndexOf('::');
    const question = (cut >= 0 ? text.slice(0, cut) : text).trim();
    if (text === '') {
      return;
    }
    if (question === '' || question.length > maxChars) {
      throw new Error('Each question needs 1 to ' + maxChars + ' characters: "' + text.slice(0, 40) + '"');
    }
    if (seen[question.toLowerCase()]) {
      throw new Error('Question asked twice: "' + question.slice(0, 60) + '"');
    }
    seen[question.toLowerCase()] = true;
    questions.push(text);
  });
  if (questions.length > maxQuestions) {
    throw new Error('At most ' + maxQuestions + ' questions per job; you wrote ' + questions.length + '.');
  }
  return questions;
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

/**
 * The selection itself (no part), its first ROWSCOUT_TRIAL_ROWS rows ('trial') or the rows
 * after them ('rest'); rowCount follows. Ranges are "A2:C40" or a single cell "A5".
 */
function selectionPart_(selection, part) {
  if (part === undefined || part === null || part === '') {
    return selection;
  }
  if (part !== 'trial' && part !== 'rest') {
    throw new Error('Unknown part of the selection "' + part + '".');
  }
  const split = splitRanges_(selection.ranges, ROWSCOUT_TRIAL_ROWS);
  const chosen = part === 'trial' ? split.first : split.rest;
  if (chosen.ranges.length === 0) {
    throw new Error('Your selection has no rows after the first ' + ROWSCOUT_TRIAL_ROWS + '.');
  }
  return Object.assign({}, selection, { ranges: chosen.ranges, rowCount: chosen.rows });
}

/** Splits A1 row ranges after their first `n` rows: {first: {ranges, rows}, rest: {ranges, rows}}. */
function splitRanges_(ranges, n) {
  const first = { ranges: [], rows: 0 };
  const rest = { ranges: [], rows: 0 };
  ranges.forEach(function (a1) {
    const m = /^([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?$/.exec(a1);
    const top = Number(m[2]);
    const bottom = m[4] ? Number(m[4]) : top;
    const take = Math.max(0, Math.min(n - first.rows, bottom - top + 1));
    const range = function (from, to) { return m[1] + from + ':' + (m[3] || m[1]) + to; };
    if (take > 0) {
      first.ranges.push(range(top, top + take - 1));
      first.rows += take;
    }
    if (top + take <= bottom) {
      rest.ranges.push(range(top + take, bottom));
      rest.rows += bottom - top - take + 1;
    }
  });
  return { first: first, rest: rest };
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
  const selection = selectionPart_(request.selection, request.part);
  const name = custom || selection.sheetName + ' ' + selection.ranges.join(', ');
  return name.length > 100 ? name.slice(0, 99) + '…' : name;
}
