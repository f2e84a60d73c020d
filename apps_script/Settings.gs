/**
 * Rowscout settings: per-user preferences in UserProperties (default fields,
 * refresh policy, LLM on/off). The backend URL is not a setting: whoever deploys
 * the add-on writes it into Deployment.gs (tools/configure.js), and it is never
 * read from document, user or script properties, so an editor of a shared
 * spreadsheet cannot send other users' tokens elsewhere. No secrets are stored:
 * the backend is called with the user's identity token.
 */

/**
 * Returns the settings shown in the Settings dialog and used by the sidebar. The field list,
 * its labels (the headers the sheet gets) and the default choice come from the backend.
 *
 * @return {{defaultFields: string[], refreshDays: ?number, useLlm: boolean,
 *           fields: {name: string, label: string, default: boolean}[]}}
 */
function getSettings() {
  const catalog = fieldCatalog_();
  const user = PropertiesService.getUserProperties();
  return {
    defaultFields: parseFields_(user.getProperty(ROWSCOUT_PROPS.defaultFields), catalog),
    refreshDays: parseRefreshDays_(user.getProperty(ROWSCOUT_PROPS.refreshDays)),
    useLlm: user.getProperty(ROWSCOUT_PROPS.useLlm) === 'true',
    fields: catalog
  };
}

/** The backend's field list: [{name, label, default}], in output-column order. */
function fieldCatalog_() {
  const fields = backendRequest_('get', '/api/v1/fields').fields;
  const ok = Array.isArray(fields) && fields.length > 0 && fields.every(function (field) {
    return field && ROWSCOUT_FIELD_NAME.test(String(field.name)) && typeof field.label === 'string';
  });
  if (!ok) {
    throw new Error('The Rowscout backend sent no usable field list. Tell your administrator.');
  }
  return fields.map(function (field) {
    return { name: field.name, label: field.label, default: field.default === true };
  });
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
  const clean = validateSettings_(settings || {}, fieldCatalog_());
  const user = PropertiesService.getUserProperties();
  user.setProperties({
    [ROWSCOUT_PROPS.defaultFields]: JSON.stringify(clean.defaultFields),
    [ROWSCOUT_PROPS.refreshDays]: clean.refreshDays === null ? '' : String(clean.refreshDays),
    [ROWSCOUT_PROPS.useLlm]: String(clean.useLlm)
  });
  return getSettings();
}

function validateSettings_(settings, catalog) {
  return {
    defaultFields: knownFields_(validateFields_(settings.defaultFields), catalog),
    refreshDays: validateRefreshDays_(settings.refreshDays),
    useLlm: settings.useLlm === true
  };
}

/**
 * Checks the shape of a list of field names (the backend knows which exist).
 *
 * @param {*} fields
 * @return {string[]} the fields, deduplicated, in the given order.
 */
function validateFields_(fields) {
  if (!Array.isArray(fields) || fields.length === 0) {
    throw new Error('Choose at least one field to research.');
  }
  const bad = fields.filter(function (name) { return !ROWSCOUT_FIELD_NAME.test(String(name)); });
  if (bad.length) {
    throw new Error('Unknown field(s): ' + bad.join(', ') + '.');
  }
  return fields.filter(function (name, i) { return fields.indexOf(name) === i; });
}

/** The fields that are in the backend's catalog, in its order; an error names the others. */
function knownFields_(fields, catalog) {
  const names = catalog.map(function (field) { return field.name; });
  const unknown = fields.filter(function (name) { return names.indexOf(name) < 0; });
  if (unknown.length) {
    throw new Error('Unknown field(s): ' + unknown.join(', ') + '.');
  }
  return names.filter(function (name) { return fields.indexOf(name) >= 0; });
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

function parseFields_(stored, catalog) {
  try {
    return knownFields_(validateFields_(JSON.parse(stored)), catalog);
  } catch (err) {
    return catalog.filter(function (field) { return field.default; }).map(function (field) { return field.name; });
  }
}

function parseRefreshDays_(stored) {
  try {
    return validateRefreshDays_(stored);
  } catch (err) {
    return null;
  }
}
