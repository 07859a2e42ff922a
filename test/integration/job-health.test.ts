import { CreateTopicCommand, DeleteTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createSnsHealthNotifications } from "#adapters/notifications/health-notifications.ts";
import { dispatchFire } from "#core/fires/dispatch-fire.ts";
import { DEFAULT_ALARM_SETTINGS } from "#core/jobs/job-schema.ts";
import { METRICS } from "#core/metric-names.ts";
import type { HealthNotifications } from "#core/ports.ts";
import type { RunStatus } from "#core/runs/run-record.ts";
import { emptyStats, type JobStats, recordRunOutcome } from "#core/stats/job-stats.ts";
import { trackJobHealth } from "#core/stats/track-job-health.ts";
import { sweep } from "#core/sweep/sweep.ts";
import { demoJob, dispatchDepsOf, manualFire, storeJob, sweepDepsOf } from "#test/support/fixtures.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";
import { fireAndRunTurn } from "#test/support/turn-fixtures.ts";
import { waitUntil } from "#test/support/wait.ts";

let env: TestEnvironment;
beforeAll(async () => {
  env = await createTestEnvironment({ clock: "real" });
});
afterAll(async () => env.destroy());

/** The stats after these runs ended, plus `extra` (e.g. skips), as the store would hold them. */
function statsOf(jobId: string, statuses: readonly RunStatus[], extra: Partial<JobStats> = {}): JobStats {
  const stats = statuses.reduce(
    (current, status, index) =>
      recordRunOutcome(current, { status, runId: `${jobId}-${index}`, endedAt: index }, 10),
    emptyStats(jobId),
  );
  return { ...stats, ...extra };
}

function healthDeps(notifications: HealthNotifications = env.notifications) {
  return { health: { store: env.store.health, notifications }, log: env.log };
}

const policy = DEFAULT_ALARM_SETTINGS;

describe("job health through the run engine", () => {
  it("makes a job whose turns keep failing unhealthy after its third failure, with one notification", async () => {
    // Prepare
    const spec = demoJob({
      id: "always-fails",
      agent: { harness: "demo", prompt: "go", options: { fail: true } },
    });
    // Act: three failed runs, then a fourth.
    for (let run = 0; run < 3; run++) await fireAndRunTurn(env, spec);
    const afterThree = env.notifications.published.filter((notice) => notice.jobId === "always-fails");
    await fireAndRunTurn(env, spec);
    // Assess
    expect(afterThree).toHaveLength(1);
    expect(afterThree[0]).toMatchObject({
      jobId: "always-fails",
      state: "unhealthy",
      firstCommand: "npx agentcron runs always-fails --status failed",
      reasons: [expect.objectContaining({ code: "consecutive-failures" })],
    });
    expect(env.notifications.published.filter((notice) => notice.jobId === "always-fails")).toHaveLength(1);
    expect(await env.store.health.getUnhealthyJob("always-fails")).toMatchObject({
      jobId: "always-fails",
      basis: { runsEnded: 4 },
      reasons: [
        expect.objectContaining({ message: expect.stringContaining("its last 4 runs failed in a row") }),
      ],
    });
  });

  it("makes a job whose fires keep being skipped unhealthy from dispatch", async () => {
    // Prepare: a run holds the job (its turn never starts here), so every later fire is skipped.
    const job = await storeJob(env, demoJob({ id: "busy-skipper", overlap: "skip" }));
    const first = await dispatchFire(manualFire(job.jobId, env.clock.now()), dispatchDepsOf(env));
    expect(first.kind).toBe("run");
    // Act
    const outcomes = [];
    for (let fire = 0; fire < 3; fire++) {
      outcomes.push((await dispatchFire(manualFire(job.jobId, env.clock.now()), dispatchDepsOf(env))).kind);
    }
    // Assess
    expect(outcomes).toEqual(["skipped", "skipped", "skipped"]);
    const notices = env.notifications.published.filter((notice) => notice.jobId === "busy-skipper");
    expect(notices).toEqual([
      expect.objectContaining({
        state: "unhealthy",
        firstCommand: "npx agentcron jobs show busy-skipper",
        reasons: [expect.objectContaining({ code: "consecutive-skips" })],
      }),
    ]);
  });

  it("counts the unhealthy jobs in every sweep", async () => {
    // Prepare
    await trackJobHealth(healthDeps(), {
      stats: statsOf("counted", ["failed", "failed", "failed"]),
      policy,
      nowMs: 1,
    });
    const unhealthy = (await env.store.health.listUnhealthyJobs()).map((record) => record.jobId);
    // Act
    await sweep(sweepDepsOf(env));
    // Assess
    const gauges = env.metrics.recorded.filter((metric) => metric.name === METRICS.unhealthyJobs);
    expect(unhealthy).toContain("counted");
    expect(gauges.at(-1)?.value).toBe(unhealthy.length);
  });
});

describe("job health transitions", () => {
  it("notify once when two evaluations see the same transition at the same time", async () => {
    // Prepare
    const stats = statsOf("raced", ["cancelled", "cancelled", "cancelled", "cancelled", "cancelled"]);
    const before = env.notifications.published.length;
    // Act
    const transitions = await Promise.all([
      trackJobHealth(healthDeps(), { stats, policy, nowMs: 10 }),
      trackJobHealth(healthDeps(), { stats, policy, nowMs: 11 }),
    ]);
    // Assess
    expect(transitions.filter((transition) => transition?.kind === "became-unhealthy")).toHaveLength(1);
    expect(env.notifications.published.slice(before)).toEqual([
      expect.objectContaining({
        jobId: "raced",
        state: "unhealthy",
        reasons: [
          expect.objectContaining({
            code: "no-completed-run",
            message: "none of its last 5 runs completed (5 cancelled)",
          }),
        ],
      }),
    ]);
  });

  it("recover once no reason holds and the last two runs succeeded, saying for how long the job was unhealthy", async () => {
    // Prepare
    const failing: RunStatus[] = ["failed", "failed", "failed"];
    await trackJobHealth(healthDeps(), { stats: statsOf("recovers", failing), policy, nowMs: 1_000 });
    // Act
    const oneSuccess = await trackJobHealth(healthDeps(), {
      stats: statsOf("recovers", [...failing, "succeeded"]),
      policy,
      nowMs: 2_000,
    });
    // 3 of 7 runs failed: under the 50 % threshold, and the last two succeeded.
    const recovered = await trackJobHealth(healthDeps(), {
      stats: statsOf("recovers", [...failing, "succeeded", "succeeded", "succeeded", "succeeded"]),
      policy,
      nowMs: 61_000,
    });
    // Assess
    expect(oneSuccess).toBeUndefined();
    expect(recovered).toEqual({ kind: "recovered", unhealthyFor: 60_000 });
    expect(await env.store.health.getUnhealthyJob("recovers")).toBeUndefined();
    expect(
      env.notifications.published.filter((notice) => notice.jobId === "recovers").map((n) => n.state),
    ).toEqual(["unhealthy", "healthy"]);
  });

  it("let no verdict made from older stats undo a newer one", async () => {
    // Prepare: unhealthy as of 6 runs ended.
    const newer = statsOf("ordered", ["succeeded", "succeeded", "succeeded", "failed", "failed", "failed"]);
    await trackJobHealth(healthDeps(), { stats: newer, policy, nowMs: 1 });
    // Act: a slow evaluator arrives with the stats of 5 runs ago... (two successes: "recovered")
    const stale = await env.store.health.markHealthy("ordered", { runsEnded: 2, firesSkipped: 0 });
    // Assess
    expect(stale).toBeUndefined();
    expect(await env.store.health.getUnhealthyJob("ordered")).toMatchObject({ basis: { runsEnded: 6 } });
  });
});

describe("job health on the alarm topic", () => {
  const sns = new SNSClient({
    endpoint: inject("sqsEndpoint"),
    region: process.env.AWS_REGION ?? "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  let topicArn: string;
  /** A consumer of the alarm topic: a queue subscribed to it. */
  let subscriberUrl: string;
  beforeAll(async () => {
    const name = `agentcron-test-alarms-${Date.now()}`;
    topicArn = String((await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn);
    subscriberUrl = String(
      (await env.clients.sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl,
    );
    const queueArn = (
      await env.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: subscriberUrl, AttributeNames: ["QueueArn"] }),
      )
    ).Attributes?.QueueArn;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queueArn }));
  });
  afterAll(async () => {
    await sns.send(new DeleteTopicCommand({ TopicArn: topicArn })).catch(() => {});
    await env.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: subscriberUrl })).catch(() => {});
    sns.destroy();
  });

  it("publishes the change with the job, the reason and the first command, filterable by attributes", async () => {
    // Prepare
    const notifications = createSnsHealthNotifications(sns, { topicArn, serviceName: "agentcron-test" });
    // Act
    await trackJobHealth(healthDeps(notifications), {
      stats: statsOf("on-topic", ["succeeded", "failed", "failed", "failed"]),
      policy,
      nowMs: Date.UTC(2026, 10, 22, 4, 0, 0),
    });
    // Assess
    let delivered: Awaited<ReturnType<TestEnvironment["drain"]>> = [];
    await waitUntil(
      async () => {
        delivered = await env.drain(subscriberUrl);
        return delivered.length > 0;
      },
      30_000,
      "the notification to reach the topic's subscriber",
    );
    const envelope = JSON.parse(String(delivered[0]?.Body)) as {
      Subject: string;
      Message: string;
      MessageAttributes: Record<string, { Value: string }>;
    };
    const message = JSON.parse(envelope.Message) as {
      content: { title: string; description: string; nextSteps: string[] };
      metadata: { additionalContext: Record<string, string> };
    };
    expect(envelope.Subject).toBe("agentcron-test: job on-topic is unhealthy");
    expect(envelope.MessageAttributes["agentcron.kind"]?.Value).toBe("job-health");
    expect(envelope.MessageAttributes["agentcron.jobId"]?.Value).toBe("on-topic");
    expect(envelope.MessageAttributes["agentcron.state"]?.Value).toBe("unhealthy");
    expect(message.content.description).toBe(
      "Job on-topic is unhealthy: its last 3 runs failed in a row (threshold 3; the latest failed). First: npx agentcron runs on-topic --status failed",
    );
    expect(message.content.nextSteps[0]).toBe("npx agentcron runs on-topic --status failed");
    expect(message.metadata.additionalContext).toMatchObject({
      jobId: "on-topic",
      state: "unhealthy",
      reasons: "consecutive-failures",
      since: "2026-11-22T04:00:00.000Z",
    });
  });
});
