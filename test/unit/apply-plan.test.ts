import { describe, expect, it } from "vitest";
import { planJobChanges } from "#core/jobs/apply-jobs.ts";
import { canonicalJson } from "#core/jobs/canonical-json.ts";
import type { StoredJob } from "#core/ports.ts";

function stored(spec: Record<string, unknown>, version = 1): StoredJob {
  return {
    jobId: String(spec.id),
    spec: spec as StoredJob["spec"],
    version,
    specHash: "",
    createdAt: 0,
    updatedAt: 0,
  };
}

describe("planning a job set", () => {
  const a = { id: "a", schedule: "rate(1 hour)", agent: { harness: "demo", prompt: "x" } };
  it("reports created, updated (with the fields), unchanged and jobs left out of the set", () => {
    const changes = planJobChanges(
      [
        a,
        { id: "b", schedule: "rate(5 minutes)", agent: { harness: "demo", prompt: "new" } },
        { id: "c", schedule: "rate(1 day)", agent: { harness: "demo", prompt: "x" } },
      ],
      [
        stored({ agent: { prompt: "x", harness: "demo" }, schedule: "rate(1 hour)", id: "a" }, 3),
        stored({ id: "b", schedule: "rate(1 hour)", agent: { harness: "demo", prompt: "old" } }, 2),
        stored({ id: "z", schedule: "rate(1 day)", agent: { harness: "demo", prompt: "x" } }),
      ],
      { prune: false },
    );
    expect(changes).toEqual([
      { jobId: "a", kind: "unchanged", fromVersion: 3, toVersion: 3 },
      { jobId: "b", kind: "updated", changedFields: ["agent", "schedule"], fromVersion: 2, toVersion: 3 },
      { jobId: "c", kind: "created", toVersion: 1 },
      { jobId: "z", kind: "not-in-set", fromVersion: 1 },
    ]);
  });

  it("deletes jobs left out of the set only when pruning", () => {
    const changes = planJobChanges([], [stored(a)], { prune: true });
    expect(changes).toEqual([{ jobId: "a", kind: "deleted", fromVersion: 1 }]);
  });

  it("serialises equal specs equally whatever their key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"e":3,"f":2}]},"b":1}',
    );
  });
});
