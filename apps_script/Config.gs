/**
 * Rowscout add-on constants: the researchable fields, the job controls, the
 * property keys and the defaults. Plain values only, no service calls.
 */

/**
 * The researchable fields, their labels and the default choice are the backend's
 * (GET /api/v1/fields): one list for the CLI, the API and this add-on. Here only the
 * shape of a field name is checked; the backend refuses names it does not know.
 */
var ROWSCOUT_FIELD_NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** "Try on N rows": the size of the small first job. */
var ROWSCOUT_TRIAL_ROWS = 5;

/** Actions accepted by controlJob(); each maps to POST /api/v1/jobs/{id}/{action}. */
var ROWSCOUT_CONTROL_ACTIONS = ['pause', 'resume', 'cancel', 'retry-failed'];

/** Menu "Retry failed rows" looks at this many of the spreadsheet's newest finished jobs. */
var ROWSCOUT_RETRY_LOOKBACK = 5;

/** Job states after which nothing changes any more. */
var ROWSCOUT_FINAL_STATES = ['cancelled', 'completed', 'failed'];

/**
 * User property keys (per-user preferences). The backend URL is not a property:
 * it is deployment configuration (Deployment.gs), never read from properties.
 */
var ROWSCOUT_PROPS = {
  defaultFields: 'ROWSCOUT_DEFAULT_FIELDS',
  refreshDays: 'ROWSCOUT_REFRESH_DAYS',
  useLlm: 'ROWSCOUT_USE_LLM'
};

/** Job submission defaults sent with POST /api/v1/jobs. */
var ROWSCOUT_JOB_DEFAULTS = { priority: 'normal', maxConcurrency: 8 };

/** The refresh policy accepts 1..ROWSCOUT_MAX_REFRESH_DAYS days (or none). */
var ROWSCOUT_MAX_REFRESH_DAYS = 3650;
