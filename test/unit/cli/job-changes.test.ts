import { describe, expect, it } from "vitest";
import type { StoredJob } from "#core/ports.ts";
import { createStyle } from "../../../cli/output.ts";
import { renderJobChanges, renderScheduleChanges } from "../../../cli/render/apply-plan.ts";

const style = createStyle(false);
const stored = (jobId: string, spec: Record<string, unknown>, version: number): StoredJob => ({
  jobId,
  spec: { id: jobId, schedule: "rate(5 minutes)", agent: { harness: "demo", prompt: "x" }, ...spec },
  version,
  specHash: "h",
  createdAt: 0,
  updatedAt: 0,
});

describe("the apply plan", () => {
  it("shows each job's change: created, updated with each field from → to, unchanged, deleted, kept", () => {
    // Prepare
    const document = {
      jobs: [
        { id: "new-job", schedule: "rate(1 hour)" },
        { id: "seo", schedule: "rate(2 minutes)", agent: { harness: "demo", prompt: "y" } },
      ],
    };
    // Act
    const lines = renderJobChanges(
      [
        { jobId: "new-job", kind: "created", toVersion: 1 },
        { jobId: "old", kind: "deleted", fromVersion: 4 },
        { jobId: "seo", kind: "updated", changedFields: ["agent", "schedule"], fromVersion: 2, toVersion: 3 },
        { jobId: "stay", kind: "unchanged", fromVersion: 7, toVersion: 7 },
        { jobId: "legacy", kind: "not-in-set", fromVersion: 1 },
      ],
      [stored("seo", {}, 2), stored("old", {}, 4), stored("stay", {}, 7), stored("legacy", {}, 1)],
      style,
      document,
    );
    // Assess
    expect(lines).toEqual([
      "  + new-job  create (v1)",
      "  - old      delete (v4)",
      '  ~ seo      update v2 → v3: agent {"harness":"demo","prompt":"x"} → {"harness":"demo","prompt":"y"}, schedule "rate(5 minutes)" → "rate(2 minutes)"',
      "  = stay     unchanged (v7)",
      "  ? legacy   stored but not in the file: kept (--prune deletes it)",
    ]);
  });

  it("shows each schedule rule's change, ordered by job", () => {
    const lines = renderScheduleChanges(
      [
        { jobId: "seo", ruleName: "ac-dev-seo", action: "disabled" },
        { jobId: "inbox", ruleName: "ac-dev-inbox", action: "unchanged" },
        { jobId: "new-job", ruleName: "ac-dev-new-job", action: "created" },
      ],
      style,
    );
    expect(lines).toEqual([
      "  = ac-dev-inbox    unchanged",
      "  + ac-dev-new-job  create (job new-job)",
      "  ~ ac-dev-seo      disable (job seo)",
    ]);
  });
});
