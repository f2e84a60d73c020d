/**
 * The Rowscout menu (Extensions → Rowscout) and its handlers. onOpen runs in
 * any auth mode, so it only builds the menu; the handlers open the sidebar or
 * the Settings dialog and show failures as alerts, never as a stack trace.
 */

/** Adds the Rowscout menu when the spreadsheet opens. */
function onOpen(e) {
  SpreadsheetApp.getUi()
    .createAddonMenu()
    .addItem('Research selected rows', 'researchSelectedRows')
    .addItem('Research whole sheet', 'researchWholeSheet')
    .addItem('Retry failed rows', 'retryFailedRows')
    .addSeparator()
    .addItem('Show jobs', 'showJobs')
    .addItem('Settings', 'showSettings')
    .addToUi();
}

/** Adds the menu right after the add-on is installed. */
function onInstall(e) {
  onOpen(e);
}

/** Menu: research the selected rows. */
function researchSelectedRows() {
  showSidebar_({ mode: 'selection', view: 'setup', jobId: null });
}

/** Menu: research every row of the active sheet below the header row. */
function researchWholeSheet() {
  showSidebar_({ mode: 'sheet', view: 'setup', jobId: null });
}

/** Menu: list the user's recent jobs. */
function showJobs() {
  showSidebar_({ mode: 'selection', view: 'jobs', jobId: null });
}

/**
 * Menu: retry the failed rows worth retrying (time-outs, unreachable sites...) of this
 * spreadsheet's latest finished job that has some, then show it; the sidebar lists the rows
 * that still failed and offers to retry those that failed for good too.
 */
function retryFailedRows() {
  try {
    const job = latestJobWithFailures_();
    if (!job) {
      alert_('No finished Rowscout job of this spreadsheet has failed rows to retry.');
      return;
    }
    const retried = controlJob(job.id, 'retry-failed', { all: false });
    showSidebar_({ mode: 'selection', view: 'progress', jobId: retried.id });
  } catch (err) {
    alert_(err.message);
  }
}

/** The newest finished job of this spreadsheet with failed rows (the list has no counts: each is read). */
function latestJobWithFailures_() {
  const finished = listJobs().filter(function (job) {
    return job.here && job.state !== 'cancelled' && ROWSCOUT_FINAL_STATES.indexOf(job.state) >= 0;
  });
  for (let i = 0; i < Math.min(finished.length, ROWSCOUT_RETRY_LOOKBACK); i += 1) {
    const job = getJob(finished[i].id);
    if (job.counts && job.counts.failed > 0) {
      return job;
    }
  }
  return null;
}

function alert_(message) {
  const ui = SpreadsheetApp.getUi();
  ui.alert('Rowscout', message, ui.ButtonSet.OK);
}
