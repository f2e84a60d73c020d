/**
 * Rowscout settings: per-user preferences in UserProperties (default fields,
 * refresh policy, LLM on/off). The backend URL is not a setting: whoever deploys
 * the add-on writes it into Deployment.gs (tools/configure.js), and it is never
 * read from document, user or script properties, so an editor of a shared
 * spreadsheet cannot send other users' tokens elsewhere. No secrets are stored:
 * the backend is called with the user's identity token.
 */

/**
 * Returns the settings shown in the Settings dialog and used by the sidebar.
 *
 * @return {{defaultFields: string[], refreshDays: ?number, useLlm: boolean, fields: string[]}}
 */
function getSettings() {
  const user = PropertiesService.getUserProperties();
  return {
    defaultFields: parseFields_(user.getProperty(ROWSCOUT_PROPS.defaultFields)),
    refreshDays: parseRefreshDays_(user.getProperty(ROWSCOUT_PROPS.refreshDays)),
    useLlm: user.getProperty(ROWSCOUT_PROPS.useLlm) === 'true',
    fields: ROWSCOUT_FIELDS.slice()
  };
}

/**
 * Validates and stores the user's preferences, then returns them as getSettings() would.
 * Any other key (such as a backend URL) is ignored.
 *
 * @param {{defaultFields: string[], refreshDays: ?number, useLlm: boolean}} settings
 * @return {Object} the stored settings.
 * @throws {Error} with a user message when a value is not acceptable.
 */
function saveSettings(settings) {
  const clean = validateSettings_(settings || {});
  const user = PropertiesService.getUserProperties();
  user.setProperties({
    [ROWSCOUT_PROPS.defaultFields]: JSON.stringify(clean.defaultFields),
    [ROWSCOUT_PROPS.refreshDays]: clean.refreshDays === null ? '' : String(clean.refreshDays),
    [ROWSCOUT_PROPS.useLlm]: String(clean.useLlm)
  });
  return getSettings();
}

function validateSettings_(settings) {
  return {
    defaultFields: validateFields_(settings.defaultFields),
    refreshDays: validateRefreshDays_(settings.refreshDays),
    useLlm: settings.useLlm === true
  };
}

/**
 * Checks a list of field names against ROWSCOUT_FIELDS.
 *
 * @param {*} fields
 * @return {string[]} the fields, deduplicated, in output-column order.
 */
function validateFields_(fields) {
  if (!Array.isArray(fields) || fields.length === 0) {
    throw new Error('Choose at least one field to research.');
  }
  const unknown = fields.filter(function (name) { return ROWSCOUT_FIELDS.indexOf(name) < 0; });
  if (unknown.length) {
    throw new Error('Unknown field(s): ' + unknown.join(', ') + '.');
  }
  return ROWSCOUT_FIELDS.filter(function (name) { return fields.indexOf(name) >= 0; });
}

function validateRefreshDays_(value) {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > ROWSCOUT_MAX_REFRESH_DAYS) {
    throw new Error('Re-research rows older than N days: N must be a whole number from 1 to ' +
      ROWSCOUT_MAX_REFRESH_DAYS + ', or empty for never.');
  }
  return days;
}

function parseFields_(stored) {
  try {
    return validateFields_(JSON.parse(stored));
  } catch (err) {
    return ROWSCOUT_DEFAULT_FIELDS.slice();
  }
}

function parseRefreshDays_(stored) {
  try {
    return validateRefreshDays_(stored);
  } catch (err) {
    return null;
  }
}
