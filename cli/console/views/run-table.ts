import type { RunRecord } from "#core/runs/run-record.ts";
import { formatDuration } from "../../render/durations.ts";
import { html, type SafeHtml } from "../html.ts";
import { paths, statusBadge, timeOf } from "./format.ts";

/** Run history rows, newest first — the columns of `agentcron runs`. */
export function renderRunTable(runs: readonly RunRecord[], nowMs: number, caption: string): SafeHtml {
  return html`<div class="table-frame"><table class="runs">
<caption class="visually-hidden">${caption}</caption>
<thead><tr><th scope="col">Queued</th><th scope="col">Status</th><th scope="col" class="num">Took</th><th scope="col">Phase</th><th scope="col">Source</th><th scope="col">Run</th><th scope="col">Error</th></tr></thead>
<tbody>
${runs.map(
  (run) => html`<tr>
<td>${timeOf(run.createdAt)}</td>
<td>${statusBadge(run.status)}</td>
<td class="num">${run.startedAt !== undefined ? formatDuration((run.endedAt ?? nowMs) - run.startedAt) : "-"}</td>
<td>${run.error?.phase ?? (run.status === "running" ? (run.phase ?? "setup") : "")}${run.error?.plugin ? html` <span class="subtle-inline">plugin ${run.error.plugin}</span>` : ""}</td>
<td>${run.source}${run.coalescedFires > 1 ? html` <span class="subtle-inline">×${run.coalescedFires} coalesced</span>` : ""}</td>
<td><a href="${paths.run(run.runId)}"><code>${run.runId}</code></a></td>
<td class="error-cell">${run.error ? `${run.error.class}: ${run.error.message}` : ""}</td>
</tr>`,
)}
</tbody>
</table></div>`;
}
