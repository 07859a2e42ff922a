import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { getRun } from "#adapters/dynamodb/reads.ts";
import { CEILING_MARGIN_SECONDS } from "#core/jobs/time-budget.ts";
import { sweep } from "#core/sweep/sweep.ts";
import { invokeInChildProcess } from "#local/lambda/invoke-in-child.ts";
import { childScript } from "#test/support/agents/child-script.ts";
import { isProcessRunning } from "#test/support/agents/processes.ts";
import { demoJob, sweepDepsOf } from "#test/support/fixtures.ts";
import { createTestEnvironment, sqsEventOf, type TestEnvironment } from "#test/support/test-environment.ts";
import { fireAndHandOff, fireAndRunTurn } from "#test/support/turn-fixtures.ts";
import { waitUntil } from "#test/support/wait.ts";

let env: TestEnvironment;
let scratch: string;
beforeAll(async () => {
  env = await createTestEnvironment({ clock: "real" });
  scratch = mkdtempSync(join(tmpdir(), "agentcron-turn-"));
});
afterAll(async () => {
  await env.destroy();
  rmSync(scratch, { recursive: true, force: true });
});

/** What the turn function's process gets from the stack (here: the emulators on loopback). */
function functionEnvironment(): Record<string, string> {
  return {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_ENDPOINT_URL_DYNAMODB: inject("dynamodbEndpoint"),
    AWS_ENDPOINT_URL_SQS: inject("sqsEndpoint"),
    AGENTCRON_TABLE_NAME: env.tableName,
    AGENTCRON_FIRES_QUEUE_URL: env.queues.firesQueueUrl,
    AGENTCRON_FIRES_DLQ_URL: env.queues.firesDlqUrl,
    AGENTCRON_TURNS_QUEUE_URL: env.queues.turnsQueueUrl,
    AGENTCRON_TURNS_DLQ_URL: env.queues.turnsDlqUrl,
    AGENTCRON_LIFECYCLE_EVENTS: "log",
    AGENTCRON_HEALTH_NOTIFICATIONS: "log",
    AGENTCRON_LOG_LEVEL: "ERROR",
    POWERTOOLS_SERVICE_NAME: "agentcron-test",
    POWERTOOLS_METRICS_DISABLED: "true",
  };
}

describe("turn isolation and ceilings", () => {
  it("stops a turn that blocks its event loop at its ceiling and records it, while another job's run completes on time", async () => {
    // Prepare: job A busy-loops for a minute inside its harness; job B is an ordinary short turn.
    const maxRunSeconds = 7;
    const blocked = await fireAndHandOff(
      env,
      demoJob({
        id: "event-loop-hog",
        timeouts: { setupSeconds: 2, agentTurnSeconds: 2, finalizeSeconds: 2 },
        maxRunSeconds,
        agent: { harness: "demo", prompt: "x", options: { blockEventLoopMs: 60_000 } },
      }),
    );
    const healthy = await fireAndHandOff(
      env,
      demoJob({
        id: "neighbour",
        agent: { harness: "demo", prompt: "x", options: { delayMs: 200, output: "on time" } },
      }),
    );
    // The function timeout the stack derives for this job: its ceiling plus the margin kept for a
    // cold start and recording the end. The timeout counts from the process's spawn and the ceiling
    // from the run's start, so the hog is killed past its ceiling as long as it starts within the
    // margin (30 s), however slow the machine — as on Lambda.
    const functionTimeoutMs = (maxRunSeconds + CEILING_MARGIN_SECONDS) * 1000;
    const invoke = (message: typeof blocked) =>
      invokeInChildProcess({
        entry: "functions/turn.ts",
        event: sqsEventOf([JSON.stringify(message)]),
        functionName: "turn",
        timeoutMs: functionTimeoutMs,
        env: functionEnvironment(),
      });
    // Act: both turns at once, each in its own process (as in Lambda).
    const started = Date.now();
    const [blockedResult, healthyResult] = await Promise.all([invoke(blocked), invoke(healthy)]);
    // The sweeper looks once no invocation can still be running it: past its function timeout,
    // counted from when the run began (a slow cold start delays that).
    const begun = await getRun(env.store.table, blocked.jobId, blocked.runId);
    const functionTimeoutAt = (begun?.startedAt ?? 0) + functionTimeoutMs;
    env.clock.set(Math.max(env.clock.now(), functionTimeoutAt + 1));
    const report = await sweep(sweepDepsOf(env));
    // Assess: the neighbour ended on its own while the hog was still blocking (before its process
    // was killed) — isolation, whatever the machine's speed...
    expect(healthyResult.kind).toBe("returned");
    expect(blockedResult.kind).toBe("timed-out");
    const neighbour = await getRun(env.store.table, healthy.jobId, healthy.runId);
    expect(neighbour).toMatchObject({ status: "succeeded", output: { summary: "on time" } });
    expect(neighbour?.endedAt ?? Number.POSITIVE_INFINITY).toBeLessThan(started + blockedResult.durationMs);
    // ...and the hog, which could not stop itself, was recorded by the sweeper as past its ceiling.
    const hog = await getRun(env.store.table, blocked.jobId, blocked.runId);
    expect(hog?.startedAt, "the hog's turn never began: its process did not start in time").toBeDefined();
    expect(report.timedOut).toEqual([blocked.runId]);
    expect(hog).toMatchObject({
      status: "timed-out",
      phase: "agent-turn",
      error: { class: "RunCeilingExceededError" },
    });
    expect(hog?.diagnostic).toContain("passed its 7s ceiling without recording an end");
    expect(hog?.diagnostic).toContain("event loop is blocked");
  }, 120_000);

  it("runs a command agent that writes 1 MB to stdout before reading its prompt, without deadlocking", async () => {
    // Act
    const { message, outcome } = await fireAndRunTurn(
      env,
      demoJob({
        id: "chatty-cli",
        agent: {
          harness: "command",
          prompt: "hello agent",
          options: {
            command: process.execPath,
            args: [childScript("big-output-before-stdin.mjs")],
            maxOutputBytes: 2_000_000,
          },
        },
      }),
    );
    // Assess
    expect(outcome).toMatchObject({ kind: "ended", status: "succeeded" });
    const run = await getRun(env.store.table, message.jobId, message.runId);
    expect(run?.output?.bytes).toBe(1_000_000 + "\nPROMPT:hello agent".length);
    expect(run?.output?.truncated).toBe(true); // the record keeps a bounded summary
  });

  it("kills a command agent that ignores SIGTERM when the run reaches its ceiling", async () => {
    // Prepare
    const pidFile = join(scratch, "ignore-sigterm.pid");
    // Act
    const { message, outcome } = await fireAndRunTurn(
      env,
      demoJob({
        id: "stubborn-cli",
        timeouts: { setupSeconds: 2, agentTurnSeconds: 3, finalizeSeconds: 2 },
        maxRunSeconds: 8,
        agent: {
          harness: "command",
          prompt: "run forever",
          options: {
            command: process.execPath,
            args: [childScript("ignore-sigterm.mjs"), pidFile],
            killGraceSeconds: 1,
          },
        },
      }),
    );
    // Assess
    expect(outcome).toMatchObject({ kind: "ended", status: "timed-out", error: { phase: "agent-turn" } });
    const pid = Number(readFileSync(pidFile, "utf8"));
    await waitUntil(() => !isProcessRunning(pid), 30_000, `pid ${pid} to be killed`);
    const run = await getRun(env.store.table, message.jobId, message.runId);
    expect((run?.endedAt ?? 0) - (run?.startedAt ?? 0)).toBeLessThanOrEqual(8_000);
  });
});
