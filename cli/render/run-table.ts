import type { RunRecord } from "#core/runs/run-record.ts";
import { describeTime } from "#core/time-format.ts";
import { renderTable, type Style, truncate } from "../output.ts";
import { formatDuration } from "./durations.ts";

/** Run history rows: newest first. */
export function renderRunRows(runs: readonly RunRecord[], style: Style, nowMs: number): string[] {
  return renderTable(
    [
      { header: "QUEUED" },
      { header: "STATUS" },
      { header: "TOOK", align: "right" },
      { header: "PHASE" },
      { header: "SOURCE" },
      { header: "RUN ID" },
      { header: "ERROR" },
    ],
    runs.map((run) => [
      describeTime(run.createdAt),
      style.status(run.status),
      run.startedAt !== undefined ? formatDuration((run.endedAt ?? nowMs) - run.startedAt) : "-",
      run.error?.phase ?? (run.status === "running" ? (run.phase ?? "setup") : ""),
      run.source,
      run.runId,
      run.error
        ? truncate(
            `${run.error.class}${run.error.plugin ? ` (${run.error.plugin})` : ""}: ${run.error.message}`,
            70,
          )
        : "",
    ]),
    style,
  );
}
