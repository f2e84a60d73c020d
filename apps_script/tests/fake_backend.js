'use strict';
/**
 * A scripted stand-in for the Rowscout backend API, plugged into the harness's
 * UrlFetchApp. Each GET of a running job moves it forward by `step` rows (every
 * fourth row fails with a rotating error kind), so a polling sidebar sees
 * progress. `failNext(...)` and `unreachable` script error answers.
 */

const { reply } = require('./harness');

const KINDS = ['timeout', 'dns', 'timeout', 'robots_disallowed'];

function rowsIn(ranges) {
  return ranges.reduce((sum, a1) => {
    const match = /^[A-Z]+(\d+):[A-Z]+(\d+)$/.exec(a1);
    return sum + (match ? Number(match[2]) - Number(match[1]) + 1 : 1);
  }, 0);
}

class FakeBackend {
  constructor({ step = 3, base = 'https://rowscout-test.a.run.app' } = {}) {
    Object.assign(this, { step, base, jobs: new Map(), failures: [], unreachable: false, log: [], processed: 0 });
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
    const route = `${request.method.toUpperCase()} ${request.url.slice(this.base.length)}`;
    this.log.push(route);
    if (this.unreachable) throw new Error(`Address unavailable: ${request.url}`);
    const failure = this.failures.findIndex((f) => f.pattern.test(route));
    if (failure >= 0) return this.failures.splice(failure, 1)[0].answer;
    return this.route(route, request.body);
  }

  route(route, body) {
    if (route === 'POST /api/v1/estimate') return reply(200, this.estimate(body));
    if (route === 'POST /api/v1/jobs') return reply(202, { job: this.create(body) });
    if (route === 'GET /api/v1/jobs') return reply(200, { jobs: [...this.jobs.values()].map(view) });
    const match = /^(GET|POST) \/api\/v1\/jobs\/([\w-]+)(?:\/([\w-]+))?$/.exec(route);
    const job = match && this.jobs.get(match[2]);
    if (!job) return reply(404, { error: { code: 'not_found', message: 'no such job' } });
    if (match[1] === 'GET') this.advance(job);
    else this.control(job, match[3]);
    return reply(200, { job: view(job) });
  }

  estimate(body) {
    const rows = rowsIn(body.ranges);
    return {
      rows, skipped: 0, seconds: rows * 3, cost_usd: body.use_llm ? rows * 0.002 : 0,
      columns: { name: body.name_column || 'Company', website: body.website_column || 'Website', reasons: ['Header "Company" matches.'] },
      headers: ['Company', 'Website', 'Country'],
    };
  }

  create(body) {
    const id = `job-${this.jobs.size + 1}`;
    const total = rowsIn(body.ranges);
    const job = {
      id, name: body.name, state: 'running', total, spreadsheet_id: body.spreadsheet_id, body,
      counts: { pending: total, leased: 0, done: 0, failed: 0, skipped: 0 }, error_kinds: {},
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
    if (this.processed % 4 === 0) {
      const kind = KINDS[(this.processed / 4) % KINDS.length];
      job.counts.failed += 1;
      job.error_kinds[kind] = (job.error_kinds[kind] || 0) + 1;
    } else {
      job.counts.done += 1;
    }
  }

  control(job, action) {
    if (action === 'pause') job.state = 'paused';
    if (action === 'resume' || action === 'retry-failed') job.state = 'running';
    if (action === 'cancel') job.state = 'cancelled';
    if (action === 'retry-failed') {
      job.counts.pending += job.counts.failed;
      job.counts.failed = 0;
      job.error_kinds = {};
    }
  }
}

/** The JOB document as the API returns it. */
function view(job) {
  const finished = job.counts.done + job.counts.failed + job.counts.skipped;
  const running = job.state === 'running';
  const { body, ...rest } = job;
  return {
    ...rest,
    counts: { ...job.counts },
    error_kinds: { ...job.error_kinds },
    rate_per_minute: running ? 42.5 : 0,
    eta_seconds: running ? Math.round(((job.total - finished) / 42.5) * 60) : null,
  };
}

module.exports = { FakeBackend, rowsIn };
