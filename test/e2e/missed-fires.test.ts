import { DeleteItemCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attributeValues } from "#adapters/dynamodb/expressions.ts";
import { keys } from "#adapters/dynamodb/keys.ts";
import { collectItems, partitionItems } from "#adapters/dynamodb/partition-items.ts";
import { waitUntil } from "#test/support/wait.ts";
import { demoJob, startTestRuntime, type TestRuntime } from "./support/local-runtime.ts";

// The dead man's switch in the local runtime, in real time: a job's local rule (EventBridge's
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
});
