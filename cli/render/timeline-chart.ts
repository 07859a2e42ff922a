import { padVisible, type Style } from "../output.ts";
import { formatBudget, formatDuration } from "./durations.ts";

/** One row of the chart: a phase or a plugin. */
export interface TimelineRow {
  readonly label: string;
  /** Undefined: never started (drawn empty, "not reached"). */
  readonly startedAt?: number;
  /** Undefined while it is still going: drawn up to `nowMs`. */
  readonly endedAt?: number;
  /** Its own deadline, marked `|` on the bar (`›` at the edge when it lies beyond the chart). */
  readonly deadlineAt?: number;
  /** What became of it: `ok`, `timed-out`, `starting`… */
  readonly outcome?: string;
  /** Whether the outcome is bad (drawn red when colour is on). */
  readonly failed?: boolean;
}

export interface TimelineChartOptions {
  /** Time at the left edge (the run's start). */
  readonly originMs: number;
  /** Time at the right edge (the run's end, or now). */
  readonly endMs: number;
  /** What "still going" rows are drawn up to. */
  readonly nowMs: number;
  /** Cells of the bar area. @default 40 */
  readonly width?: number;
  readonly style?: Style;
}

const DONE = "█";
const GOING = "▒";
const DEADLINE = "|";
const DEADLINE_BEYOND = "›";

/**
 * Draws phases (and plugins) as horizontal bars on one time axis: each bar starts and ends where
 * the phase did, scaled to the run, with the phase's deadline marked; to its right the time it
 * took against its budget and its outcome.
 *
 * ```
 *                      0s                                    4.1s
 * setup               │█                                       │  52ms of 10s   ok
 * runtime-plugins     │ ██████████████████████████████████████|│  4.0s of 4s    failed
 * ```
 */
export function renderTimelineChart(rows: readonly TimelineRow[], options: TimelineChartOptions): string[] {
  const width = Math.max(10, options.width ?? 40);
  const span = Math.max(1, options.endMs - options.originMs);
  const labelWidth = Math.max(...rows.map((row) => row.label.length), 5) + 2;
  const cellOf = (atMs: number) => ((atMs - options.originMs) / span) * width;
  const style = options.style;

  const axisLeft = "0s";
  const axisRight = formatDuration(span);
  const axis = `${" ".repeat(labelWidth)} ${axisLeft}${" ".repeat(Math.max(1, width - axisLeft.length - axisRight.length))}${axisRight}`;
  const lines = [style ? style.dim(axis) : axis];

  for (const row of rows) {
    const cells = Array.from({ length: width }, () => " ");
    let timing = "";
    if (row.startedAt !== undefined) {
      const end = row.endedAt ?? Math.max(row.startedAt, options.nowMs);
      const first = Math.min(width - 1, Math.max(0, Math.floor(cellOf(row.startedAt))));
      const last = Math.min(width, Math.max(first + 1, Math.ceil(cellOf(end))));
      for (let cell = first; cell < last; cell++) cells[cell] = row.endedAt === undefined ? GOING : DONE;
      const took = formatDuration(end - row.startedAt);
      timing =
        row.deadlineAt !== undefined ? `${took} of ${formatBudget(row.deadlineAt - row.startedAt)}` : took;
    }
    let bar = cells.join("");
    let edge = "│";
    if (row.deadlineAt !== undefined && row.startedAt !== undefined) {
      const at = Math.floor(cellOf(row.deadlineAt));
      if (at >= width) edge = DEADLINE_BEYOND;
      else {
        const index = Math.max(0, at);
        bar = `${bar.slice(0, index)}${DEADLINE}${bar.slice(index + 1)}`;
      }
    }
    const outcome = row.startedAt === undefined ? (row.outcome ?? "not reached") : (row.outcome ?? "");
    const paintedOutcome = style && row.failed ? style.red(outcome) : outcome;
    const paintedBar = style && row.failed ? style.red(bar) : bar;
    lines.push(
      `${row.label.padEnd(labelWidth)}│${paintedBar}${edge}  ${padVisible(timing, 16)}${paintedOutcome}`.trimEnd(),
    );
  }
  return lines;
}
