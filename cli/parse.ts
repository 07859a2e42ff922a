import { RUN_STATUSES, type RunStatus } from "#core/runs/run-record.ts";
import { UsageError } from "./exit-codes.ts";

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * `--since`: a duration back from now (`90s`, `30m`, `1h`, `2d`, `1w`) or an ISO-8601 time
 * (`2026-11-22`, `2026-11-22T04:00:00Z`). Returns epoch milliseconds.
 * @throws UsageError saying which forms are accepted.
 */
export function parseSince(text: string, nowMs: number): number {
  const trimmed = text.trim();
  const relative = /^(\d+)\s*([smhdw])$/i.exec(trimmed);
  if (relative) {
    const [, amount = "0", unit = "m"] = relative;
    return nowMs - Number(amount) * (UNIT_MS[unit.toLowerCase()] ?? 0);
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(trimmed)) {
    // A date or time without a zone is read as UTC, like every time agentcron shows.
    const zoned = /T|\s/.test(trimmed) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) ? `${trimmed}Z` : trimmed;
    const ms = Date.parse(zoned.replace(" ", "T"));
    if (Number.isFinite(ms)) return ms;
  }
  throw new UsageError(
    `--since "${text}" is not a time: use a duration back from now (30m, 1h, 2d, 1w) or an ISO-8601 time (2026-11-22T04:00:00Z)`,
  );
}

/**
 * A whole number within bounds, for options such as `--limit`.
 * @throws UsageError naming the option.
 */
export function parseWholeNumber(text: string, option: string, bounds: { min: number; max: number }): number {
  const value = Number(text);
  if (
    !/^\d+$/.test(text.trim()) ||
    !Number.isSafeInteger(value) ||
    value < bounds.min ||
    value > bounds.max
  ) {
    throw new UsageError(
      `${option} must be a whole number from ${bounds.min} to ${bounds.max}, got "${text}"`,
    );
  }
  return value;
}

/**
 * `--status`: one run status.
 * @throws UsageError listing the statuses.
 */
export function parseRunStatus(text: string): RunStatus {
  if ((RUN_STATUSES as readonly string[]).includes(text)) return text as RunStatus;
  throw new UsageError(`--status "${text}" is not a run status; use one of: ${RUN_STATUSES.join(", ")}`);
}

export const QUEUE_ROLES = ["fires", "turns"] as const;
export type QueueRoleArgument = (typeof QUEUE_ROLES)[number];

/**
 * The `[fires|turns]` argument of the `dlq` commands: one queue, or both when omitted.
 * @throws UsageError for anything else.
 */
export function parseQueueRoles(text: string | undefined): QueueRoleArgument[] {
  if (text === undefined) return [...QUEUE_ROLES];
  if ((QUEUE_ROLES as readonly string[]).includes(text)) return [text as QueueRoleArgument];
  throw new UsageError(`"${text}" is not a queue; use fires or turns (or neither, for both)`);
}
