import type { RunStatus } from "#core/runs/run-record.ts";
import { describeTime } from "#core/time-format.ts";
import { relativeTime } from "../../render/durations.ts";
import { html, type SafeHtml } from "../html.ts";

/** Where each page lives. */
export const paths = {
  jobs: () => "/",
  job: (jobId: string) => `/jobs/${encodeURIComponent(jobId)}`,
  run: (runId: string) => `/runs/${encodeURIComponent(runId)}`,
  deadLetters: () => "/dead-letters",
  redrive: (queue: string) => `/dead-letters/redrive?queue=${encodeURIComponent(queue)}`,
} as const;

/** The tone a status is drawn in (a class on its badge); the text always says it too. */
const STATUS_TONE: Record<string, "good" | "bad" | "warn" | "active" | "neutral"> = {
  succeeded: "good",
  failed: "bad",
  stalled: "bad",
  abandoned: "bad",
  "timed-out": "warn",
  cancelled: "warn",
  "not-started": "bad",
  running: "active",
  queued: "active",
  run: "good",
  skipped: "warn",
  buffered: "active",
  rejected: "bad",
  missed: "bad",
  ok: "good",
  ready: "good",
};

/** A status (of a run, a fire, a plugin) as a badge: its word, in its tone. */
export function statusBadge(status: RunStatus | string, text: string = status): SafeHtml {
  return html`<span class="badge tone-${STATUS_TONE[status] ?? "neutral"}">${text}</span>`;
}

/** A time in UTC, as the CLI shows it, with the machine-readable value. */
export function timeOf(epochMs: number | undefined): SafeHtml {
  if (epochMs === undefined) return html`-`;
  const iso = new Date(epochMs).toISOString();
  return html`<time datetime="${iso}">${describeTime(epochMs)}</time>`;
}

/** `in 42s` / `3m ago`, with the exact time as its title. */
export function relativeTimeOf(epochMs: number | undefined, nowMs: number): SafeHtml {
  if (epochMs === undefined) return html`-`;
  const iso = new Date(epochMs).toISOString();
  return html`<time datetime="${iso}" title="${describeTime(epochMs)}">${relativeTime(epochMs, nowMs)}</time>`;
}

/** `40%` */
export function percentOf(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

/** `1 run`, `3 runs` */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
