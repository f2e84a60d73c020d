/**
 * Opens the Rowscout sidebar and the Settings dialog from HtmlService templates.
 * `boot` tells the sidebar what to show first: the selection, the whole sheet,
 * one job's progress, or the job list.
 */

/** Opens the sidebar for the current selection (the default entry point). */
function showSidebar() {
  showSidebar_({ mode: 'selection', view: 'setup', jobId: null });
}

/**
 * Renders Sidebar.html with its includes and shows it.
 *
 * @param {{mode: string, view: string, jobId: ?string}} boot
 */
function showSidebar_(boot) {
  const template = HtmlService.createTemplateFromFile('Sidebar');
  template.bootJson = safeJson_(boot);
  const output = template.evaluate().setTitle('Rowscout');
  SpreadsheetApp.getUi().showSidebar(output);
}

/** Opens the Settings dialog. */
function showSettings() {
  const template = HtmlService.createTemplateFromFile('Settings');
  const output = template.evaluate().setWidth(460).setHeight(560);
  SpreadsheetApp.getUi().showModalDialog(output, 'Rowscout settings');
}

/** Inlines another HTML file into a template: `<?!= include('SidebarStyle') ?>`. */
function include(name) {
  return HtmlService.createHtmlOutputFromFile(name).getContent();
}

/** JSON that is safe inside a <script> element (no "</script>" or "<!--"). */
function safeJson_(value) {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
