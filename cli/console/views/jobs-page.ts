import { listRuns } from "#adapters/dynamodb/reads.ts";
import { JOB_DEFAULTS } from "#core/jobs/job-schema.ts";
import { isActiveStatus, type RunRecord } from "#core/runs/run-record.ts";
import { describeDuration } from "#core/time-format.ts";
import { type JobState, readJobStates, runningHolder, upcomingFires } from "../../job-state.ts";
import { describeSchedule } from "../../render/schedule-words.ts";
import type { Deployment } from "../../target.ts";
import { html, type SafeHtml } from "../html.ts";
import { type JobHealth, jobHealth } from "../job-health.ts";
import type { PageContent, ViewContext } from "../view-context.ts";
import { paths, percentOf, plural, relativeTimeOf, statusBadge } from "./format.ts";
import { renderSparkline } from "./sparkline.ts";

/** A job as the jobs page shows it. */
export interface JobRow {
  readonly state: JobState;
  readonly health: JobHealth;
  /** Outcomes of its latest ended runs, oldest first (the sparkline's points). */
  readonly outcomes: RunRecord["status"][];
  readonly window: number;
}

/** The sparkline covers this many windows of runs (at most `MAX_SPARK_RUNS`). */
const SPARK_WINDOWS = 2;
const MAX_SPARK_RUNS = 40;
/** Jobs whose runs are read at once (one query each), so a big deployment is not hit all at once. */
const READ_CONCURRENCY = 8;

/** Every job with its health and the outcomes of its latest runs. */
export async function readJobRows(deployment: Deployment): Promise<{ rows: JobRow[]; nowMs: number }> {
  const nowMs = deployment.clock.now();
  const states = await readJobStates(deployment);
  const rows = await mapConcurrently(states, READ_CONCURRENCY, async (state) => {
    const window = state.job?.alarms.failureRateWindow ?? JOB_DEFAULTS.failureRateWindow;
    const runs = await listRuns(deployment.table, state.stored.jobId, {
      limit: Math.min(MAX_SPARK_RUNS, window * SPARK_WINDOWS),
    });
    const outcomes = runs
      .filter((run) => !isActiveStatus(run.status))
      .map((run) => run.status)
      .reverse();
    return { state, health: jobHealth(state, nowMs), outcomes, window };
  });
  return { rows, nowMs };
}

/** The jobs page: which job is unhealthy, and what each is doing now. */
export async function jobsPage(context: ViewContext): Promise<PageContent> {
  const { rows, nowMs } = await readJobRows(context.deployment);
  return {
    title: "Jobs",
    section: "jobs",
    main: renderJobsPage(rows, nowMs),
    live: { intervalMs: 5000, final: false },
  };
}

export function renderJobsPage(rows: readonly JobRow[], nowMs: number): SafeHtml {
  const count = (level: JobHealth["level"]) => rows.filter((row) => row.health.level === level).length;
  const running = rows.filter((row) => runningHolder(row.state.lease, nowMs)).length;
  const paused = rows.filter((row) => !row.state.enabled).length;
  return html`<h1>Jobs</h1>
<div data-live-id="jobs">
<p class="summary">${plural(rows.length, "job")} · <span class="${count("bad") > 0 ? "text-bad" : ""}">${count("bad")} unhealthy</span> · ${count("warn")} to watch · ${running} running · ${paused} paused</p>
${
  rows.length === 0
    ? html`<p>No jobs here yet. Apply some: <code>npx agentcron jobs apply -f jobs.json</code></p>`
    : html`<div class="table-frame"><table class="jobs">
<caption class="visually-hidden">Jobs, with their health, schedule, next fire, last outcome, failure rate, state and the run holding each now</caption>
<thead><tr><th scope="col">Job</th><th scope="col">Health</th><th scope="col">Schedule</th><th scope="col">Next fire</th><th scope="col">Last outcome</th><th scope="col">Failure rate</th><th scope="col">State</th><th scope="col">Lease holder now</th></tr></thead>
<tbody>
${rows.map((row) => renderJobRow(row, nowMs))}
</tbody>
</table></div>`
}
</div>`;
}

/** The zone a job's schedule is read in (EventBridge Scheduler and the local runtime). */
function zoneOf(spec: { timezone?: unknown }): string {
  return typeof spec.timezone === "string" ? spec.timezone : "UTC";
}

function renderJobRow(row: JobRow, nowMs: number): SafeHtml {
  const { state } = row;
  const jobId = state.stored.jobId;
  const schedule = String(state.stored.spec.schedule);
  const stats = state.stats;
  return html`<tr>
<th scope="row"><a href="${paths.job(jobId)}">${jobId}</a>${state.stored.spec.description ? html`<span class="subtle">${String(state.stored.spec.description)}</span>` : ""}</th>
<td>${healthBadge(row.health)}</td>
<td>${describeSchedule(schedule, zoneOf(state.stored.spec))}<span class="subtle"><code>${schedule}</code></span></td>
<td>${nextFire(state, nowMs)}</td>
<td>${
    stats?.lastStatus
      ? html`${stats.lastRunId ? html`<a href="${paths.run(stats.lastRunId)}">${statusBadge(stats.lastStatus)}</a>` : statusBadge(stats.lastStatus)}<span class="subtle">${relativeTimeOf(stats.lastEndedAt, nowMs)}</span>`
      : html`<span class="muted">none yet</span>`
  }</td>
<td class="rate">${renderSparkline(row.outcomes, row.window)}<span class="subtle">${stats && stats.recentOutcomes.length > 0 ? `${percentOf(stats.failureRate)} of the last ${stats.recentOutcomes.length}` : "no runs"}</span></td>
<td>${state.enabled ? html`<span class="badge tone-neutral">enabled</span>` : html`<span class="badge tone-warn">paused</span>`}</td>
<td>${leaseHolder(state, nowMs)}</td>
</tr>`;
}

/** A health badge: its label, the reason as a tooltip and for screen readers. */
export function healthBadge(health: JobHealth): SafeHtml {
  const tone = { bad: "bad", warn: "warn", ok: "good", idle: "neutral" }[health.level];
  return html`<span class="badge tone-${tone}" title="${health.reason}">${health.label}</span><span class="visually-hidden">: ${health.reason}</span>`;
}

function nextFire(state: JobState, nowMs: number): SafeHtml {
  if (!state.enabled) return html`<span class="muted">paused</span>`;
  const next = upcomingFires(state, nowMs, 1)?.[0];
  if (next) return relativeTimeOf(next.getTime(), nowMs);
  return html`<span class="muted">${/^rate/i.test(String(state.stored.spec.schedule)) ? "by its rate" : "-"}</span>`;
}

/** Who holds the job now: the run, its phase and for how long; an expired holder; the fires waiting. */
export function leaseHolder(state: JobState, nowMs: number): SafeHtml {
  const lease = state.lease;
  const waiting = lease?.pending
    ? html` <span class="subtle">+${plural(lease.pending.count, "fire")} waiting</span>`
    : "";
  const holder = runningHolder(lease, nowMs);
  if (holder?.holderRunId) {
    return html`<a href="${paths.run(holder.holderRunId)}"><code>${holder.holderRunId.slice(-8)}</code></a> ${holder.phase ?? "queued"} <span class="subtle">for ${describeDuration(nowMs - (holder.acquiredAt ?? nowMs))}</span>${waiting}`;
  }
  if (lease?.holderRunId) {
    return html`<span class="text-bad">expired holder</span> <a href="${paths.run(lease.holderRunId)}"><code>${lease.holderRunId.slice(-8)}</code></a> <span class="subtle">(the sweeper frees it)</span>${waiting}`;
  }
  return html`<span class="muted">free</span>${waiting}`;
}

/** `map` with at most `limit` calls in flight; results in input order. */
async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
