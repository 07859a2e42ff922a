import { FAILURE_STATUSES, type RunStatus } from "#core/runs/run-record.ts";
import { html, type SafeHtml } from "../html.ts";
import { percentOf } from "./format.ts";

const WIDTH = 120;
const HEIGHT = 28;
const PAD = 3;

/**
 * The failure rate after each of the given run outcomes (oldest first), each taken over the
 * `window` outcomes ending there — the rate the job's stats and alarm use, as it moved.
 */
export function rollingFailureRates(outcomes: readonly RunStatus[], window: number): number[] {
  return outcomes.map((_, index) => {
    const slice = outcomes.slice(Math.max(0, index - window + 1), index + 1);
    return slice.filter((status) => FAILURE_STATUSES.has(status)).length / slice.length;
  });
}

/**
 * A failure-rate sparkline: the rolling rate as a line from 0 % (bottom) to 100 % (top), a dot on
 * each failed run. Described in words for screen readers.
 */
export function renderSparkline(outcomes: readonly RunStatus[], window: number): SafeHtml {
  if (outcomes.length === 0) return html`<span class="muted">no runs</span>`;
  const rates = rollingFailureRates(outcomes, window);
  const xOf = (index: number) =>
    outcomes.length === 1 ? WIDTH / 2 : PAD + (index / (outcomes.length - 1)) * (WIDTH - 2 * PAD);
  const yOf = (rate: number) => HEIGHT - PAD - rate * (HEIGHT - 2 * PAD);
  const points = rates.map((rate, index) => `${xOf(index).toFixed(1)},${yOf(rate).toFixed(1)}`).join(" ");
  const failures = outcomes.filter((status) => FAILURE_STATUSES.has(status)).length;
  const label = `Failure rate over the last ${outcomes.length} runs (each over ${window}): from ${percentOf(rates[0] ?? 0)} to ${percentOf(rates.at(-1) ?? 0)}; ${failures} failed`;
  return html`<svg class="sparkline" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${label}"><title>${label}</title><line class="spark-base" x1="0" x2="${WIDTH}" y1="${yOf(0)}" y2="${yOf(0)}"></line><polyline class="spark-line" points="${points}"></polyline>${outcomes.map(
    (status, index) =>
      FAILURE_STATUSES.has(status)
        ? html`<circle class="spark-fail" cx="${xOf(index).toFixed(1)}" cy="${yOf(rates[index] ?? 0).toFixed(1)}" r="2.2"></circle>`
        : "",
  )}</svg>`;
}
