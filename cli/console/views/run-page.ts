import type { RunOutputRecord } from "#core/runs/run-output.ts";
import { isActiveStatus, type RunRecord } from "#core/runs/run-record.ts";
import { type RunInspection, readRunInspection } from "../../operations/run-inspection.ts";
import { formatBudget, formatDuration } from "../../render/durations.ts";
import { chartSpan, pluginsInOrder, timelineRows } from "../../render/run-view.ts";
import { html, type SafeHtml } from "../html.ts";
import type { PageContent, ViewContext } from "../view-context.ts";
import { paths, plural, statusBadge, timeOf } from "./format.ts";
import { renderGanttChart, rowTiming } from "./gantt-chart.ts";

/** How often a running run's page is re-read: well inside the 2 s an operator should wait. */
const LIVE_INTERVAL_MS = 1000;

/** The run page: the phase timeline as a Gantt chart, plugins, error, diagnostic, next step, output. */
export async function runPage(context: ViewContext, runId: string): Promise<PageContent> {
  const inspection = await readRunInspection(context.deployment, runId);
  const active = isActiveStatus(inspection.run.status);
  return {
    title: `Run ${inspection.run.runId}`,
    section: "jobs",
    main: renderRunPage(inspection),
    live: { intervalMs: LIVE_INTERVAL_MS, final: !active },
  };
}

export function renderRunPage(inspection: RunInspection): SafeHtml {
  const { run, nowMs } = inspection;
  const active = isActiveStatus(run.status);
  return html`<p class="breadcrumb"><a href="${paths.job(run.jobId)}">Job ${run.jobId}</a> › run</p>
<h1>Run <code>${run.runId}</code></h1>
<div data-live-id="run">
<p class="run-status" role="status">${statusBadge(run.status)} ${statusSentence(run, nowMs)}</p>
${renderFacts(run, nowMs)}
<section aria-labelledby="timeline-title"><h2 id="timeline-title">Timeline</h2>
${
  run.startedAt === undefined
    ? html`<p class="muted">Not started yet: no turn has picked the run up.</p>`
    : renderTimeline(run, nowMs, active)
}
</section>
${renderPlugins(run, nowMs)}
${renderError(run)}
${run.diagnostic ? html`<section aria-labelledby="diagnostic-title"><h2 id="diagnostic-title">Diagnostic</h2><p>${run.diagnostic}</p></section>` : ""}
<section class="next-step" aria-labelledby="next-title"><h2 id="next-title">Next step</h2><p>${capitalize(inspection.next)}</p></section>
${renderOutput(run, inspection.output)}
</div>`;
}

/** `running for 6.1s, phase agent-turn` / `failed in 5.1s: PluginInitError in runtime-plugins (plugin search)` */
function statusSentence(run: RunRecord, nowMs: number): string {
  if (run.status === "queued") return "— queued, waiting for a turn to pick it up.";
  const took =
    run.startedAt !== undefined ? formatDuration((run.endedAt ?? nowMs) - run.startedAt) : undefined;
  if (run.status === "running") {
    return `— running${took ? ` for ${took}` : ""}, phase ${run.phase ?? "setup"}. This page follows it live.`;
  }
  const where = [
    run.error?.phase ? `in ${run.error.phase}` : "",
    run.error?.plugin ? `(plugin ${run.error.plugin})` : "",
  ]
    .filter(Boolean)
    .join(" ");
  return `— ${run.status}${took ? ` in ${took}` : ""}${run.error ? `: ${run.error.class}${where ? ` ${where}` : ""}` : ""}.`;
}

function renderFacts(run: RunRecord, nowMs: number): SafeHtml {
  return html`<dl class="facts">
<dt>Job</dt><dd><a href="${paths.job(run.jobId)}">${run.jobId}</a> (v${run.jobVersion})</dd>
<dt>Fire</dt><dd>${run.source}${run.source === "schedule" ? html` for ${timeOf(run.scheduledAt)}` : ""}, queued ${timeOf(run.createdAt)}${run.coalescedFires > 1 ? `, ${run.coalescedFires} fires coalesced` : ""}${run.attempt > 1 ? html`, attempt ${run.attempt}${run.retryOf ? html` (retry of <a href="${paths.run(run.retryOf)}"><code>${run.retryOf}</code></a>)` : ""}` : ""}</dd>
${run.startedAt !== undefined ? html`<dt>Started</dt><dd>${timeOf(run.startedAt)} (queued for ${formatDuration(run.startedAt - run.createdAt)})</dd>` : ""}
${run.endedAt !== undefined ? html`<dt>Ended</dt><dd>${timeOf(run.endedAt)}${run.startedAt !== undefined ? `, took ${formatDuration(run.endedAt - run.startedAt)}` : ""}</dd>` : ""}
${run.lastHeartbeatAt !== undefined && isActiveStatus(run.status) ? html`<dt>Heartbeat</dt><dd>${timeOf(run.lastHeartbeatAt)} (${formatDuration(nowMs - run.lastHeartbeatAt)} ago)</dd>` : ""}
${run.stopRequestedAt !== undefined ? html`<dt>Stop requested</dt><dd>${timeOf(run.stopRequestedAt)} (a <code>replace</code> fire asked it to stop)</dd>` : ""}
</dl>`;
}

function renderTimeline(run: RunRecord, nowMs: number, active: boolean): SafeHtml {
  const rows = timelineRows(run);
  const span = chartSpan(run, nowMs);
  return html`${renderGanttChart(rows, { ...span, nowMs, active })}
<details><summary>The timeline as a table</summary><div class="table-frame"><table class="timeline">
<caption class="visually-hidden">Phases and plugins: when each started, how long it took against its budget, and its outcome</caption>
<thead><tr><th scope="col">Phase / plugin</th><th scope="col" class="num">Started at</th><th scope="col">Took / budget</th><th scope="col">Deadline</th><th scope="col">Outcome</th></tr></thead>
<tbody>${rows.map(
    (row) =>
      html`<tr${row.failed ? html` class="row-bad"` : ""}><th scope="row">${row.label.startsWith("  ") ? html`<span class="indent">plugin</span> ${row.label.trim()}` : row.label}</th><td class="num">${row.startedAt !== undefined ? `+${formatDuration(row.startedAt - span.originMs)}` : "-"}</td><td>${rowTiming(row, nowMs) || "-"}</td><td>${timeOf(row.deadlineAt)}</td><td>${row.outcome ?? (row.startedAt === undefined ? "not reached" : "")}</td></tr>`,
  )}</tbody></table></div></details>`;
}

function renderPlugins(run: RunRecord, nowMs: number): SafeHtml {
  const plugins = pluginsInOrder(run);
  if (plugins.length === 0) return html``;
  const active = isActiveStatus(run.status);
  return html`<section aria-labelledby="plugins-title"><h2 id="plugins-title">Plugins</h2><div class="table-frame"><table class="plugins">
<caption class="visually-hidden">Each plugin: its state, how long its start took, its own timeout, its tools or its error</caption>
<thead><tr><th scope="col">Plugin</th><th scope="col">Type</th><th scope="col">State</th><th scope="col" class="num">Took</th><th scope="col" class="num">Timeout</th><th scope="col">Tools / error</th></tr></thead>
<tbody>${plugins.map((plugin) => {
    const end = plugin.endedAt ?? (plugin.state === "starting" ? (run.endedAt ?? nowMs) : undefined);
    const state =
      plugin.state === "starting"
        ? active
          ? "starting (in flight)"
          : "in flight when the run ended"
        : plugin.state === "pending"
          ? "never started"
          : plugin.state;
    const bad =
      plugin.state === "failed" || plugin.state === "timed-out" || (plugin.state === "starting" && !active);
    return html`<tr${bad ? html` class="row-bad"` : ""}><th scope="row">${plugin.name}${plugin.required ? "" : html` <span class="muted">(optional)</span>`}</th><td>${plugin.type}</td><td>${statusBadge(bad ? "failed" : plugin.state === "ready" ? "ready" : "neutral", state)}</td><td class="num">${plugin.startedAt !== undefined && end !== undefined ? formatDuration(end - plugin.startedAt) : "-"}</td><td class="num">${plugin.startedAt !== undefined && plugin.deadlineAt !== undefined ? formatBudget(plugin.deadlineAt - plugin.startedAt) : "-"}</td><td class="error-cell">${plugin.error ?? (plugin.toolCount !== undefined ? plural(plugin.toolCount, "tool") : "")}</td></tr>`;
  })}</tbody></table></div></section>`;
}

function renderError(run: RunRecord): SafeHtml {
  if (!run.error) return html``;
  return html`<section class="problem" aria-labelledby="error-title"><h2 id="error-title">Error</h2>
<p><strong>${run.error.class}</strong>${run.error.phase ? html` in phase <strong>${run.error.phase}</strong>` : ""}${run.error.plugin ? html` (plugin <strong>${run.error.plugin}</strong>)` : ""}</p>
<pre class="text">${run.error.message}</pre>
</section>`;
}

/** The run's output: every line kept with it (else the record's summary), and a command agent's stream ends. */
function renderOutput(run: RunRecord, kept: RunOutputRecord | undefined): SafeHtml {
  const usage = run.usage;
  if (!run.output && !kept && !usage && !run.model) return html``;
  const bytes = kept?.bytes ?? run.output?.bytes;
  const cut = kept ? kept.truncated : run.output?.truncated;
  const text = kept?.text ?? run.output?.summary;
  return html`<section aria-labelledby="output-title"><h2 id="output-title">Output</h2>
<dl class="facts">
${run.model ? html`<dt>Model</dt><dd>${run.provider ?? "?"}/${run.model}</dd>` : ""}
${usage ? html`<dt>Tokens</dt><dd>in ${usage.inputTokens ?? "?"} · out ${usage.outputTokens ?? "?"}${usage.inputTokens !== undefined && usage.outputTokens !== undefined ? ` · total ${usage.inputTokens + usage.outputTokens}` : ""}</dd>` : ""}
${run.toolCalls ? html`<dt>Tool calls</dt><dd>${run.toolCalls}</dd>` : ""}
${bytes !== undefined ? html`<dt>Size</dt><dd>${plural(bytes, "byte")}${cut ? (kept ? " (truncated: the first 256 KB are kept)" : " (the summary below is truncated)") : ""}</dd>` : ""}
</dl>
${text ? html`<pre class="output">${text}</pre>` : ""}
${kept?.truncated && kept.stdoutTail ? html`<h3>stdout, its end</h3><pre class="output">${kept.stdoutTail}</pre>` : ""}
${kept?.stderrTail ? html`<h3>stderr, its end</h3><pre class="output">${kept.stderrTail}</pre>` : ""}
</section>`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
