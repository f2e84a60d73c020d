/**
 * Reads what the user pointed at: the active sheet, the selected A1 ranges
 * (several disjoint ranges allowed) or the whole data area, the header row and
 * its values, so the sidebar can show the columns and ask for an estimate.
 * Selected cells stand for their whole rows. Only range coordinates and the header
 * row are read here; the backend reads the rows themselves.
 */

var ROWSCOUT_NO_SELECTION = 'Select the rows to research first (click row numbers; hold Ctrl or ⌘ ' +
  'to add more), or use Rowscout → Research whole sheet.';

/**
 * Describes the current selection (mode 'selection') or the whole sheet (mode 'sheet').
 *
 * @param {{mode: string, headerRow: number}=} options headerRow defaults to the
 *     last frozen row, or 1 when no row is frozen.
 * @return {{spreadsheetId: string, sheetId: number, sheetName: string, mode: string,
 *           ranges: string[], rowCount: number, headerRow: number, headers: string[]}}
 * @throws {Error} with a user message when there is nothing to research.
 */
function getSelectionInfo(options) {
  const opts = options || {};
  const mode = opts.mode === 'sheet' ? 'sheet' : 'selection';
  const spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  const sheet = spreadsheet.getActiveSheet();
  const headerRow = resolveHeaderRow_(sheet, opts.headerRow);
  const bodies = mode === 'sheet' ? wholeSheetBody_(sheet, headerRow) : selectedBodies_(sheet, headerRow);
  return {
    spreadsheetId: spreadsheet.getId(),
    sheetId: sheet.getSheetId(),
    sheetName: sheet.getName(),
    mode: mode,
    ranges: bodies.map(function (range) { return range.getA1Notation(); }),
    rowCount: bodies.reduce(function (sum, range) { return sum + range.getNumRows(); }, 0),
    headerRow: headerRow,
    headers: headerValues_(sheet, headerRow)
  };
}

function resolveHeaderRow_(sheet, requested) {
  if (requested === undefined || requested === null || requested === '') {
    return Math.max(sheet.getFrozenRows(), 1);
  }
  const row = Number(requested);
  if (!Number.isInteger(row) || row < 1 || row > sheet.getMaxRows()) {
    throw new Error('The header row must be a row number between 1 and ' + sheet.getMaxRows() + '.');
  }
  return row;
}

/**
 * The selected rows as full-width ranges: each selected range stands for the rows
 * it touches below the header row (down to the last used row); overlapping or
 * touching row spans are merged so no row is sent twice.
 */
function selectedBodies_(sheet, headerRow) {
  const list = SpreadsheetApp.getActiveSpreadsheet().getActiveRangeList();
  const ranges = list ? list.getRanges() : [];
  if (ranges.length === 0) {
    throw new Error(ROWSCOUT_NO_SELECTION);
  }
  const spans = mergeSpans_(ranges
    .map(function (range) { return rowSpan_(sheet, range, headerRow); })
    .filter(function (span) { return span !== null; }));
  if (spans.length === 0 || sheet.getLastColumn() < 1) {
    throw new Error('Your selection has no rows below the header row (row ' + headerRow + '). ' +
      ROWSCOUT_NO_SELECTION);
  }
  return spans.map(function (span) {
    return sheet.getRange(span[0], 1, span[1] - span[0] + 1, sheet.getLastColumn());
  });
}

function wholeSheetBody_(sheet, headerRow) {
  const lastRow = sheet.getLastRow();
  const lastColumn = sheet.getLastColumn();
  if (lastRow <= headerRow || lastColumn < 1) {
    throw new Error('This sheet has no rows below the header row (row ' + headerRow + ').');
  }
  return [sheet.getRange(headerRow + 1, 1, lastRow - headerRow, lastColumn)];
}

/** [first, last] data rows a range touches below the header row, or null. */
function rowSpan_(sheet, range, headerRow) {
  const first = Math.max(range.getRow(), headerRow + 1);
  const last = Math.min(range.getLastRow(), sheet.getLastRow());
  return last < first ? null : [first, last];
}

/** Sorts row spans and merges the ones that overlap or touch. */
function mergeSpans_(spans) {
  const sorted = spans.slice().sort(function (a, b) { return a[0] - b[0]; });
  return sorted.reduce(function (merged, span) {
    const previous = merged[merged.length - 1];
    if (previous && span[0] <= previous[1] + 1) {
      previous[1] = Math.max(previous[1], span[1]);
    } else {
      merged.push(span.slice());
    }
    return merged;
  }, []);
}

function headerValues_(sheet, headerRow) {
  const lastColumn = sheet.getLastColumn();
  if (lastColumn < 1) {
    return [];
  }
  return sheet.getRange(headerRow, 1, 1, lastColumn).getDisplayValues()[0].map(String);
}
