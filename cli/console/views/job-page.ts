import type { JobDefinition } from "#core/jobs/job-schema.ts";
import { FAILURE_STATUSES, isActiveStatus, RUN_STATUSES, type RunRecord } from "#core/runs/run-record.ts";
import { describeDuration } from "#core/time-format.ts";
import { CliError } from "../../exit-codes.ts";
import { runningHolder } from "../../job-state.ts";
import { FIRE_OUTCOMES, type FireAccounting, readFireAccounting } from "../../operations/fire-accounting.ts";
import { type JobOverview, readJobOverview } from "../../operations/job-overview.ts";
import { type RunHistoryFilter, readRunHistory } from "../../operations/run-history.ts";
import { parseRunStatus, parseSince, parseWholeNumber } from "../../parse.ts";
import { describeSchedule } from "../../render/schedule-words.ts";
import { html, type SafeHtml } from "../html.ts";
import { jobHealth } from "../job-health.ts";
import type { PageContent, ViewContext } from "../view-context.ts";
import { paths, percentOf, plural, relativeTimeOf, statusBadge, timeOf } from "./format.ts";
import { healthBadge, leaseHolder } from "./jobs-page.ts";
import { renderRunTable } from "./run-table.ts";
import { renderSparkline } from "./sparkline.ts";

/** The run-history filters from the query string, checked as `agentcron runs` checks its options. */
export interface HistoryQuery {
  readonly filter: RunHistoryFilter;
  /** The values as typed, to put back in the form. */
  readonly typed: { readonly status: string; readonly since: string; readonly limit: string };
  /** What was wrong with them (the filter then falls back to the newest 20). */
  readonly problem?: string;
}

const DEFAULT_FIRES = 50;

/** Reads `status`, `since` and `limit` from the query the way `agentcron runs` reads its options. */
export function historyQuery(query: URLSearchParams, nowMs: number): HistoryQuery {
  const typed = {
    status: query.get("status") ?? "",
    since: query.get("since") ?? "",
    limit: query.get("limit") ?? "",
  };
  try {
    return {
      typed,
      filter: {
        status: typed.status ? parseRunStatus(typed.status) : undefined,
        sinceMs: typed.since ? parseSince(typed.since, nowMs) : undefined,
        limit: typed.limit ? parseWholeNumber(typed.limit, "limit", { min: 1, max: 1000 }) : 20,
      },
    };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return {
      typed,
      filter: { limit: 20 },
      problem: error.message.replace(/^--/, ""),
    };
  }
}

/** The job page: definition with resolved budgets, what holds it now, health, fires, runs. */
export async function jobPage(context: ViewContext, jobId: string): Promise<PageContent> {
  const { deployment, query } = context;
  const history = historyQuery(query, deployment.clock.now());
  const fireCount = (() => {
    try {
      return query.get("fires")
        ? parseWholeNumber(query.get("fires") ?? "", "fires", { min: 1, max: 500 })
        : DEFAULT_FIRES;
    } catch {
      return DEFAULT_FIRES;
    }
  })();
  const overview = await readJobOverview(deployment, jobId, { runs: 40, nextFires: 3 });
  const [runs, fires] = await Promise.all([
    readRunHistory(deployment, jobId, history.filter),
    readFireAccounting(deployment, jobId, fireCount),
  ]);
  return {
    title: `Job ${jobId}`,
    section: "jobs",
    main: renderJobPage({ overview, runs, fires, history, fireCount }),
    live: { intervalMs: 3000, final: false },
  };
}

export interface JobPageData {
  readonly overview: JobOverview;
  readonly runs: readonly RunRecord[];
  readonly fires: FireAccounting;
  readonly history: HistoryQuery;
  readonly fireCount: number;
}

export function renderJobPage(data: JobPageData): SafeHtml {
  const { overview, history } = data;
  const { state, nowMs } = overview;
  const jobId = state.stored.jobId;
  const health = jobHealth(state, nowMs);
  return html`<h1>Job ${jobId} <span class="version">v${state.stored.version}</span></h1>
${state.stored.spec.description ? html`<p class="lead">${String(state.stored.spec.description)}</p>` : ""}
<div class="actions" data-live-id="job-actions">
  <form method="post" action="${paths.job(jobId)}/run"><button type="submit" class="primary"${state.enabled ? "" : html` disabled aria-describedby="paused-note"`}>Run now</button></form>
  ${
    state.enabled
      ? html`<form method="post" action="${paths.job(jobId)}/pause"><button type="submit">Pause</button></form>`
      : html`<form method="post" action="${paths.job(jobId)}/resume"><button type="submit">Resume</button></form><span id="paused-note" class="muted">Paused: it gets no fires, and a manual fire would be rejected.</span>`
  }
</div>
${
  state.issues.length > 0
    ? html`<section class="problem" aria-labelledby="issues-title"><h2 id="issues-title">Invalid in this deployment</h2><p>Its fires are rejected or its runs fail until it is fixed and applied again.</p><ul>${state.issues.map((issue) => html`<li><code>${issue.path}</code>: ${issue.message}</li>`)}</ul></section>`
    : ""
}
<div data-live-id="job-now">
<section aria-labelledby="now-title"><h2 id="now-title">Now</h2>
<dl class="facts">
<dt>State</dt><dd>${state.enabled ? html`<span class="badge tone-neutral">enabled</span>` : html`<span class="badge tone-warn">paused</span>`} ${health.label === "paused" ? "" : healthBadge(health)}</dd>
<dt>Lease holder</dt><dd>${holderText(overview)}</dd>
${state.lease?.pending ? html`<dt>Waiting</dt><dd>${plural(state.lease.pending.count, "fire")} buffered since ${timeOf(state.lease.pending.firstScheduledAt)}: ${state.lease.pending.count > 1 ? "they run coalesced, as one run, " : "it runs "}when the job frees</dd>` : ""}
<dt>Next fires</dt><dd>${nextFires(overview)}</dd>
</dl>
</section>
${renderHealth(overview)}
</div>
<section aria-labelledby="runs-title"><h2 id="runs-title">Runs</h2>
${renderHistoryForm(jobId, history)}
<div data-live-id="job-runs">
${
  data.runs.length === 0
    ? html`<p class="muted">No runs${history.filter.status || history.filter.sinceMs !== undefined ? " match these filters" : " yet"}.</p>`
    : renderRunTable(data.runs, nowMs, `Runs of ${jobId}, newest first`)
}
</div>
</section>
<div data-live-id="job-fires">${renderFires(jobId, data.fires, data.fireCount)}</div>
${renderDefinition(overview)}`;
}

function holderText(overview: JobOverview): SafeHtml {
  const { holder, nowMs } = overview;
  if (!holder?.holderRunId) return html`<span class="muted">nothing runs now</span>`;
  const expired = runningHolder(holder, nowMs) === undefined;
  return html`${leaseHolder(overview.state, nowMs)}${
    holder.heartbeatAt !== undefined
      ? html`<span class="subtle">last heartbeat ${describeDuration(nowMs - holder.heartbeatAt)} ago</span>`
      : ""
  }${
    holder.expiresAt !== undefined
      ? html`<span class="subtle${expired ? " text-bad" : ""}">lease ${expired ? `expired ${describeDuration(nowMs - holder.expiresAt)} ago (the sweeper frees it)` : html`expires ${relativeTimeOf(holder.expiresAt, nowMs)}`}</span>`
      : ""
  }`;
}

function nextFires(overview: JobOverview): SafeHtml {
  const { state, nowMs } = overview;
  if (!state.enabled) return html`<span class="muted">none: paused</span>`;
  if (!overview.nextFires)
    return html`<span class="muted">by its rate (the rule's creation time anchors it)</span>`;
  return html`<ol class="inline-list">${overview.nextFires.map((date) => html`<li>${timeOf(date.getTime())} <span class="muted">(${relativeTimeOf(date.getTime(), nowMs)})</span></li>`)}</ol>`;
}

function renderHealth(overview: JobOverview): SafeHtml {
  const { state, runs, window } = overview;
  const stats = state.stats;
  const job = state.job;
  const outcomes = runs
    .filter((run) => !isActiveStatus(run.status))
    .map((run) => run.status)
    .reverse();
  if (!stats || stats.runsEnded === 0) {
    return html`<section aria-labelledby="health-title"><h2 id="health-title">Health</h2><p class="muted">No run has ended yet.</p></section>`;
  }
  const failures = stats.recentOutcomes.filter((status) => FAILURE_STATUSES.has(status)).length;
  const threshold = job?.alarms.failureRateThreshold;
  return html`<section aria-labelledby="health-title"><h2 id="health-title">Health</h2>
<dl class="facts">
<dt>Failure rate</dt><dd><strong class="${threshold !== undefined && stats.failureRate >= threshold ? "text-bad" : ""}">${percentOf(stats.failureRate)}</strong> (${failures} of the last ${stats.recentOutcomes.length} runs; window ${window}${threshold !== undefined ? `, alarm at ${percentOf(threshold)}` : ""}) ${renderSparkline(outcomes, window)}</dd>
<dt>Recent outcomes</dt><dd><ol class="inline-list outcomes" aria-label="oldest first">${stats.recentOutcomes.map((status) => html`<li>${statusBadge(status)}</li>`)}</ol> <span class="muted">oldest first</span></dd>
<dt>In a row</dt><dd>${plural(stats.consecutiveFailures, "failure")} · ${plural(stats.consecutiveSkips, "skipped fire")}</dd>
<dt>Last run</dt><dd>${stats.lastStatus ? statusBadge(stats.lastStatus) : "-"} ${relativeTimeOf(stats.lastEndedAt, overview.nowMs)} ${stats.lastRunId ? html`<a href="${paths.run(stats.lastRunId)}"><code>${stats.lastRunId}</code></a>` : ""}</dd>
<dt>Totals</dt><dd>${plural(stats.runsEnded, "run")} ended · ${plural(stats.firesSkipped, "fire")} skipped · ${stats.firesBuffered} buffered · ${stats.firesRejected} rejected · ${stats.firesMissed ?? 0} missed</dd>
</dl>
</section>`;
}

function renderHistoryForm(jobId: string, history: HistoryQuery): SafeHtml {
  const { typed } = history;
  return html`<form class="filters" method="get" action="${paths.job(jobId)}" aria-label="Filter the runs">
<label>Status <select name="status"><option value="">any</option>${RUN_STATUSES.map((status) => html`<option value="${status}"${typed.status === status ? " selected" : ""}>${status}</option>`)}</select></label>
<label>Since <input name="since" value="${typed.since}" placeholder="30m, 1h, 2d or an ISO time" size="24" aria-describedby="since-help"></label>
<label>Runs to show <input name="limit" type="number" min="1" max="1000" value="${typed.limit || "20"}" size="5"></label>
<button type="submit">Filter</button>
<span id="since-help" class="visually-hidden">A duration back from now, such as 30m, 1h, 2d or 1w, or an ISO-8601 time (UTC when it has no zone)</span>
${history.problem ? html`<p class="form-problem" role="alert">${history.problem}; showing the newest 20 runs instead.</p>` : ""}
</form>`;
}

function renderFires(jobId: string, accounting: FireAccounting, count: number): SafeHtml {
  const { outcomes, total, drainedRuns } = accounting;
  const shown = accounting.fires.filter((fire) => fire.source !== "buffered");
  return html`<section aria-labelledby="fires-title"><h2 id="fires-title">Fires</h2>
<p>What became of the last ${plural(total, "fire")}${total < count ? "" : ` (of at most ${count})`} — each fire ends as exactly one outcome:</p>
<ul class="tally">
${FIRE_OUTCOMES.map(
  (outcome) =>
    html`<li>${statusBadge(outcome)} <strong>${outcomes[outcome] ?? 0}</strong>${
      outcome === "buffered" && (outcomes.buffered ?? 0) > 0
        ? html` <span class="muted">— ran coalesced as ${plural(drainedRuns, "drained run")}</span>`
        : ""
    }</li>`,
)}
</ul>
${
  shown.length === 0
    ? html`<p class="muted">No fires yet.</p>`
    : html`<details><summary>The fires, newest first</summary><div class="table-frame"><table class="fires">
<caption class="visually-hidden">The last fires of ${jobId}, newest first</caption>
<thead><tr><th scope="col">Scheduled for</th><th scope="col">Source</th><th scope="col">Outcome</th><th scope="col">Why</th><th scope="col">Run</th></tr></thead>
<tbody>${shown.map(
        (fire) =>
          html`<tr><td>${timeOf(fire.scheduledAt)}</td><td>${fire.source}</td><td>${statusBadge(fire.outcome)}</td><td>${fire.detail ?? fire.reason ?? ""}${fire.issues?.length ? html`<ul class="issues">${fire.issues.map((issue) => html`<li><code>${issue.path}</code>: ${issue.message}</li>`)}</ul>` : ""}</td><td>${fire.runId ? html`<a href="${paths.run(fire.runId)}"><code>${fire.runId}</code></a>` : fire.holderRunId ? html`held by <a href="${paths.run(fire.holderRunId)}"><code>${fire.holderRunId}</code></a>` : ""}</td></tr>`,
      )}</tbody></table></div></details>`
}
</section>`;
}

function renderDefinition(overview: JobOverview): SafeHtml {
  const { state } = overview;
  const spec = state.stored.spec;
  const job = state.job;
  const agent = spec.agent as { harness?: string; model?: string; prompt?: string; options?: unknown };
  return html`<section aria-labelledby="definition-title"><h2 id="definition-title">Definition</h2>
<dl class="facts">
<dt>Schedule</dt><dd>${describeSchedule(String(spec.schedule), typeof spec.timezone === "string" ? spec.timezone : "UTC")} <code>${String(spec.schedule)}</code></dd>
<dt>Agent</dt><dd>${agent.harness ?? "?"}${agent.model ? ` / ${agent.model}` : ""}</dd>
<dt>Prompt</dt><dd><pre class="text">${String(agent.prompt ?? "")}</pre></dd>
${agent.options && Object.keys(agent.options).length > 0 ? html`<dt>Harness options</dt><dd><pre class="text">${JSON.stringify(agent.options, null, 2)}</pre></dd>` : ""}
${job ? renderResolved(job) : html`<dt>Budgets</dt><dd class="text-bad">not known: the job does not validate (see above)</dd>`}
<dt>Version</dt><dd>v${state.stored.version}, updated ${timeOf(state.stored.updatedAt)} (created ${timeOf(state.stored.createdAt)})</dd>
</dl>
</section>`;
}

function renderResolved(job: JobDefinition): SafeHtml {
  const { timeouts } = job;
  const budgets: [string, number][] = [
    ["setup", timeouts.setupSeconds],
    ["runtime-plugins", timeouts.runtimePluginsSeconds],
    ["agent-turn", timeouts.agentTurnSeconds],
    ["finalize", timeouts.finalizeSeconds],
  ];
  return html`<dt>Plugins</dt><dd>${
    job.plugins.length === 0
      ? html`<span class="muted">none</span>`
      : html`<div class="table-frame"><table class="plugins"><caption class="visually-hidden">Plugins, started in this order</caption><thead><tr><th scope="col">Plugin</th><th scope="col">Type</th><th scope="col" class="num">Timeout</th><th scope="col">Required</th><th scope="col">Options</th></tr></thead><tbody>${job.plugins.map(
          (plugin) =>
            html`<tr><td>${plugin.name}</td><td>${plugin.type}</td><td class="num">${plugin.timeoutSeconds}s</td><td>${plugin.required ? "yes" : "no (optional)"}</td><td><code>${JSON.stringify(plugin.options)}</code></td></tr>`,
        )}</tbody></table></div>`
  }</dd>
<dt>Budgets</dt><dd>${renderBudgetBar(budgets, job.maxRunSeconds)}<ul class="inline-list">${budgets.map(([phase, seconds]) => html`<li>${phase} ${seconds}s</li>`)}<li><strong>max run ${job.maxRunSeconds}s</strong></li></ul></dd>
<dt>Start deadline</dt><dd>${job.startDeadlineSeconds}s: a queued run no turn began by then ends <code>not-started</code>, and a fire arriving later is <code>missed</code></dd>
<dt>Lease</dt><dd>${job.leaseSeconds}s (heartbeat every ${Math.round(job.leaseSeconds / 3)}s) · overlap <code>${job.overlap}</code> · retryOnStall ${job.retryOnStall}</dd>
<dt>History</dt><dd>kept ${job.historyRetentionDays} days</dd>
<dt>Alarms</dt><dd>failure rate ≥ ${percentOf(job.alarms.failureRateThreshold)} over ${job.alarms.failureRateWindow} runs · ${job.alarms.consecutiveFailures} failures in a row · ${job.alarms.consecutiveSkips} skipped fires in a row</dd>`;
}

/** The four phase budgets as one bar scaled to the run's ceiling. */
function renderBudgetBar(budgets: [string, number][], maxRunSeconds: number): SafeHtml {
  const width = 600;
  const total = Math.max(
    maxRunSeconds,
    budgets.reduce((sum, [, seconds]) => sum + seconds, 0),
  );
  let x = 0;
  return html`<svg class="budget-bar" viewBox="0 0 ${width} 22" width="100%" height="22" role="img" aria-label="Phase budgets within the ${maxRunSeconds}s ceiling: ${budgets.map(([phase, seconds]) => `${phase} ${seconds}s`).join(", ")}">${budgets.map(
    ([phase, seconds], index) => {
      const w = (seconds / total) * width;
      const part = html`<rect class="budget-${index}" x="${x}" y="2" width="${Math.max(1, w - 1)}" height="18"><title>${phase}: ${seconds}s</title></rect>`;
      x += w;
      return part;
    },
  )}<line class="budget-ceiling" x1="${(maxRunSeconds / total) * width - 1}" x2="${(maxRunSeconds / total) * width - 1}" y1="0" y2="22"></line></svg>`;
}
