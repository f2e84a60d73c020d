'use strict';
/**
 * A tiny HtmlService template renderer for tests: `<?!= expr ?>` prints the raw
 * value, `<?= expr ?>` prints it HTML-escaped. Other scriptlets (`<? code ?>`)
 * are refused so the templates stay within what this renderer proves.
 */

const SCRIPTLET = /<\?(!=|=)?([\s\S]*?)\?>/g;

function escapeHtml(value) {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * @param {string} text the template source.
 * @param {(expr: string) => *} evaluate evaluates one scriptlet expression.
 * @return {string} the rendered HTML.
 */
function renderTemplate(text, evaluate) {
  return text.replace(SCRIPTLET, (whole, kind, expr) => {
    if (!kind) {
      throw new Error(`unsupported scriptlet ${whole.slice(0, 40)}`);
    }
    const value = evaluate(expr.trim());
    return kind === '!=' ? String(value) : escapeHtml(value);
  });
}

module.exports = { renderTemplate, escapeHtml };
