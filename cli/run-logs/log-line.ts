import type { Style } from "../output.ts";
import type { RunLogLine } from "./run-log-source.ts";

/** Fields every line carries, or that `logs RUN` already says: left out of the line's tail. */
const SAID_ELSEWHERE = new Set([
  "level",
  "message",
  "timestamp",
  "service",
  "sampling_rate",
  "xray_trace_id",
  "cold_start",
  "function_arn",
  "function_memory_size",
  "function_name",
  "function_request_id",
  "jobId",
  "runId",
]);

/** A line as read: its fields when it is a JSON object, and its time (`fallbackAt` without one). */
export function parseLogLine(text: string, fallbackAt: number): RunLogLine {
  let record: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      record = parsed as Record<string, unknown>;
  } catch {
    record = undefined;
  }
  const stamped = typeof record?.timestamp === "string" ? Date.parse(record.timestamp) : Number.NaN;
  return { at: Number.isNaN(stamped) ? fallbackAt : stamped, text, ...(record ? { record } : {}) };
}

/**
 * One line for a person: `HH:MM:SS.mmm LEVEL message key=value ...` for a JSON line (UTC, like
 * every time agentcron prints), the text as it is otherwise.
 */
export function formatLogLine(line: RunLogLine, style: Style): string {
  const time = new Date(line.at).toISOString().slice(11, 23);
  const record = line.record;
  if (!record || typeof record.message !== "string") return `${style.dim(time)} ${line.text}`;
  const level = String(record.level ?? "").toUpperCase();
  const paint =
    level === "ERROR"
      ? style.red
      : level === "WARN"
        ? style.yellow
        : level === "DEBUG"
          ? style.dim
          : (text: string) => text;
  const rest = Object.entries(record)
    .filter(([key, value]) => !SAID_ELSEWHERE.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  return [style.dim(time), paint(level.padEnd(5)), record.message, ...rest].join(" ");
}
