import type { RunOutputRecord } from "#core/runs/run-output.ts";
import { PHASES, type PhaseName, type PluginRecord, type RunRecord } from "#core/runs/run-record.ts";
import { describeTime } from "#core/time-format.ts";
import { renderTable, type Style, truncate, wrapText } from "../output.ts";
import { formatBudget, formatDuration } from "./durations.ts";
import { type NextActionContext, nextAction } from "./next-action.ts";
import { renderRunOutput } from "./run-output.ts";
import { renderTimelineChart, type TimelineRow } from "./timeline-chart.ts";

const BAD_OUTCOMES = new Set(["failed", "timed-out", "stalled", "abandoned", "cancelled", "not-started"]);
const BAD_PLUGIN_STATES = new Set(["failed", "timed-out"]);

export function pluginsInOrder(run: Pick<RunRecord, "plugins">): PluginRecord[] {
  return Object.values(run.plugins).sort((a, b) => a.index - b.index);
}

/** The run's phases — and, under runtime-plugins, each plugin — as chart rows. */
export function timelineRows(run: RunRecord): TimelineRow[] {
  const rows: TimelineRow[] = [];
  for (const phase of PHASES) {
    const record = run.phases[phase];
    const active = record !== undefined && record.endedAt === undefined;
    rows.push({
      label: phase,
      startedAt: record?.startedAt,
      endedAt: record?.endedAt ?? (active && !isRunActive(run) ? run.endedAt : undefined),
      deadlineAt: record?.deadlineAt,
      outcome:
        record?.outcome ??
        (active
          ? isRunActive(run)
            ? "in progress"
            : run.status
          : phase === "runtime-plugins" && Object.keys(run.plugins).length === 0 && run.phases["agent-turn"]
            ? "skipped (no plugins)"
            : undefined),
      failed: BAD_OUTCOMES.has(record?.outcome ?? (active && !isRunActive(run) ? run.status : "")),
    });
    if (phase !== "runtime-plugins") continue;
    for (const plugin of pluginsInOrder(run)) {
      const inFlight = plugin.state === "starting";
      rows.push({
        label: `  ${plugin.name}`,
        startedAt: plugin.startedAt,
        endedAt: plugin.endedAt ?? (inFlight && !isRunActive(run) ? run.endedAt : undefined),
        deadlineAt: plugin.deadlineAt,
        outcome: inFlight
          ? isRunActive(run)
            ? "starting (in flight)"
            : "in flight when the run ended"
          : plugin.state,
        failed: BAD_PLUGIN_STATES.has(plugin.state) || (inFlight && !isRunActive(run)),
      });
    }
  }
  return rows;
}

function isRunActive(run: Pick<RunRecord, "status">): boolean {
  return run.status === "queued" || run.status === "running";
}

/** Where the chart starts and ends: the run's start to its end (or now, while it runs). */
export function chartSpan(run: RunRecord, nowMs: number): { originMs: number; endMs: number } {
  const originMs = run.startedAt ?? run.createdAt;
  const ends = [
    run.endedAt ?? (isRunActive(run) ? nowMs : originMs),
    ...Object.values(run.phases).map((phase) => phase?.endedAt ?? originMs),
    ...Object.values(run.plugins).map((plugin) => plugin.endedAt ?? originMs),
  ];
  return { originMs, endMs: Math.max(originMs + 1, ...ends) };
}

/** `run 01J… · job seo-refresh (v3) · failed`, then when and how it came about. */
export function runHeader(run: RunRecord, style: Style, nowMs: number): string[] {
  const took =
    run.startedAt !== undefined
      ? (run.endedAt ?? (isRunActive(run) ? nowMs : undefined)) !== undefined
        ? formatDuration((run.endedAt ?? nowMs) - run.startedAt)
        : "-"
      : "-";
  const lines = [
    `${style.bold(`Run ${run.runId}`)} · job ${run.jobId} (v${run.jobVersion}) · ${style.status(run.status)}`,
    `  fire      ${run.source}${run.source === "schedule" ? ` for ${describeTime(run.scheduledAt)}` : ""}, queued ${describeTime(run.createdAt)}${run.coalescedFires > 1 ? `, ${run.coalescedFires} fires coalesced` : ""}${run.attempt > 1 ? `, attempt ${run.attempt} (retry of ${run.retryOf ?? "?"})` : ""}`,
  ];
  if (run.startedAt !== undefined) {
    lines.push(
      `  started   ${describeTime(run.startedAt)} (queued for ${formatDuration(run.startedAt - run.createdAt)})${run.endedAt !== undefined ? `, ended ${describeTime(run.endedAt)}` : ""}, took ${took}`,
    );
  }
  if (run.lastHeartbeatAt !== undefined && isRunActive(run)) {
    lines.push(
      `  heartbeat ${describeTime(run.lastHeartbeatAt)} (${formatDuration(nowMs - run.lastHeartbeatAt)} ago)`,
    );
  }
  return lines;
}

/** Each plugin: state, how long its start took, its own timeout, tools or error. */
export function pluginTable(run: RunRecord, style: Style, nowMs: number): string[] {
  const plugins = pluginsInOrder(run);
  if (plugins.length === 0) return [];
  const rows = plugins.map((plugin) => {
    const end = plugin.endedAt ?? (plugin.state === "starting" ? (run.endedAt ?? nowMs) : undefined);
    const took =
      plugin.startedAt !== undefined && end !== undefined ? formatDuration(end - plugin.startedAt) : "-";
    const timeout =
      plugin.startedAt !== undefined && plugin.deadlineAt !== undefined
        ? formatBudget(plugin.deadlineAt - plugin.startedAt)
        : "-";
    const icon =
      plugin.state === "ready"
        ? style.green("✓")
        : BAD_PLUGIN_STATES.has(plugin.state)
          ? style.red("✗")
          : plugin.state === "starting"
            ? style.yellow("…")
            : "·";
    const state =
      plugin.state === "starting"
        ? isRunActive(run)
          ? "starting (in flight)"
          : "in flight when the run ended"
        : plugin.state === "pending"
          ? "never started"
          : plugin.state;
    const detail = plugin.error
      ? truncate(plugin.error, 100)
      : plugin.toolCount !== undefined
        ? `${plugin.toolCount} tool${plugin.toolCount === 1 ? "" : "s"}`
        : "";
    return [
      `${icon} ${plugin.name}${plugin.required ? "" : " (optional)"}`,
      plugin.type,
      BAD_PLUGIN_STATES.has(plugin.state) ? style.red(state) : state,
      took,
      timeout,
      detail,
    ];
  });
  return renderTable(
    [
      { header: "  PLUGIN" },
      { header: "TYPE" },
      { header: "STATE" },
      { header: "TOOK", align: "right" },
      { header: "TIMEOUT", align: "right" },
      { header: "TOOLS / ERROR" },
    ],
    rows,
    style,
  ).map((line) => `  ${line}`);
}

/**
 * Everything `inspect` shows: the header, the timeline chart, the plugins, the error, the
 * diagnostic, the output, and the next thing to check.
 */
export function renderInspection(
  run: RunRecord,
  options: {
    style: Style;
    nowMs: number;
    /** Cells of the chart's bar area. */
    width: number;
    next: NextActionContext;
    /** Wrap long texts to this many columns (a terminal's width); undefined keeps each on one line. */
    wrap?: number;
    /** The full output kept with the run, when it has one. */
    output?: RunOutputRecord;
  },
): string[] {
  const { style, nowMs } = options;
  const lines = [...runHeader(run, style, nowMs), ""];
  if (run.startedAt === undefined) {
    lines.push(style.bold("Timeline"), "  not started yet: no turn has picked the run up", "");
  } else {
    const span = chartSpan(run, nowMs);
    lines.push(style.bold("Timeline"));
    lines.push(
      ...renderTimelineChart(timelineRows(run), { ...span, nowMs, width: options.width, style }).map(
        (line) => `  ${line}`,
      ),
    );
    lines.push(style.dim(`  █ done  ▒ in progress  | deadline  › deadline beyond the chart`), "");
  }
  const plugins = pluginTable(run, style, nowMs);
  if (plugins.length > 0) lines.push(style.bold("Plugins"), ...plugins, "");
  // Long texts are wrapped on a terminal only; piped output keeps each on one line for grep.
  const text = (body: string) => (options.wrap ? wrapText(body, options.wrap, 12) : body);
  if (run.error) {
    const where = [
      run.error.phase ? `in ${run.error.phase}` : "",
      run.error.plugin ? `(plugin ${run.error.plugin})` : "",
    ]
      .filter(Boolean)
      .join(" ");
    lines.push(`${style.bold("Error")}       ${style.red(run.error.class)}${where ? ` ${where}` : ""}`);
    lines.push(`            ${text(run.error.message)}`);
  }
  if (run.diagnostic) lines.push(`${style.bold("Diagnostic")}  ${text(run.diagnostic)}`);
  const kept = options.output;
  if (run.output || kept) {
    const bytes = kept?.bytes ?? run.output?.bytes ?? 0;
    const cut = kept ? kept.truncated : run.output?.truncated;
    lines.push(
      `${style.bold("Output")}      ${bytes} bytes${cut ? " (truncated)" : ""}${run.model ? ` · ${run.provider ?? "?"}/${run.model}` : ""}${run.usage ? ` · tokens in ${run.usage.inputTokens ?? "?"} out ${run.usage.outputTokens ?? "?"}` : ""}${run.toolCalls ? ` · ${run.toolCalls} tool calls` : ""}`,
    );
    lines.push(...renderRunOutput(run, kept, style));
  }
  if (lines[lines.length - 1] !== "") lines.push("");
  const next = nextAction(run, options.next);
  lines.push(`${style.bold("Next:")} ${options.wrap ? wrapText(next, options.wrap, 6) : next}`);
  return lines;
}

/** A key that changes whenever the run moves on (status, phase, a plugin's state): what `run --wait` reports. */
export function progressKey(run: RunRecord): string {
  return [
    run.status,
    run.phase ?? "",
    ...pluginsInOrder(run).map((plugin) => `${plugin.name}:${plugin.state}`),
  ].join("|");
}

/** One line describing where the run is now — `run --wait` prints one per change when not on a terminal. */
export function progressLine(run: RunRecord, nowMs: number): string {
  const time = describeTime(nowMs).slice(11, 19);
  if (run.status === "queued") return `${time}  queued, waiting for a turn`;
  if (run.status !== "running") {
    const took =
      run.startedAt !== undefined && run.endedAt !== undefined
        ? ` in ${formatDuration(run.endedAt - run.startedAt)}`
        : "";
    return `${time}  ${run.status}${took}${run.error ? `: ${run.error.class}` : ""}`;
  }
  const phase = run.phase ?? "setup";
  const record = run.phases[phase];
  const budget =
    record && record.deadlineAt !== undefined
      ? ` (budget ${formatBudget(record.deadlineAt - record.startedAt)})`
      : "";
  const plugin =
    phase === "runtime-plugins"
      ? pluginsInOrder(run).find((candidate) => candidate.state === "starting")
      : undefined;
  const ready = pluginsInOrder(run).filter((candidate) => candidate.state === "ready").length;
  const pluginText = plugin
    ? `, plugin ${plugin.name} starting${plugin.deadlineAt !== undefined && plugin.startedAt !== undefined ? ` (timeout ${formatBudget(plugin.deadlineAt - plugin.startedAt)})` : ""}, ${ready} ready`
    : "";
  return `${time}  ${phase}${budget}${pluginText}`;
}

/** The live block `run --wait` redraws on a terminal: each phase with its state and elapsed time. */
export function progressBlock(run: RunRecord, style: Style, nowMs: number): string[] {
  const lines = [`${style.bold(`run ${run.runId}`)} · job ${run.jobId} · ${style.status(run.status)}`];
  for (const phase of PHASES) {
    lines.push(`  ${phaseState(run, phase, style, nowMs)}`);
    if (phase === "runtime-plugins" && run.phases[phase]) {
      for (const plugin of pluginsInOrder(run)) {
        const took =
          plugin.startedAt !== undefined
            ? formatDuration(
                (plugin.endedAt ?? (isRunActive(run) ? nowMs : (run.endedAt ?? nowMs))) - plugin.startedAt,
              )
            : "";
        lines.push(`      ${plugin.name.padEnd(14)}${plugin.state.padEnd(11)}${took}`);
      }
    }
  }
  return lines;
}

function phaseState(run: RunRecord, phase: PhaseName, style: Style, nowMs: number): string {
  const record = run.phases[phase];
  if (!record) return style.dim(`· ${phase}`);
  const end = record.endedAt ?? (isRunActive(run) ? nowMs : (run.endedAt ?? nowMs));
  const took = formatDuration(end - record.startedAt);
  const budget = formatBudget(record.deadlineAt - record.startedAt);
  if (record.endedAt === undefined && isRunActive(run))
    return style.cyan(`▸ ${phase.padEnd(16)}${took} of ${budget}`);
  const outcome = record.outcome ?? run.status;
  const icon = outcome === "ok" ? style.green("✓") : style.red("✗");
  return `${icon} ${phase.padEnd(16)}${took} of ${budget}  ${outcome === "ok" ? "" : outcome}`.trimEnd();
}
