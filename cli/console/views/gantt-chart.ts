import { describeTime } from "#core/time-format.ts";
import { formatBudget, formatDuration } from "../../render/durations.ts";
import type { TimelineRow } from "../../render/timeline-chart.ts";
import { html, type SafeHtml } from "../html.ts";

export interface GanttOptions {
  /** Time at the left edge (the run's start). */
  readonly originMs: number;
  /** Time at the right edge (the run's end, or now). */
  readonly endMs: number;
  /** What rows still going are drawn up to. */
  readonly nowMs: number;
  /** Whether the run is still going (rows without an end are then in progress, drawn hatched). */
  readonly active: boolean;
}

const WIDTH = 1000;
const LABEL_WIDTH = 180;
const TIMING_WIDTH = 330;
const BAR_LEFT = LABEL_WIDTH;
const BAR_WIDTH = WIDTH - LABEL_WIDTH - TIMING_WIDTH;
const AXIS_HEIGHT = 26;
const PHASE_HEIGHT = 30;
const PLUGIN_HEIGHT = 24;
/** Tick steps the axis picks from: the first that gives at most six ticks. */
const TICK_STEPS_MS = [
  100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000,
  1_800_000, 3_600_000, 7_200_000,
];

/**
 * The run's phase timeline as a Gantt chart (inline SVG): one bar per phase, each plugin as a
 * sub-bar under runtime-plugins, on one time axis from the run's start; each row's own deadline is
 * drawn as a line across its track (an arrow at the right edge when it lies beyond the chart), and
 * to the right the time it took against its budget, and its outcome. The rows are those `inspect`
 * draws, so both say the same.
 */
export function renderGanttChart(rows: readonly TimelineRow[], options: GanttOptions): SafeHtml {
  const span = Math.max(1, options.endMs - options.originMs);
  const xOf = (atMs: number) =>
    BAR_LEFT + Math.min(1, Math.max(0, (atMs - options.originMs) / span)) * BAR_WIDTH;
  const heights = rows.map((row) => (isPlugin(row) ? PLUGIN_HEIGHT : PHASE_HEIGHT));
  const height = AXIS_HEIGHT + heights.reduce((sum, rowHeight) => sum + rowHeight, 0) + 8;
  const step = TICK_STEPS_MS.find((candidate) => span / candidate <= 6) ?? TICK_STEPS_MS.at(-1) ?? 60_000;
  const ticks: number[] = [];
  // The last tick gives way to the end label when they would overlap.
  for (let at = 0; at <= span - step * 0.4; at += step) ticks.push(at);

  let y = AXIS_HEIGHT;
  const drawn = rows.map((row, index) => {
    const rowHeight = heights[index] ?? PHASE_HEIGHT;
    const top = y;
    y += rowHeight;
    return renderRow(row, { top, rowHeight, xOf, options, originMs: options.originMs });
  });

  const summary = rows
    .map((row) =>
      `${row.label.trim()}: ${rowTiming(row, options.nowMs) || "not reached"} ${row.outcome ?? ""}`.trim(),
    )
    .join("; ");
  return html`<div class="gantt-frame">
<svg class="gantt" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="Phase timeline. ${summary}" preserveAspectRatio="xMinYMin meet">
<defs><pattern id="gantt-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect class="gantt-hatch-stripe" width="4" height="8"></rect></pattern></defs>
${ticks.map((at) => {
  const x = xOf(options.originMs + at);
  return html`<line class="gantt-tick" x1="${x}" x2="${x}" y1="${AXIS_HEIGHT - 6}" y2="${height - 8}"></line><text class="gantt-axis" x="${x}" y="${AXIS_HEIGHT - 10}" text-anchor="${at === 0 ? "start" : "middle"}">${at === 0 ? "0s" : formatDuration(at)}</text>`;
})}
<text class="gantt-axis" x="${BAR_LEFT + BAR_WIDTH}" y="${AXIS_HEIGHT - 10}" text-anchor="end">${formatDuration(span)}</text>
${drawn}
</svg>
</div>
<p class="gantt-legend" aria-hidden="true"><span class="key key-done"></span> done <span class="key key-failed"></span> failed / timed out <span class="key key-active"></span> in progress <span class="key key-deadline"></span> deadline <span class="key-arrow">▶</span> deadline beyond the chart</p>`;
}

function renderRow(
  row: TimelineRow,
  layout: {
    top: number;
    rowHeight: number;
    xOf: (atMs: number) => number;
    options: GanttOptions;
    originMs: number;
  },
): SafeHtml {
  const { top, rowHeight, xOf, options } = layout;
  const plugin = isPlugin(row);
  const barTop = top + (plugin ? 6 : 5);
  const barHeight = rowHeight - (plugin ? 12 : 10);
  const middle = top + rowHeight / 2 + 4;
  const going = row.startedAt !== undefined && row.endedAt === undefined && options.active;
  const state = row.startedAt === undefined ? "unreached" : row.failed ? "failed" : going ? "active" : "done";
  const parts: SafeHtml[] = [
    html`<text class="gantt-label${plugin ? " gantt-plugin" : ""}" x="${plugin ? 22 : 6}" y="${middle}">${row.label.trim()}</text>`,
    html`<rect class="gantt-track" x="${BAR_LEFT}" y="${barTop}" width="${BAR_WIDTH}" height="${barHeight}"></rect>`,
  ];
  if (row.startedAt !== undefined) {
    const end = row.endedAt ?? Math.max(row.startedAt, options.nowMs);
    const x = xOf(row.startedAt);
    const width = Math.max(2, xOf(end) - x);
    parts.push(
      html`<rect class="gantt-bar gantt-${state}" x="${x}" y="${barTop}" width="${width}" height="${barHeight}"><title>${row.label.trim()}: started +${formatDuration(row.startedAt - layout.originMs)}, ${rowTiming(row, options.nowMs)}${row.outcome ? `, ${row.outcome}` : ""}</title></rect>`,
    );
    if (row.deadlineAt !== undefined) {
      const budget = formatBudget(row.deadlineAt - row.startedAt);
      if (row.deadlineAt <= options.endMs) {
        const dx = xOf(row.deadlineAt);
        parts.push(
          html`<line class="gantt-deadline" x1="${dx}" x2="${dx}" y1="${top + 2}" y2="${top + rowHeight - 2}"><title>${row.label.trim()}'s deadline: ${budget} after it started (${describeTime(row.deadlineAt)})</title></line>`,
        );
      } else {
        const ex = BAR_LEFT + BAR_WIDTH + 2;
        parts.push(
          html`<path class="gantt-deadline-beyond" d="M ${ex} ${top + rowHeight / 2 - 5} l 7 5 l -7 5 z"><title>${row.label.trim()}'s deadline lies beyond the chart: ${budget} after it started (${describeTime(row.deadlineAt)})</title></path>`,
        );
      }
    }
  }
  const outcome = row.startedAt === undefined ? (row.outcome ?? "not reached") : (row.outcome ?? "");
  parts.push(
    html`<text class="gantt-timing" x="${BAR_LEFT + BAR_WIDTH + 16}" y="${middle}">${rowTiming(row, options.nowMs)}</text>`,
    html`<text class="gantt-outcome gantt-outcome-${state}" x="${BAR_LEFT + BAR_WIDTH + 150}" y="${middle}">${outcome}</text>`,
  );
  return html`<g class="gantt-row">${parts}</g>`;
}

/** `5.0s of 9.9s`: how long the row took against its budget ("" when it never started). */
export function rowTiming(row: TimelineRow, nowMs: number): string {
  if (row.startedAt === undefined) return "";
  const took = formatDuration((row.endedAt ?? Math.max(row.startedAt, nowMs)) - row.startedAt);
  return row.deadlineAt !== undefined ? `${took} of ${formatBudget(row.deadlineAt - row.startedAt)}` : took;
}

function isPlugin(row: TimelineRow): boolean {
  return row.label.startsWith("  ");
}
