import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "#core/logger.ts";

/** Run ids are ULIDs; anything else never becomes part of a file name. */
const RUN_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Where the local runtime keeps one log file per run: `<state dir>/logs/runs`. */
export function runLogDirectory(stateDir: string): string {
  return join(stateDir, "logs", "runs");
}

/** The log file of one run (`<dir>/<runId>.log`), or undefined for something that is not a run id. */
export function runLogPath(directory: string, runId: string): string | undefined {
  return RUN_ID.test(runId) ? join(directory, `${runId}.log`) : undefined;
}

/** Appends one line (a JSON log line as written) to a run's log file. */
export function appendRunLogLine(directory: string, runId: string, line: string): void {
  const path = runLogPath(directory, runId);
  if (!path) return;
  mkdirSync(directory, { recursive: true });
  appendFileSync(path, line.endsWith("\n") ? line : `${line}\n`);
}

const LEVELS = ["debug", "info", "warn", "error"] as const;

/**
 * `log`, and each line that carries a `runId` also in that run's own log file — what the runtime,
 * dispatch and the sweeper say about a run sits next to what its turn said (`agentcron logs RUN`).
 */
export function withRunLogs(log: Logger, directory: string, fields: Record<string, unknown> = {}): Logger {
  const write =
    (level: (typeof LEVELS)[number]) =>
    (message: string, extra: Record<string, unknown> = {}): void => {
      log[level](message, extra);
      const all = { ...fields, ...extra };
      if (typeof all.runId !== "string") return;
      const line = { level: level.toUpperCase(), message, timestamp: new Date().toISOString(), ...all };
      appendRunLogLine(directory, all.runId, JSON.stringify(line));
    };
  return {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (more) => withRunLogs(log.child(more), directory, { ...fields, ...more }),
  };
}
