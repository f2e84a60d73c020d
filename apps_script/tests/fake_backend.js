'use strict';
/**
 * A scripted stand-in for the Rowscout backend API, plugged into the harness's
 * UrlFetchApp. Each GET of a running job moves it forward by `step` rows (every
 * fourth row fails with a rotating error kind), so a polling sidebar sees
 * progress. `failNext(...)` and `unreachable` script error answers.
 * GET /api/v1/fields answers with fixtures/fields.json, which a Python test
 * (tests/api/test_addon_sidebar.py) keeps equal to the real backend's answer.
 */

const fs = require('node:fs');
const path = require('node:path');
const { reply } = require('./harness');

const KINDS = ['timeout', 'dns', 'timeout', 'robots_disallowed'];
const RETRYABLE = ['timeout', 'connection', 'rate_limit', 'server_error', 'backend', 'sheets', 'lease_busy'];
const HINTS = {
  timeout: 'the site answered too slowly; retry later',
  dns: 'the domain does not resolve; check the website for a typo or a dead domain',
  robots_disallowed: "the site's robots.txt forbids crawling; Rowscout respects it",
};
const FIELDS = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'fields.json'), 'utf8'));
const LABELS = Object.fromEntries(FIELDS.fields.map((f) => [f.name, f.label]));
// issue 18: the backend's cloud cost per company (service/jobs/cloudcost.py; a Python test keeps it in step)
const CLOUD_COST = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'cloud_cost.json'), 'utf8'));
const FAILED_ROWS_LIMIT = 10;

function rowNumbers(ranges) {
  return ranges.flatMap((a1) => {
    const match = /^[A-Z]+(\d+)(?::[A-Z]+(\d+))?$/.exec(a1);
    const top = Number(match[1]);
    const bottom = match[2] ? Number(match[2]) : top;
    return Array.from({ length: bottom - top + 1 }, (_, i) => top + i);
  });
}

function rowsIn(ranges) {
  return rowNumbers(ranges).length;
}

class FakeBackend {
  constructor({ step = 3, base = 'https://rowscout-test.a.run.app', costPerRow = 0.0021 } = {}) {
    Object.assign(this, { step, base, costPerRow, jobs: new Map(), failures: [], unreachable: false, log: [], queries: [], processed: 0 });
    this.respond = this.respond.bind(this);
  }

  /** The next request whose "METHOD /path" matches `pattern` gets this error. */
  failNext(pattern, status, code, message) {
    this.failures.push({ pattern, answer: reply(status, { error: { code, message } }) });
  }

  count(route) {
    return this.log.filter((line) => line === route).length;
  }

  respond(request) {
    const [pathname, query = ''] = request.url.slice(this.base.length).split('?');
    const route = `${request.method.toUpperCase()} ${pathname}`;
    this.queries.push(query);
    this.log.push(route);
    if (this.unreachable) throw new Error(`Address unavailable: ${request.url}`);
    const failure = this.failures.findIndex((f) => f.pattern.test(route));
    if (failure >= 0) return this.failures.splice(failure, 1)[0].answer;
    return this.route(route, request.body);
  }

  route(route, body) {
    if (route === 'GET /api/v1/fields') return reply(200, FIELDS);
    if (route === 'POST /api/v1/estimate') return reply(200, this.estimate(body));
    if (route === 'POST /api/v1/jobs') return reply(202, { job: this.create(body) });
    if (route === 'GET /api/v1/jobs') return reply(200, { jobs: [...this.jobs.values()].map(view) });
    const match = /^(GET|POST) \/api\/v1\/jobs\/([\w-]+)(?:\/([\w-]+))?$/.exec(route);
    const job = match && this.jobs.get(match[2]);
    if (!job) return reply(404, { error: { code: 'not_found', message: 'no such job' } });
    if (match[1] === 'GET') this.advance(job);
    else this.control(job, match[3], new URLSearchParams(this.queries.at(-1)));
    return reply(200, { job: view(job) });
  }

  estimate(body) {
    const rows = rowsIn(body.ranges);
    const own = body.fields.filter((f) => !Object.keys(body.column_map || {}).includes(f));
    return {
      rows, skipped: 0, seconds: rows * 3, cost_usd: body.use_llm ? rows * 0.002 : 0,
      cloud_cost_usd: Math.round(rows * CLOUD_COST.usd_per_company * 10000) / 10000,
      columns: { name: body.name_column || 'Company', website: body.website_column || 'Website', reasons: ['Header "Company" matches.'] },
      headers: ['Company', 'Website', 'Country'],
      new_columns: ['Rowscout status', 'Researched at', ...own.map((f) => LABELS[f]), 'Sources'],
    };
  }

  create(body) {
    const id = `job-${this.jobs.size + 1}`;
    const total = rowsIn(body.ranges);
    const job = {
      id, name: body.name, state: 'running', total, spreadsheet_id: body.spreadsheet_id, body,
      counts: { pending: total, leased: 0, done: 0, failed: 0, skipped: 0 }, error_kinds: {},
      queue: rowNumbers(body.ranges), failed: [], seconds: 0, cost: 0,
      source: { kind: 'sheet', spreadsheet_id: body.spreadsheet_id, sheet_id: body.sheet_id, sheet_name: body.sheet_name },
      created_at: `2024-05-0${this.jobs.size + 1}T09:00:00Z`, updated_at: '2024-05-01T09:00:00Z',
    };
    this.jobs.set(id, job);
    return view(job);
  }

  advance(job) {
    if (job.state !== 'running') return;
    const n = Math.min(this.step, job.counts.pending);
    for (let i = 0; i < n; i += 1) this.finishRow(job);
    if (job.counts.pending === 0) job.state = 'completed';
  }

  finishRow(job) {
    this.processed += 1;
    job.counts.pending -= 1;
    job.seconds += 7;
    job.cost += this.costPerRow;
    const row = job.queue.shift();
    if (this.processed % 4 === 0) {
      const kind = KINDS[(this.processed / 4) % KINDS.length];
      job.counts.failed += 1;
      job.error_kinds[kind] = (job.error_kinds[kind] || 0) + 1;
      job.failed.push({ row, key: `${job.id}:${row}`, company: `Company ${row}`, kind, hint: HINTS[kind], message: 'fake failure', retryable: RETRYABLE.includes(kind) });
    } else {
      job.counts.done += 1;
    }
  }

  control(job, action, query) {
    if (action === 'pause') job.state = 'paused';
    if (action === 'resume') job.state = 'running';
    if (action === 'cancel') job.state = 'cancelled';
    if (action === 'retry-failed') this.retry(job, query.get('all') === 'true');
  }

  retry(job, all) {
    const again = job.failed.filter((f) => all || f.retryable);
    if (!again.length) return;
    job.failed = job.failed.filter((f) => !again.includes(f));
    again.forEach((f) => {
      job.queue.push(f.row);
      job.error_kinds[f.kind] -= 1;
      if (!job.error_kinds[f.kind]) delete job.error_kinds[f.kind];
    });
    job.counts.pending += again.length;
    job.counts.failed -= again.length;
    job.state = 'running';
    this.processed = 0; // retried rows succeed (the fake fails every fourth row counted from here)
  }
}

/** The JOB document as the API returns it. */
function view(job) {
  const finished = job.counts.done + job.counts.failed + job.counts.skipped;
  const running = job.state === 'running';
  const { body, queue, failed, seconds, cost, ...rest } = job;
  const final = ['completed', 'cancelled', 'failed'].includes(job.state);
  return {
    ...rest,
    counts: { ...job.counts },
    error_kinds: { ...job.error_kinds },
    failed_rows: { rows: failed.slice(0, FAILED_ROWS_LIMIT), total: failed.length, more: Math.max(0, failed.length - FAILED_ROWS_LIMIT) },
    totals: final ? { duration_seconds: seconds, cost_usd: Math.round(cost * 10000) / 10000 } : null,
    // issue 16: the completion notice, as service/jobs/notify.py notice_text words it ("" until final)
    notice: final ? `Job ${job.name} ${job.state} at 2024-05-01 09:01 UTC: ${job.counts.done} done, ${job.counts.failed} failed` : '',
    rate_per_minute: running ? 42.5 : 0,
    eta_seconds: running ? Math.round(((job.total - finished) / 42.5) * 60) : null,
  };
}

module.exports = { FakeBackend, rowsIn };
