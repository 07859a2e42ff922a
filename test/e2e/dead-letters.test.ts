import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queueDepth } from "#adapters/sqs/dead-letter-operations.ts";
import { waitUntil } from "#test/support/wait.ts";
import { startTestRuntime, type TestRuntime } from "./support/local-runtime.ts";

let local: TestRuntime;
let sqs: SQSClient;
beforeAll(async () => {
  local = await startTestRuntime();
  sqs = new SQSClient({
    endpoint: local.runtime.state.sqsEndpoint,
    region: local.runtime.state.region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    useQueueUrlAsEndpoint: false,
  });
});
afterAll(async () => {
  sqs?.destroy();
  await local?.stop();
});

const firesQueueUrl = () => local.runtime.state.queues.firesQueueUrl;
const firesDlqUrl = () => local.runtime.state.queues.firesDlqUrl;
const poisonFire = (n: number) =>
  JSON.stringify({ version: 1, jobId: `Inbox Triage ${n}`, scheduledAt: "yesterday" });

describe("agentcron dlq against the local runtime", () => {
  it("redrive --include-rejected moves two rejected fires back once each, and they come back rejected", async () => {
    // Prepare: two poison fires, which dispatch rejects into the fires DLQ.
    for (const n of [1, 2]) {
      await sqs.send(new SendMessageCommand({ QueueUrl: firesQueueUrl(), MessageBody: poisonFire(n) }));
    }
    await waitUntil(async () => (await queueDepth(sqs, firesDlqUrl())) === 2, 30_000, "two rejected fires");

    // Act
    const result = await local.cli(["dlq", "redrive", "fires", "--include-rejected"]);

    // Assess: "moved 2", not "moved 1000" — and dispatch rejects them straight back.
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^fires: moved 2 messages back to the fires queue; \d+ left in the DLQ\.$/m,
    );
    await waitUntil(
      async () =>
        (await queueDepth(sqs, firesDlqUrl())) === 2 && (await queueDepth(sqs, firesQueueUrl())) === 0,
      30_000,
      "the redriven fires to be rejected again",
    );
    const listed = await local.cli(["dlq", "list", "fires"]);
    expect(listed.stdout).toContain("fires DLQ: 2 messages");
    expect(listed.stdout).toMatch(/rejected by dispatch/);
  });

  it("purge refuses without a terminal or --yes, and with --yes deletes the dead letters", async () => {
    // Prepare: the two rejected fires of the test before are still there.
    await waitUntil(async () => (await queueDepth(sqs, firesDlqUrl())) === 2, 30_000, "two dead letters");

    // Act
    const refused = await local.cli(["dlq", "purge", "fires"]);
    const kept = await queueDepth(sqs, firesDlqUrl());
    const purged = await local.cli(["dlq", "purge", "fires", "--yes"]);

    // Assess
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      "not purging without a confirmation: stdin is not a terminal. Pass --yes",
    );
    expect(kept).toBe(2);
    expect(purged.code).toBe(0);
    expect(purged.stdout).toContain("fires: deleted 2 dead letters; 0 left in the DLQ.");
    expect(await queueDepth(sqs, firesDlqUrl())).toBe(0);
  });
});
