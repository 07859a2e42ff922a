import type { JobChange } from "#core/jobs/apply-jobs.ts";
import type { ScheduleChange, StoredJob } from "#core/ports.ts";
import type { Style } from "../output.ts";

const JOB_CHANGE_TEXT: Record<JobChange["kind"], { mark: string; text: string }> = {
  created: { mark: "+", text: "create" },
  updated: { mark: "~", text: "update" },
  unchanged: { mark: "=", text: "unchanged" },
  deleted: { mark: "-", text: "delete" },
  "not-in-set": { mark: "?", text: "stored but not in the file: kept (--prune deletes it)" },
};

/** The job lines of a plan: what is created, updated (which fields, from → to), kept or deleted. */
export function renderJobChanges(
  changes: readonly JobChange[],
  stored: readonly StoredJob[],
  style: Style,
  document?: unknown,
): string[] {
  if (changes.length === 0) return ["  (no jobs)"];
  const storedById = new Map(stored.map((job) => [job.jobId, job]));
  const specs = specsOf(document);
  const width = Math.max(...changes.map((change) => change.jobId.length));
  return changes.map((change) => {
    const { mark, text } = JOB_CHANGE_TEXT[change.kind];
    const paint =
      change.kind === "created"
        ? style.green
        : change.kind === "deleted"
          ? style.red
          : change.kind === "updated"
            ? style.yellow
            : style.dim;
    let detail = text;
    if (change.kind === "created") detail = `create (v1)`;
    if (change.kind === "unchanged") detail = `unchanged (v${change.fromVersion})`;
    if (change.kind === "deleted") detail = `delete (v${change.fromVersion})`;
    if (change.kind === "updated") {
      const before = storedById.get(change.jobId)?.spec as Record<string, unknown> | undefined;
      const after = specs.get(change.jobId);
      const fields = (change.changedFields ?? []).map((field) =>
        describeFieldChange(field, before?.[field], after?.[field]),
      );
      detail = `update v${change.fromVersion} → v${change.toVersion}: ${fields.join(", ")}`;
    }
    return `  ${paint(`${mark} ${change.jobId.padEnd(width)}`)}  ${detail}`;
  });
}

function specsOf(document: unknown): Map<string, Record<string, unknown>> {
  const list = Array.isArray(document) ? document : (document as { jobs?: unknown } | null)?.jobs;
  if (!Array.isArray(list)) return new Map();
  return new Map(
    list
      .filter((spec): spec is Record<string, unknown> => typeof spec === "object" && spec !== null)
      .map((spec) => [String(spec.id), spec]),
  );
}

/** `schedule "rate(2 minutes)" → "rate(5 minutes)"` when both sides are short, else just the field. */
function describeFieldChange(field: string, before: unknown, after: unknown): string {
  const show = (value: unknown) => (value === undefined ? "(default)" : JSON.stringify(value));
  const from = show(before);
  const to = show(after);
  return from.length + to.length <= 80 ? `${field} ${from} → ${to}` : field;
}

const SCHEDULE_TEXT: Record<ScheduleChange["action"], string> = {
  created: "create",
  updated: "update",
  enabled: "enable",
  disabled: "disable",
  deleted: "delete",
  unchanged: "unchanged",
};

export function renderScheduleChanges(changes: readonly ScheduleChange[], style: Style): string[] {
  if (changes.length === 0) return ["  (no rules)"];
  const sorted = [...changes].sort((a, b) => (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
  const width = Math.max(...changes.map((change) => change.ruleName.length));
  return sorted.map((change) => {
    const text = SCHEDULE_TEXT[change.action];
    const mark = { created: "+", updated: "~", enabled: "~", disabled: "~", deleted: "-", unchanged: "=" }[
      change.action
    ];
    const paint =
      change.action === "unchanged" ? style.dim : change.action === "deleted" ? style.red : style.yellow;
    return `  ${paint(`${mark} ${change.ruleName.padEnd(width)}`)}  ${text}${change.action === "unchanged" ? "" : ` (job ${change.jobId})`}`;
  });
}
