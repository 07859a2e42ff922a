import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attributeValues } from "#adapters/dynamodb/expressions.ts";
import { keys } from "#adapters/dynamodb/keys.ts";
import { getLease, getRun, getStats, listRuns } from "#adapters/dynamodb/reads.ts";
import { dispatchFire } from "#core/fires/dispatch-fire.ts";
import { sweep } from "#core/sweep/sweep.ts";
import { runTurn } from "#core/turn/run-turn.ts";
import { createDispatchHandler } from "#functions/handlers/dispatch-handler.ts";
import {
  demoJob,
  dispatchDepsOf,
  manualFire,
  scheduledFire,
  storeJob,
  sweepDepsOf,
} from "#test/support/fixtures.ts";
import { createTestEnvironment, sqsEventOf, type TestEnvironment } from "#test/support/test-environment.ts";
import { fireAndHandOff, fireAndRunTurn, turnDepsOf } from "#test/support/turn-fixtures.ts";
import { PROMPTLY_MS, waitUntil } from "#test/support/wait.ts";

let env: TestEnvironment;
beforeAll(async () => {
  env = await createTestEnvironment({ clock: "real" });
});
afterAll(async () => env.destroy());

describe("a turn", () => {
  it("takes a run through every phase, stores its outcome and releases the job", async () => {
    // Act
    const { message, outcome } = await fireAndRunTurn(
      env,
      demoJob({
        id: "happy",
        agent: {
          harness: "demo",
          prompt: "Summarise",
          options: { output: "Summary of {jobId}", delayMs: 50 },
        },
      }),
    );
    // Assess
    expect(outcome).toEqual({ kind: "ended", status: "succeeded", error: undefined });
    const run = await getRun(env.store.table, message.jobId, message.runId);
    expect(run).toMatchObject({
      status: "succeeded",
      leaseToken: 1,
      output: { summary: "Summary of happy", truncated: false },
      provider: "demo",
      toolCalls: 0,
    });
    expect(Object.keys(run?.phases ?? {}).sort()).toEqual(["agent-turn", "finalize", "setup"]);
    for (const phase of Object.values(run?.phases ?? {})) {
      expect(phase).toMatchObject({ outcome: "ok" });
      expect(phase.endedAt).toBeGreaterThanOrEqual(phase.startedAt);
      expect(phase.deadlineAt).toBeGreaterThan(phase.startedAt);
    }
    expect((await getLease(env.store.table, message.jobId))?.holderRunId).toBeUndefined();
    expect(await getStats(env.store.table, message.jobId)).toMatchObject({
      lastStatus: "succeeded",
      runsEnded: 1,
    });
    expect(
      env.events.published.filter((event) => event.runId === message.runId).map((event) => event.type),
    ).toEqual(["run.started", "run.succeeded"]);
    expect(env.metrics.total("PhaseDuration", "happy")).toBeGreaterThan(0);
  });

  it("does nothing with a redelivered message for a run that already ended", async () => {
    // Prepare
    const { message } = await fireAndRunTurn(env, demoJob({ id: "redelivered" }));
    const before = await getRun(env.store.table, message.jobId, message.runId);
    // Act
    const again = await runTurn(message, turnDepsOf(env));
    // Assess
    expect(again.kind).toBe("ignored");
    expect(await getRun(env.store.table, message.jobId, message.runId)).toEqual(before);
  });

  it("fails a run whose stored job names an unregistered harness with HarnessNotRegisteredError, a metric and a run record", async () => {
    // Act
    const { message, outcome } = await fireAndRunTurn(env, {
      ...demoJob({ id: "no-harness" }),
      agent: { harness: "claude-code-v9", prompt: "Do it" },
    });
    // Assess
    expect(outcome).toMatchObject({
      kind: "ended",
      status: "failed",
      error: { class: "HarnessNotRegisteredError" },
    });
    const run = await getRun(env.store.table, message.jobId, message.runId);
    expect(run?.error).toMatchObject({ class: "HarnessNotRegisteredError", phase: "setup" });
    expect(run?.error?.message).toContain('harness "claude-code-v9" (job no-harness) is not registered');
    expect(env.metrics.total("HarnessNotRegistered", "no-harness")).toBe(1);
  });

  it("records a failing harness as failed with its error, and counts it in the failure rate", async () => {
    const { message, outcome } = await fireAndRunTurn(
      env,
      demoJob({
        id: "failing",
        agent: { harness: "demo", prompt: "x", options: { fail: "model overloaded" } },
      }),
    );
    expect(outcome).toMatchObject({
      kind: "ended",
      status: "failed",
      error: { class: "HarnessFailedError", phase: "agent-turn" },
    });
    expect(await getStats(env.store.table, message.jobId)).toMatchObject({
      failureRate: 1,
      consecutiveFailures: 1,
    });
  });

  it("stops at the agent-turn timeout, keeps the partial output and records timed-out", async () => {
    const { message, outcome } = await fireAndRunTurn(
      env,
      demoJob({
        id: "slow-agent",
        timeouts: { agentTurnSeconds: 1 },
        agent: { harness: "demo", prompt: "x", options: { delayMs: 30_000 } },
      }),
    );
    expect(outcome).toMatchObject({
      kind: "ended",
      status: "timed-out",
      error: { class: "PhaseTimeoutError", phase: "agent-turn" },
    });
    const run = await getRun(env.store.table, message.jobId, message.runId);
    expect(run?.phases["agent-turn"]?.outcome).toBe("timed-out");
    // Stopped at its 1 s timeout, not after the agent's 30 s: the bound leaves a busy machine its
    // seconds of delay (a 1.5 s bound would fail whenever the event loop is held up half a second).
    expect(
      (run?.phases["agent-turn"]?.endedAt ?? 0) - (run?.phases["agent-turn"]?.startedAt ?? 0),
    ).toBeLessThan(PROMPTLY_MS);
  });

  it("stops when it loses its lease mid-turn and writes nothing over the new holder", async () => {
    // Prepare: a long turn; another acquirer bumps the token while it runs.
    const message = await fireAndHandOff(
      env,
      // An agent far longer than the test: only the lost lease can end it.
      demoJob({ id: "lost-lease", agent: { harness: "demo", prompt: "x", options: { delayMs: 300_000 } } }),
    );
    const turn = runTurn(message, turnDepsOf(env));
    await waitUntil(
      async () => (await getRun(env.store.table, message.jobId, message.runId))?.phase === "agent-turn",
      30_000,
      "the agent turn",
    );
    await env.clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: env.tableName,
        Key: attributeValues(keys.lease(message.jobId)),
        UpdateExpression: "SET holderRunId = :other, #token = #token + :one",
        ExpressionAttributeNames: { "#token": "token" },
        ExpressionAttributeValues: attributeValues({ ":other": "01NEWHOLDER000000000000000", ":one": 1 }),
      }),
    );
    // Act
    const outcome = await turn;
    // Assess
    expect(outcome).toEqual({ kind: "lease-lost" });
    const lease = await getLease(env.store.table, message.jobId);
    expect(lease).toMatchObject({ holderRunId: "01NEWHOLDER000000000000000", token: 2 });
    const run = await getRun(env.store.table, message.jobId, message.runId);
    expect(run?.status).toBe("running");
    expect(run?.phases.finalize).toBeUndefined();
    expect(await getStats(env.store.table, message.jobId)).toMatchObject({ runsEnded: 0 });
  });

  it("with `replace`, stops the running turn gracefully when a new fire comes, then runs the buffered fire", async () => {
    // Prepare
    const spec = demoJob({
      id: "replaced",
      overlap: "replace",
      agent: { harness: "demo", prompt: "x", options: { delayMs: 300_000 } }, // only the stop request ends it
    });
    const first = await fireAndHandOff(env, spec);
    const turn = runTurn(first, turnDepsOf(env));
    await waitUntil(
      async () => (await getRun(env.store.table, first.jobId, first.runId))?.phase === "agent-turn",
      30_000,
      "the agent turn",
    );
    await storeJob(env, {
      ...spec,
      agent: { harness: "demo", prompt: "x", options: { output: "fresh run" } },
    });
    // Act 1: the new fire asks the running turn to stop.
    const fire = await dispatchFire(scheduledFire(first.jobId, env.clock.now()), dispatchDepsOf(env));
    const firstOutcome = await turn;
    // Act 2: the next sweep drains the buffered fire through dispatch; its run takes a turn.
    env.clock.advance(1);
    await sweep(sweepDepsOf(env));
    const drains = await env.drain(env.queues.firesQueueUrl);
    await createDispatchHandler(dispatchDepsOf(env))(sqsEventOf(drains.map((drain) => drain.Body ?? "")));
    const [latest] = await listRuns(env.store.table, first.jobId, { limit: 1 });
    const secondOutcome = await runTurn(
      { version: 1, jobId: first.jobId, runId: latest?.runId ?? "", fireKey: "" },
      turnDepsOf(env),
    );
    // Assess
    expect(fire).toMatchObject({ kind: "buffered", stopRequested: true });
    expect(firstOutcome).toMatchObject({
      kind: "ended",
      status: "cancelled",
      error: { class: "StopRequestedError" },
    });
    expect(drains).toHaveLength(1);
    expect(latest?.runId).not.toBe(first.runId);
    expect(secondOutcome).toMatchObject({ kind: "ended", status: "succeeded" });
    expect((await getRun(env.store.table, first.jobId, latest?.runId ?? ""))?.output?.summary).toBe(
      "fresh run",
    );
  });

  it("reads the job fresh when the turn starts, so a run uses the policy stored at that moment", async () => {
    // Prepare: dispatched under one prompt, edited before the turn starts.
    const message = await fireAndHandOff(
      env,
      demoJob({ id: "fresh", agent: { harness: "demo", prompt: "old", options: { output: "{prompt}" } } }),
    );
    await storeJob(
      env,
      demoJob({ id: "fresh", agent: { harness: "demo", prompt: "new", options: { output: "{prompt}" } } }),
    );
    // Act
    await runTurn(message, turnDepsOf(env));
    // Assess
    const run = await getRun(env.store.table, message.jobId, message.runId);
    expect(run?.output?.summary).toBe("new");
    expect(run?.jobVersion).toBe(1);
  });

  it("does not begin a run past its start deadline: the next fire takes over, the late message does nothing", async () => {
    // Prepare: a queued run no turn picks up within its start deadline; then a new fire comes.
    const message = await fireAndHandOff(env, demoJob({ id: "late-turn", startDeadlineSeconds: 60 }));
    env.clock.advance(61_000);
    const next = await dispatchFire(manualFire(message.jobId, env.clock.now()), dispatchDepsOf(env));
    // Act: the first run's turn message finally arrives.
    const outcome = await runTurn(message, turnDepsOf(env));
    // Assess
    expect(next.kind).toBe("run");
    expect(outcome.kind).toBe("ignored");
    const run = await getRun(env.store.table, message.jobId, message.runId);
    expect(run?.status).toBe("not-started");
    expect(run?.error?.class).toBe("RunNotStartedError");
    expect(run?.diagnostic).toContain("no turn began it before its start deadline");
  });
});
