import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTableSchedules, listLocalRules } from "#adapters/local-schedules/table-schedules.ts";
import { applyJobs, EmptyJobSetError } from "#core/jobs/apply-jobs.ts";
import { deleteJob, setJobEnabled } from "#core/jobs/operator-commands.ts";
import { demoJob } from "#test/support/fixtures.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";

// One owner per job, against DynamoDB Local: what the jobs file applies (npm start, cdk deploy)
// and what an operator does with the CLI must not undo each other.
let env: TestEnvironment;
beforeAll(async () => {
  env = await createTestEnvironment();
});
afterAll(async () => env.destroy());

const deps = () => ({
  jobs: env.store.jobs,
  clock: env.clock,
  validation: env.validation,
  schedules: createTableSchedules(env.store.table, env.clock),
});
const applyFile = (jobs: Record<string, unknown>[]) =>
  applyJobs({ jobs }, deps(), { source: "file", prune: true, allowEmpty: true });
const applyCli = (jobs: Record<string, unknown>[], options: { prune?: boolean; allowEmpty?: boolean } = {}) =>
  applyJobs({ jobs }, deps(), { source: "cli", ...options });
const stored = async (jobId: string) => env.store.jobs.getJob(jobId);
const rules = async () => new Map((await listLocalRules(env.store.table)).map((rule) => [rule.jobId, rule]));

describe("jobs from the file and jobs from the CLI", () => {
  it("prunes only the file's own jobs when they leave the file, never a job applied with the CLI", async () => {
    // Prepare
    await applyFile([demoJob({ id: "file-a" }), demoJob({ id: "file-b" })]);
    await applyCli([demoJob({ id: "cli-c" })]);

    // Act
    const report = await applyFile([demoJob({ id: "file-a" })]);

    // Assess
    expect(report.changes.map((change) => `${change.jobId}:${change.kind}`)).toEqual([
      "cli-c:not-in-set",
      "file-a:unchanged",
      "file-b:deleted",
    ]);
    expect(await stored("file-a")).toMatchObject({ managedBy: "file" });
    expect(await stored("cli-c")).toMatchObject({ managedBy: "cli" });
    expect(await stored("file-b")).toBeUndefined();
    expect([...(await rules()).keys()].sort()).toEqual(["cli-c", "file-a"]);
  });

  it("re-creates a schedule deleted behind its back on every apply, even when no job changed", async () => {
    // Prepare
    await applyFile([demoJob({ id: "file-a" })]);
    await env.store.table.client.send(
      new (await import("@aws-sdk/client-dynamodb")).DeleteItemCommand({
        TableName: env.tableName,
        Key: { pk: { S: "LOCAL-RULES" }, sk: { S: "RULE#file-a" } },
      }),
    );

    // Act
    const report = await applyFile([demoJob({ id: "file-a" })]);

    // Assess
    expect(report.changes.find((change) => change.jobId === "file-a")?.kind).toBe("unchanged");
    expect(report.schedules?.find((change) => change.jobId === "file-a")?.action).toBe("created");
    expect((await rules()).has("file-a")).toBe(true);
  });

  it("adopts a job the file lists that was applied with the CLI, without a new version", async () => {
    await applyCli([demoJob({ id: "adopted" })]);
    const before = await stored("adopted");

    await applyFile([demoJob({ id: "file-a" }), demoJob({ id: "adopted" })]);

    expect(await stored("adopted")).toMatchObject({ managedBy: "file", version: before?.version });
  });
});

describe("an operator's pause or resume of a file job", () => {
  it("survives the file applied again (a restart, a deploy) until the file changes that job's enabled", async () => {
    // Prepare
    await applyFile([demoJob({ id: "nightly" })]);
    const job = await stored("nightly");
    if (!job) throw new Error("expected the job");

    // Act
    const paused = await setJobEnabled(job, false, deps());
    const restart = await applyFile([demoJob({ id: "nightly" })]);
    const afterRestart = await stored("nightly");
    const ruleAfterRestart = (await rules()).get("nightly");
    // The file now pauses it itself, then enables it again: the file's own change wins.
    await applyFile([demoJob({ id: "nightly", enabled: false })]);
    await applyFile([demoJob({ id: "nightly" })]);
    const afterFileChanges = await stored("nightly");

    // Assess
    expect(paused).toMatchObject({ changed: true, schedule: { action: "disabled" } });
    expect(restart.changes.find((change) => change.jobId === "nightly")).toMatchObject({
      kind: "unchanged",
      keptOperatorEnabled: true,
    });
    expect(afterRestart?.spec.enabled).toBe(false);
    expect(ruleAfterRestart?.enabled).toBe(false);
    expect((await rules()).get("nightly")?.enabled).toBe(true);
    expect(afterFileChanges?.spec.enabled).toBeUndefined();
    expect(afterFileChanges?.operatorEnabled).toBeUndefined();
  });

  it("a resume of a job the file pauses sticks the same way", async () => {
    await applyFile([demoJob({ id: "paused-in-file", enabled: false })]);
    const job = await stored("paused-in-file");
    if (!job) throw new Error("expected the job");

    await setJobEnabled(job, true, deps());
    await applyFile([demoJob({ id: "paused-in-file", enabled: false })]);

    expect((await stored("paused-in-file"))?.spec.enabled).toBe(true);
    expect((await rules()).get("paused-in-file")?.enabled).toBe(true);
  });
});

describe("deleting jobs", () => {
  it("jobs delete removes the job and its schedule", async () => {
    await applyCli([demoJob({ id: "doomed" })]);
    const job = await stored("doomed");
    if (!job) throw new Error("expected the job");

    const schedule = await deleteJob(job, deps());

    expect(schedule).toMatchObject({ jobId: "doomed", action: "deleted" });
    expect(await stored("doomed")).toBeUndefined();
    expect((await rules()).has("doomed")).toBe(false);
  });

  it("apply --prune with an empty set refuses to delete every job unless allowed, and deletes nothing", async () => {
    // Prepare
    const before = (await env.store.jobs.listJobs()).map((job) => job.jobId).sort();

    // Act
    const refused = await applyCli([], { prune: true }).catch((error: unknown) => error);
    const after = (await env.store.jobs.listJobs()).map((job) => job.jobId).sort();
    await applyCli([], { prune: true, allowEmpty: true });

    // Assess
    expect(refused).toBeInstanceOf(EmptyJobSetError);
    expect((refused as Error).message).toMatch(/refusing to delete every job \(\d+\).*--allow-empty/);
    expect(after).toEqual(before);
    expect(await env.store.jobs.listJobs()).toEqual([]);
  });
});
