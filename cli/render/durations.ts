import { describeDuration } from "#core/time-format.ts";

/** `120ms`, `4.2s`, `1m05s`, `3h12m` — a tenth of a second below a minute, as a chart needs. */
export function formatDuration(ms: number): string {
  const clamped = Math.max(0, ms);
  if (clamped < 1000) return `${Math.round(clamped)}ms`;
  if (clamped < 60_000) return `${(Math.floor(clamped / 100) / 10).toFixed(1)}s`;
  return describeDuration(clamped);
}

/** A budget (a timeout): whole seconds as `10s`, `1m30s`; anything finer as formatDuration does. */
export function formatBudget(ms: number): string {
  return ms % 1000 === 0 ? describeDuration(ms) : formatDuration(ms);
}

/** `in 42s`, `3m ago` — a time relative to now. */
export function relativeTime(atMs: number, nowMs: number): string {
  const delta = atMs - nowMs;
  return delta >= 0 ? `in ${describeDuration(delta)}` : `${describeDuration(-delta)} ago`;
}
