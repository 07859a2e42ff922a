import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTableSchedules, listLocalRules } from "#adapters/local-schedules/table-schedules.ts";
import { JobValidationError } from "#core/errors.ts";
import { applyJobs } from "#core/jobs/apply-jobs.ts";
import { demoJob, storeJob } from "#test/support/fixtures.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";

let env: TestEnvironment;
beforeAll(async () => {
  env = await createTestEnvironment();
});
afterAll(async () => env.destroy());

const deps = () => ({ jobs: env.store.jobs, clock: env.clock, validation: env.validation });

describe("applying a job set", () => {
  it("stores new jobs at version 1, bumps changed ones, and changes nothing when applied twice", async () => {
    // Prepare
    const set = {
      jobs: [demoJob({ id: "alpha" }), demoJob({ id: "beta", schedule: "cron(0 9 ? * MON-FRI *)" })],
    };
    // Act
    const first = await applyJobs(set, deps());
    const second = await applyJobs(set, deps());
    env.clock.advance(1000);
    const changed = await applyJobs(
      { jobs: [demoJob({ id: "alpha", overlap: "skip" }), set.jobs[1]] },
      deps(),
    );
    // Assess
    expect(first.changes.map((change) => `${change.jobId}:${change.kind}`)).toEqual([
      "alpha:created",
      "beta:created",
    ]);
    expect(second.changes.map((change) => change.kind)).toEqual(["unchanged", "unchanged"]);
    expect(changed.changes[0]).toEqual({
      jobId: "alpha",
      kind: "updated",
      changedFields: ["overlap"],
      fromVersion: 1,
      toVersion: 2,
    });
    const alpha = await env.store.jobs.getJob("alpha");
    expect(alpha).toMatchObject({ version: 2, spec: { overlap: "skip" } });
    expect(alpha?.updatedAt).toBeGreaterThan(alpha?.createdAt ?? Number.POSITIVE_INFINITY);
  });

  it("applies nothing from a set with any invalid job, and lists every problem with its path", async () => {
    // Prepare
    const before = await env.store.jobs.listJobs();
    const set = {
      jobs: [
        demoJob({ id: "gamma" }),
        demoJob({ id: "delta", schedule: "cron(61 * * * ? *)" }),
        { ...demoJob({ id: "gamma" }), agent: { harness: "missing", prompt: "x" } },
        demoJob({ id: "epsilon", maxRunSeconds: 5 }),
      ],
    };
    // Act
    const error = await applyJobs(set, deps()).catch((caught: unknown) => caught);
    // Assess
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).issues.map((issue) => issue.path)).toEqual([
      "jobs[1].schedule",
      "jobs[2].agent.harness",
      "jobs[2].id",
      "jobs[3].maxRunSeconds",
    ]);
    expect(await env.store.jobs.listJobs()).toEqual(before);
  });

  it("deletes jobs missing from the set only with prune", async () => {
    // Act
    const kept = await applyJobs({ jobs: [demoJob({ id: "alpha", overlap: "skip" })] }, deps());
    const pruned = await applyJobs({ jobs: [demoJob({ id: "alpha", overlap: "skip" })] }, deps(), {
      prune: true,
    });
    // Assess
    expect(kept.changes.find((change) => change.jobId === "beta")?.kind).toBe("not-in-set");
    expect(pruned.changes.find((change) => change.jobId === "beta")?.kind).toBe("deleted");
    expect((await env.store.jobs.listJobs()).map((job) => job.jobId)).toEqual(["alpha"]);
  });
});

describe("applying a job set with schedules", () => {
  it("keeps the schedule of a stored job left out of the set even when it no longer validates, so its runs keep failing loudly", async () => {
    // Prepare: a job stored earlier that names a harness this build does not register.
    const schedules = createTableSchedules(env.store.table, env.clock);
    const withSchedules = { ...deps(), schedules };
    await applyJobs({ jobs: [demoJob({ id: "kept-a" })] }, withSchedules);
    await storeJob(env, { ...demoJob({ id: "orphan-harness" }), agent: { harness: "gone", prompt: "x" } });
    await schedules.reconcile([
      { id: "orphan-harness", schedule: "rate(5 minutes)", enabled: true },
      { id: "kept-a", schedule: "rate(5 minutes)", enabled: true },
    ]);
    // Act: apply a set that does not mention it (no prune).
    const report = await applyJobs({ jobs: [demoJob({ id: "kept-a", overlap: "skip" })] }, withSchedules);
    // Assess
    expect(report.schedules?.find((change) => change.jobId === "orphan-harness")?.action).toBe("unchanged");
    expect((await listLocalRules(env.store.table)).map((rule) => rule.jobId)).toContain("orphan-harness");
  });
});
