/**
 * Rowscout add-on constants: the researchable fields, the job controls, the
 * property keys and the defaults. Plain values only, no service calls.
 */

/** The fields the backend can research, in output-column order. */
var ROWSCOUT_FIELDS = [
  'website', 'description', 'industry', 'business_model', 'products',
  'hq_city', 'hq_region', 'hq_country', 'founded_year', 'employees',
  'emails', 'phones', 'linkedin', 'twitter', 'facebook', 'instagram',
  'youtube', 'github', 'crunchbase', 'tech_stack', 'language', 'logo_url'
];

/** Fields ticked in a fresh sidebar until the user saves their own default. */
var ROWSCOUT_DEFAULT_FIELDS = ['website', 'description', 'industry', 'hq_country', 'employees', 'linkedin'];

/** Actions accepted by controlJob(); each maps to POST /api/v1/jobs/{id}/{action}. */
var ROWSCOUT_CONTROL_ACTIONS = ['pause', 'resume', 'cancel', 'retry-failed'];

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
