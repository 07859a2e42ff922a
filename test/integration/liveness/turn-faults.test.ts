import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getRun, getStats } from "#adapters/dynamodb/reads.ts";
import { ManualClock } from "#core/clock.ts";
import { runTurn, TurnNotBegunError } from "#core/turn/run-turn.ts";
import { createTurnHandler } from "#functions/handlers/turn-handler.ts";
import { demoJob } from "#test/support/fixtures.ts";
import { injectFaults } from "#test/support/injected-faults.ts";
import { advanceUntilSettled, InstantClock } from "#test/support/instant-clock.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";
import { fireAndHandOff, turnDepsOf } from "#test/support/turn-fixtures.ts";
import { waitUntil } from "#test/support/wait.ts";

// The turn under faults that escape the SDK's retries (DESIGN invariants 10 and 11): a run fails
// for its own reasons, never for a store error a retry would have fixed; a finished harness never
// has its outcome lost; no timer outlives the turn.

let env: TestEnvironment;
beforeAll(async () => {
  // Real timers (heartbeats), and a long visibility timeout, as in the stack (six function timeouts).
  env = await createTestEnvironment({ clock: "real", visibilityTimeoutSeconds: 600 });
});
afterAll(async () => env.destroy());

describe("a turn under transient faults", () => {
  it("retries throttled writes of its flight record and succeeds", async () => {
    // Prepare
    const message = await fireAndHandOff(env, demoJob({ id: "throttled-turn" }));
    const faults = injectFaults(env.clients.dynamodb, [
      { command: "TransactWriteItems", kind: "throttle", times: 4 },
    ]);
    // Act
    const outcome = await runTurn(message, turnDepsOf(env)).finally(faults.remove);
    // Assess
    expect(faults.injected).toHaveLength(4);
    expect(outcome).toMatchObject({ kind: "ended", status: "succeeded" });
    const run = await getRun(env.store.table, message.jobId, message.runId);
    expect(run).toMatchObject({ status: "succeeded", output: { summary: "done" } });
    expect(run?.error).toBeUndefined();
  });

  it("recognises its own finish that was applied but reported failed: the outcome is recorded once", async () => {
    // Prepare: the turn's transactions are begin, enter agent-turn, enter finalize, finish.
    const message = await fireAndHandOff(env, demoJob({ id: "ambiguous-finish" }));
    const faults = injectFaults(env.clients.dynamodb, [
      { command: "TransactWriteItems", kind: "applied-then-500", skip: 3, times: 1 },
    ]);
    // Act
    const outcome = await runTurn(message, turnDepsOf(env)).finally(faults.remove);
    // Assess
    expect(faults.injected).toHaveLength(1);
    expect(outcome).toMatchObject({ kind: "ended", status: "succeeded" });
    expect(await getStats(env.store.table, message.jobId)).toMatchObject({
      runsEnded: 1,
      lastStatus: "succeeded",
    });
  });

  it("fails with StoreUnavailableError, not a raw store error, when the store stays down past the step's budget", async () => {
    // Prepare: a two-minute outage starts with the first write after the run began; it covers the
    // writes and the heartbeats, so the run cannot prove it still holds its lease.
    const message = await fireAndHandOff(env, demoJob({ id: "store-down-mid-turn" }));
    const clock = new ManualClock(env.clock.now());
    let outageStartedAt: number | undefined;
    const down = () => {
      outageStartedAt ??= clock.now();
      return clock.now() < outageStartedAt + 120_000;
    };
    const faults = injectFaults(env.clients.dynamodb, [
      { command: "TransactWriteItems", kind: "throttle", skip: 1, when: down },
      { command: "UpdateItem", kind: "throttle", when: () => outageStartedAt !== undefined && down() },
    ]);
    const timing = { heartbeatIntervalMs: () => 20_000, graceMs: () => 1_000 };
    // Act
    const settled = await advanceUntilSettled(
      clock,
      runTurn(message, turnDepsOf(env, { clock, timing })),
      250,
    );
    faults.remove();
    // Assess: it stopped before its lease could expire, and recorded why once the store was back.
    expect(settled.value).toMatchObject({
      kind: "ended",
      status: "failed",
      error: { class: "StoreUnavailableError" },
    });
    const run = await getRun(env.store.table, message.jobId, message.runId);
    expect(run?.error?.message).toContain("the store was unavailable, not the agent");
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("a turn that cannot begin", () => {
  it("hands its message back to come again in seconds, not after the queue's visibility timeout", async () => {
    // Prepare: the run is queued and its message received, as the event source mapping would.
    await env.drain(env.queues.turnsQueueUrl);
    const message = await fireAndHandOff(env, demoJob({ id: "cannot-begin" }));
    const received = await receiveOne(env.queues.turnsQueueUrl);
    expect(JSON.parse(received.body).runId).toBe(message.runId);
    const handler = createTurnHandler(turnDepsOf(env, { clock: new InstantClock(env.clock.now()) }));
    const faults = injectFaults(env.clients.dynamodb, [{ command: "BatchGetItem", kind: "throttle" }]);
    // Act
    const response = await handler({ Records: [received] }).finally(faults.remove);
    // Assess: reported failed, and back on the queue after 5 s although its visibility was 600 s.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: received.messageId }]);
    let again: SQSRecord | undefined;
    await waitUntil(
      async () => {
        again = await receiveOne(env.queues.turnsQueueUrl, false);
        return again !== undefined;
      },
      120_000,
      "the turn message to come back",
    );
    expect(JSON.parse(again?.body ?? "{}").runId).toBe(message.runId);
    expect((await getRun(env.store.table, message.jobId, message.runId))?.status).toBe("queued");
  });

  it("throws TurnNotBegunError when the store stays down for its whole begin budget", async () => {
    const message = await fireAndHandOff(env, demoJob({ id: "not-begun" }));
    await env.drain(env.queues.turnsQueueUrl);
    const faults = injectFaults(env.clients.dynamodb, [{ command: "BatchGetItem", kind: "throttle" }]);
    const turn = runTurn(message, turnDepsOf(env, { clock: new InstantClock(env.clock.now()) }));
    await expect(turn.finally(faults.remove)).rejects.toBeInstanceOf(TurnNotBegunError);
  });
});

describe("no timer outlives a turn (DESIGN invariant 11)", () => {
  it.each([
    ["it ends normally", undefined],
    ["recording its outcome fails with an error no retry fixes", "permanent" as const],
  ])("leaves no heartbeat, deadline or watchdog behind when %s", async (_case, fault) => {
    // Prepare: a clock whose timers only fire when moved, so every timer the turn left is visible.
    const message = await fireAndHandOff(env, demoJob({ id: `timers-${fault ?? "ok"}` }));
    await env.drain(env.queues.turnsQueueUrl);
    const clock = new ManualClock(env.clock.now());
    const faults = injectFaults(
      env.clients.dynamodb,
      fault ? [{ command: "TransactWriteItems", kind: fault, skip: 3, times: 1 }] : [],
    );
    // Act
    const settled = await runTurn(message, turnDepsOf(env, { clock })).then(
      (outcome) => ({ outcome }),
      (error: unknown) => ({ error }),
    );
    faults.remove();
    // Assess
    expect("error" in settled).toBe(fault !== undefined);
    expect(clock.pendingTimers).toBe(0);
  });
});

async function receiveOne(queueUrl: string, required = true): Promise<SQSRecord> {
  const result = await env.clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 1,
      WaitTimeSeconds: required ? 2 : 0,
      MessageSystemAttributeNames: ["All"],
    }),
  );
  const message = result.Messages?.[0];
  if (!message) {
    if (required) throw new Error("no message on the queue");
    return undefined as unknown as SQSRecord;
  }
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? "1",
      SentTimestamp: message.Attributes?.SentTimestamp ?? "0",
      SenderId: "test",
      ApproximateFirstReceiveTimestamp: "0",
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:test",
    awsRegion: "us-east-1",
  };
}
