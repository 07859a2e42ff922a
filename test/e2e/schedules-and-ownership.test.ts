import { DeleteItemCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attributeValues } from "#adapters/dynamodb/expressions.ts";
import { keys } from "#adapters/dynamodb/keys.ts";
import { collectItems, partitionItems } from "#adapters/dynamodb/partition-items.ts";
import { waitUntil } from "#test/support/wait.ts";
import { demoJob, startTestRuntime, type TestRuntime } from "./support/local-runtime.ts";

// Schedules in the local runtime, in real time. The dead man's switch: a job's local rule (EventBridge's
// stand-in) is deleted behind the system's back; the sweeper records the fire that never comes as
// missed within its grace, doctor names the job, and doctor --repair brings the rule back.
let local: TestRuntime;
beforeAll(async () => {
  local = await startTestRuntime();
});
afterAll(async () => {
  await local?.stop();
});

/** A minute's period plus its one-minute start deadline and the 30 s margin, plus room for a slow machine. */
const DETECTION_LIMIT_MS = 270_000;

describe("a fire that never comes, in the local runtime", () => {
  it(
    "is recorded as missed within the grace when the job's rule is deleted, and doctor --repair re-creates the rule",
    async () => {
      // Prepare
      const table = local.runtime.deps.store.table;
      const file = local.writeJobs("jobs.json", [
        demoJob({ id: "watched", schedule: "rate(1 minute)", startDeadlineSeconds: 60 }),
      ]);
      const applied = await local.cli(["jobs", "apply", "-f", file, "--yes"]);

      // Act: delete the rule behind the system's back
      await table.client.send(
        new DeleteItemCommand({
          TableName: table.tableName,
          Key: attributeValues(keys.localRule("watched")),
        }),
      );
      let missed: Record<string, unknown> | undefined;
      await waitUntil(
        async () => {
          const fires = await collectItems(
            partitionItems(table, keys.fire("watched", "x").pk, { prefix: "FIRE#" }),
          );
          missed = fires.find((fire) => fire.outcome === "missed");
          return missed !== undefined;
        },
        DETECTION_LIMIT_MS,
        "a missed fire for job watched",
      );
      const doctor = await local.cli(["doctor"]);
      const repaired = await local.cli(["doctor", "--repair"]);
      const rule = await table.client.send(
        new GetItemCommand({ TableName: table.tableName, Key: attributeValues(keys.localRule("watched")) }),
      );

      // Assess
      expect(applied.code).toBe(0);
      expect(missed).toMatchObject({ outcome: "missed", reason: "never-arrived", scheduleState: "missing" });
      // Recorded only once its 90 s grace (the 60 s start deadline + 30 s) had passed.
      expect(Number(missed?.receivedAt) - Number(missed?.scheduledAt)).toBeGreaterThanOrEqual(90_000);
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toContain("job watched missed a fire");
      expect(doctor.stdout).toContain("its schedule was missing");
      expect(repaired.stdout).toContain("local-watched created");
      expect(rule.Item).toBeDefined();
    },
    DETECTION_LIMIT_MS + 60_000,
  );

  it("jobs delete refuses without --yes off a terminal, then deletes the job and its rule; apply --prune will not empty the table", async () => {
    // Prepare
    const file = local.writeJobs("two.json", [demoJob({ id: "keep-me" }), demoJob({ id: "drop-me" })]);
    await local.cli(["jobs", "apply", "-f", file, "--yes"]);
    const empty = local.writeJobs("empty.json", []);

    // Act
    const unconfirmed = await local.cli(["jobs", "delete", "drop-me"]);
    const deleted = await local.cli(["jobs", "delete", "drop-me", "--yes"]);
    const emptied = await local.cli(["jobs", "apply", "-f", empty, "--prune", "--yes"]);
    const listed = await local.cli(["--json", "jobs", "list"]);

    // Assess
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("Pass --yes to delete it");
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain("Job drop-me deleted");
    expect(deleted.stdout).toContain("rule local-drop-me deleted");
    expect(emptied.code).toBe(2);
    expect(emptied.stderr).toContain("refusing to delete every job");
    expect(
      (listed.json as { jobs: { jobId?: string; id?: string }[] }).jobs.map((job) => job.jobId ?? job.id),
    ).toContain("keep-me");
    expect(JSON.stringify(listed.json)).not.toContain("drop-me");
  });
});
