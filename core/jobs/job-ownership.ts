import type { JobOwnership, StoredJob } from "../ports.ts";

/**
 * One owner per job. The jobs file (deployed by `cdk deploy`, applied by `npm start`) owns the jobs
 * it lists: they are stored `managedBy: "file"`, and only those are pruned when they leave the
 * file. A job applied with `agentcron jobs apply` is `managedBy: "cli"`, and a deploy never deletes
 * it. Whoever applied a job last owns it.
 *
 * An operator's `jobs pause` / `jobs resume` of a file job is recorded with the `enabled` the file
 * said at the time; applying the file again keeps the operator's choice until the file itself
 * changes that job's `enabled` (then the file wins and the override is dropped).
 */
export type JobSource = "file" | "cli";

export interface OwnedSpec {
  readonly spec: StoredJob["spec"];
  readonly ownership: JobOwnership;
}

const enabledOf = (spec: { enabled?: unknown }): boolean => spec.enabled !== false;

/**
 * The spec to store for `spec` applied from `source` over `stored`, and the ownership to store
 * with it: from the file, an operator's pause or resume of the stored job is kept while the file's
 * `enabled` is still what it was when the operator chose.
 */
export function ownedSpecOf(
  spec: StoredJob["spec"],
  stored: StoredJob | undefined,
  source: JobSource,
): OwnedSpec {
  if (source === "cli") return { spec, ownership: { managedBy: "cli" } };
  const override = stored?.operatorEnabled;
  if (override && stored?.managedBy === "file" && enabledOf(spec) === override.fileEnabled) {
    return {
      spec: { ...spec, enabled: override.enabled },
      ownership: { managedBy: "file", operatorEnabled: override },
    };
  }
  return { spec, ownership: { managedBy: "file" } };
}

/** Whether a deploy of the file (`source` file) or a CLI apply with --prune may delete `stored`. */
export function prunableBy(stored: StoredJob, source: JobSource): boolean {
  return source === "cli" || stored.managedBy === "file";
}

/**
 * The ownership to store when an operator sets `enabled` on `stored`: for a file job, the choice
 * and the file's own `enabled` at this moment (so the file applied again keeps it).
 */
export function ownershipAfterOperatorChoice(
  stored: StoredJob,
  enabled: boolean,
  nowMs: number,
): JobOwnership {
  if (stored.managedBy !== "file") return stored.managedBy ? { managedBy: stored.managedBy } : {};
  const fileEnabled = stored.operatorEnabled?.fileEnabled ?? enabledOf(stored.spec);
  return enabled === fileEnabled
    ? { managedBy: "file" } // back to what the file says: nothing to keep
    : { managedBy: "file", operatorEnabled: { enabled, fileEnabled, at: nowMs } };
}

export function sameOwnership(a: JobOwnership, b: JobOwnership): boolean {
  return (
    a.managedBy === b.managedBy &&
    a.operatorEnabled?.enabled === b.operatorEnabled?.enabled &&
    a.operatorEnabled?.fileEnabled === b.operatorEnabled?.fileEnabled
  );
}
