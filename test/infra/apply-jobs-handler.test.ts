import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { CloudFormationCustomResourceResponse } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { builtInRegistry } from "#adapters/registry.ts";
import { ManualClock } from "#core/clock.ts";
import { silentLogger } from "#core/logger.ts";
import type {
  JobOwnership,
  JobStore,
  ReconcileOptions,
  ScheduleChange,
  ScheduledJob,
  Schedules,
  StoredJob,
} from "#core/ports.ts";
import { ReconcileIncompleteError } from "#core/schedules/reconcile-incomplete.ts";
import {
  createJobSchedulesHandler,
  type JobSchedulesEvent,
  type JobSchedulesProperties,
  MAX_CONTINUATIONS,
  type ScheduleTarget,
  sendCloudFormationResponse,
} from "#functions/handlers/apply-jobs-handler.ts";
import { demoJobSpec } from "./support/stack.ts";

const PROPERTIES: JobSchedulesProperties = {
  Stage: "dev",
  FiresQueueArn: "arn:aws:sqs:us-east-1:123456789012:agentcron-dev-fires",
  FiresDeadLetterQueueArn: "arn:aws:sqs:us-east-1:123456789012:agentcron-dev-fires-dlq",
  JobsJson: JSON.stringify({
    jobs: [demoJobSpec({ id: "inbox-triage" }), demoJobSpec({ id: "seo-refresh" })],
  }),
};

/** Jobs kept in memory, versioned like the DynamoDB repository. */
class InMemoryJobs implements JobStore {
  readonly jobs = new Map<string, StoredJob>();
  async getJob(jobId: string) {
    return this.jobs.get(jobId);
  }
  async listJobs() {
    return [...this.jobs.values()];
  }
  async putJob(
    spec: StoredJob["spec"],
    previous: StoredJob | undefined,
    nowMs: number,
    ownership: JobOwnership = {},
  ) {
    const stored: StoredJob = {
      jobId: String(spec.id),
      spec,
      version: (previous?.version ?? 0) + 1,
      specHash: JSON.stringify(spec),
      createdAt: previous?.createdAt ?? nowMs,
      updatedAt: nowMs,
      ...ownership,
    };
    this.jobs.set(stored.jobId, stored);
    return stored;
  }
  async setJobOwnership(jobId: string, _expectedVersion: number, ownership: JobOwnership) {
    const stored = this.jobs.get(jobId);
    if (stored)
      this.jobs.set(jobId, {
        ...stored,
        managedBy: ownership.managedBy,
        operatorEnabled: ownership.operatorEnabled,
      });
  }
  async deleteJob(jobId: string) {
    this.jobs.delete(jobId);
  }
}

/** Schedules that record what they were asked to reconcile, and for which target. */
class RecordingSchedules implements Schedules {
  readonly calls: { target: ScheduleTarget; jobIds: string[]; resumeAfter?: string }[] = [];
  constructor(
    private readonly target: ScheduleTarget,
    private readonly log: RecordingSchedules["calls"],
    private readonly delayMs = 0,
    /** Calls that run out of time: each reconciles one job, then stops. */
    private readonly incompleteCalls: { count: number } = { count: 0 },
  ) {}
  async reconcile(jobs: readonly ScheduledJob[], options: ReconcileOptions = {}): Promise<ScheduleChange[]> {
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.log.push({
      target: this.target,
      jobIds: jobs.map((job) => job.id),
      resumeAfter: options.resumeAfter,
    });
    const todo = jobs.filter((job) => options.resumeAfter === undefined || job.id > options.resumeAfter);
    const changes = todo.map(
      (job): ScheduleChange => ({ jobId: job.id, ruleName: `ac-dev-${job.id}`, action: "created" }),
    );
    if (this.incompleteCalls.count > 0 && todo.length > 1) {
      this.incompleteCalls.count--;
      throw new ReconcileIncompleteError(changes.slice(0, 1), "the time budget ran out", todo[0]?.id);
    }
    return changes;
  }
}

function event(
  requestType: "Create" | "Update" | "Delete",
  properties: Record<string, unknown> = PROPERTIES,
): JobSchedulesEvent {
  const common = {
    ServiceToken: "arn:aws:lambda:us-east-1:123456789012:function:agentcron-dev-apply-jobs",
    ResponseURL: "https://cloudformation-custom-resource-response.example/response",
    StackId: "arn:aws:cloudformation:us-east-1:123456789012:stack/agentcron-dev/1",
    RequestId: "request-1",
    LogicalResourceId: "SchedulesJobSchedules",
    ResourceType: "Custom::AgentcronJobSchedules",
    ResourceProperties: { ServiceToken: "token", ...properties },
  };
  if (requestType === "Create") return { ...common, RequestType: "Create" };
  if (requestType === "Update") {
    return {
      ...common,
      RequestType: "Update",
      PhysicalResourceId: "agentcron-dev-job-schedules",
      OldResourceProperties: common.ResourceProperties,
    };
  }
  return { ...common, RequestType: "Delete", PhysicalResourceId: "agentcron-dev-job-schedules" };
}

function setUp(
  options: {
    remainingMs?: number;
    reconcileDelayMs?: number;
    incompleteReconciles?: number;
    objects?: Record<string, string>;
  } = {},
) {
  const jobs = new InMemoryJobs();
  const reconciled: RecordingSchedules["calls"] = [];
  const responses: { url: string; response: CloudFormationCustomResourceResponse }[] = [];
  const continued: JobSchedulesEvent[] = [];
  const incomplete = { count: options.incompleteReconciles ?? 0 };
  const handler = createJobSchedulesHandler({
    load: () => ({
      jobs,
      clock: new ManualClock(),
      validation: { catalog: builtInRegistry.catalog, functionTimeoutSeconds: 900 },
      log: silentLogger,
    }),
    schedulesFor: (target) =>
      new RecordingSchedules(target, reconciled, options.reconcileDelayMs, incomplete),
    readJobsObject: async (bucket, key) => {
      const object = options.objects?.[`${bucket}/${key}`];
      if (object === undefined) throw new Error(`NoSuchKey: ${bucket}/${key}`);
      return object;
    },
    continueLater: async (next) => {
      continued.push(next);
    },
    respond: async (url, response) => {
      responses.push({ url, response });
    },
  });
  const context = {
    getRemainingTimeInMillis: () => options.remainingMs ?? 300_000,
    logGroupName: "/aws/lambda/agentcron-dev-apply-jobs",
    logStreamName: "2026/11/22/[$LATEST]abc",
  };
  return {
    jobs,
    reconciled,
    responses,
    continued,
    invoke: (request: JobSchedulesEvent) => handler(request, context),
  };
}

describe("the job-apply custom resource", () => {
  it("applies the job set on Create and answers SUCCESS with a stable physical id", async () => {
    // Prepare
    const { jobs, reconciled, responses, invoke } = setUp();

    // Act
    await invoke(event("Create"));

    // Assess
    expect([...jobs.jobs.keys()].sort()).toEqual(["inbox-triage", "seo-refresh"]);
    expect(reconciled).toEqual([
      {
        target: {
          stage: "dev",
          backend: "rules",
          firesQueueArn: PROPERTIES.FiresQueueArn,
          deadLetterQueueArn: PROPERTIES.FiresDeadLetterQueueArn,
        },
        jobIds: ["inbox-triage", "seo-refresh"],
      },
    ]);
    expect(responses).toEqual([
      {
        url: "https://cloudformation-custom-resource-response.example/response",
        response: {
          Status: "SUCCESS",
          PhysicalResourceId: "agentcron-dev-job-schedules",
          StackId: "arn:aws:cloudformation:us-east-1:123456789012:stack/agentcron-dev/1",
          RequestId: "request-1",
          LogicalResourceId: "SchedulesJobSchedules",
          Data: { Created: "2" },
        },
      },
    ]);
  });

  it("prunes jobs no longer in the set on Update and keeps the physical id", async () => {
    const { jobs, reconciled, responses, invoke } = setUp();
    await invoke(event("Create"));

    await invoke(
      event("Update", {
        ...PROPERTIES,
        JobsJson: JSON.stringify({ jobs: [demoJobSpec({ id: "seo-refresh" })] }),
      }),
    );

    expect([...jobs.jobs.keys()]).toEqual(["seo-refresh"]);
    expect(reconciled.at(-1)?.jobIds).toEqual(["seo-refresh"]);
    expect(responses.at(-1)?.response).toMatchObject({
      Status: "SUCCESS",
      PhysicalResourceId: "agentcron-dev-job-schedules",
    });
  });

  it("prunes only the file's jobs: a job applied with the CLI survives a deploy that leaves it out", async () => {
    // Prepare
    const { jobs, reconciled, invoke } = setUp();
    await invoke(event("Create"));
    await jobs.putJob(demoJobSpec({ id: "from-the-cli" }), undefined, 0, { managedBy: "cli" });

    // Act
    await invoke(
      event("Update", {
        ...PROPERTIES,
        JobsJson: JSON.stringify({ jobs: [demoJobSpec({ id: "seo-refresh" })] }),
      }),
    );

    // Assess
    expect([...jobs.jobs.keys()].sort()).toEqual(["from-the-cli", "seo-refresh"]);
    expect(jobs.jobs.get("seo-refresh")?.managedBy).toBe("file");
    expect(reconciled.at(-1)?.jobIds.sort()).toEqual(["from-the-cli", "seo-refresh"]);
  });

  it("keeps an operator's pause of a file job across deploys until the file changes its enabled", async () => {
    // Prepare: deployed, then paused by an operator (jobs pause)
    const { jobs, invoke } = setUp();
    await invoke(event("Create"));
    const seo = jobs.jobs.get("seo-refresh");
    if (!seo) throw new Error("expected seo-refresh");
    await jobs.putJob({ ...seo.spec, enabled: false }, seo, 1, {
      managedBy: "file",
      operatorEnabled: { enabled: false, fileEnabled: true, at: 1 },
    });

    // Act
    await invoke(event("Update"));
    const afterSameFile = jobs.jobs.get("seo-refresh");
    await invoke(
      event("Update", {
        ...PROPERTIES,
        JobsJson: JSON.stringify({
          jobs: [demoJobSpec({ id: "inbox-triage" }), demoJobSpec({ id: "seo-refresh", enabled: false })],
        }),
      }),
    );
    await invoke(event("Update"));

    // Assess
    expect(afterSameFile?.spec.enabled).toBe(false);
    expect(afterSameFile?.version).toBe(2);
    // The file said enabled: false, then true again: the file's own change wins.
    expect(jobs.jobs.get("seo-refresh")?.spec.enabled).toBeUndefined();
    expect(jobs.jobs.get("seo-refresh")?.operatorEnabled).toBeUndefined();
  });

  it("reads the job set from its S3 object", async () => {
    const { jobs, invoke } = setUp({
      objects: { "assets/jobs.json": JSON.stringify({ jobs: [demoJobSpec({ id: "from-s3" })] }) },
    });
    const { JobsJson: _inline, ...rest } = PROPERTIES;

    await invoke(event("Create", { ...rest, JobsBucket: "assets", JobsKey: "jobs.json" }));

    expect([...jobs.jobs.keys()]).toEqual(["from-s3"]);
  });

  it("hands a reconcile that ran out of time to a new invocation, which answers CloudFormation with the totals", async () => {
    // Prepare: the first reconcile stops after one job
    const { reconciled, responses, continued, invoke } = setUp({ incompleteReconciles: 1 });

    // Act
    await invoke(event("Create"));
    const next = continued[0];
    if (!next) throw new Error("expected a continuation");
    await invoke(next);

    // Assess
    expect(next.AgentcronContinuation).toEqual({
      attempt: 1,
      resumeAfter: "inbox-triage",
      counts: { Created: "1" },
    });
    expect(reconciled.map((call) => call.resumeAfter)).toEqual([undefined, "inbox-triage"]);
    expect(responses).toHaveLength(1);
    expect(responses[0]?.response).toMatchObject({ Status: "SUCCESS", Data: { Created: "2" } });
  });

  it(`fails the deployment after ${MAX_CONTINUATIONS} continuations, saying to deploy again`, async () => {
    const { responses, continued, invoke } = setUp({ incompleteReconciles: 100 });
    const tenJobs = Array.from({ length: 10 }, (_, index) => demoJobSpec({ id: `job-${index}` }));

    let next: JobSchedulesEvent | undefined = event("Create", {
      ...PROPERTIES,
      JobsJson: JSON.stringify({ jobs: tenJobs }),
    });
    for (let invocation = 0; next && invocation < 10; invocation++) {
      const before = continued.length;
      await invoke(next);
      next = continued.length > before ? continued.at(-1) : undefined;
    }

    expect(continued).toHaveLength(MAX_CONTINUATIONS);
    expect(responses[0]?.response.Status).toBe("FAILED");
    expect(responses[0]?.response.Reason).toMatch(
      /ReconcileIncompleteError: the schedules are not all reconciled yet/,
    );
  });

  it("fails the deployment with every problem and its path when the job set is invalid, writing nothing", async () => {
    // Prepare
    const { jobs, reconciled, responses, invoke } = setUp();
    const invalid = {
      jobs: [
        demoJobSpec({ id: "ok" }),
        demoJobSpec({ id: "bad", schedule: "rate(5 minute)", agent: { harness: "gpt-agent", prompt: "hi" } }),
      ],
    };

    // Act
    await invoke(event("Create", { ...PROPERTIES, JobsJson: JSON.stringify(invalid) }));

    // Assess
    const response = responses[0]?.response;
    expect(response?.Status).toBe("FAILED");
    expect(response?.Reason).toMatch(/^JobValidationError: invalid job set \(2 problems\)/);
    expect(response?.Reason).toContain("jobs[1].schedule: rate(5 minute): use the plural unit");
    expect(response?.Reason).toContain('jobs[1].agent.harness: "gpt-agent" is not a registered harness');
    expect(response?.Reason).not.toContain("\n");
    expect(jobs.jobs.size).toBe(0);
    expect(reconciled).toEqual([]);
  });

  it("removes every rule of the stage on Delete", async () => {
    const { reconciled, responses, invoke } = setUp();

    await invoke(event("Delete"));

    expect(reconciled).toEqual([expect.objectContaining({ jobIds: [] })]);
    expect(responses[0]?.response).toMatchObject({
      Status: "SUCCESS",
      PhysicalResourceId: "agentcron-dev-job-schedules",
      Data: { Deleted: "0" },
    });
  });

  it("answers SUCCESS to a Delete whose properties never parsed, so a failed create can roll back", async () => {
    const { reconciled, responses, invoke } = setUp();

    await invoke(event("Delete", { Stage: "dev" }));

    expect(reconciled).toEqual([]);
    expect(responses[0]?.response.Status).toBe("SUCCESS");
  });

  it("answers FAILED before Lambda's own timeout when the work hangs", async () => {
    const { responses, invoke } = setUp({ remainingMs: 10_050, reconcileDelayMs: 1_000 });

    await invoke(event("Delete"));

    expect(responses[0]?.response.Status).toBe("FAILED");
    expect(responses[0]?.response.Reason).toMatch(/gave up after 0s so CloudFormation gets an answer/);
  });

  it("keeps a very long reason under CloudFormation's 4 KB response limit, pointing at the log", async () => {
    const { responses, invoke } = setUp();
    const manyBadJobs = Array.from({ length: 60 }, (_, index) =>
      demoJobSpec({ id: `job-${index}`, schedule: "every hour" }),
    );

    await invoke(event("Create", { ...PROPERTIES, JobsJson: JSON.stringify({ jobs: manyBadJobs }) }));

    const response = responses[0]?.response;
    expect(response?.Status).toBe("FAILED");
    expect(JSON.stringify(response).length).toBeLessThan(4096);
    expect(response?.Reason).toContain("/aws/lambda/agentcron-dev-apply-jobs 2026/11/22/[$LATEST]abc");
  });
});

describe("the response to CloudFormation", () => {
  it("is PUT to the pre-signed URL as JSON with an empty content type, as the signature expects", async () => {
    // Prepare: a loopback server standing in for the pre-signed S3 URL.
    const received: { method?: string; contentType?: string; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        received.push({ method: request.method, contentType: request.headers["content-type"], body });
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const response: CloudFormationCustomResourceResponse = {
      Status: "SUCCESS",
      PhysicalResourceId: "agentcron-dev-job-schedules",
      StackId: "stack",
      RequestId: "request",
      LogicalResourceId: "resource",
    };

    // Act
    try {
      await sendCloudFormationResponse(`http://127.0.0.1:${port}/response?X-Amz-Signature=abc`, response);
    } finally {
      server.close();
    }

    // Assess
    expect(received).toEqual([{ method: "PUT", contentType: "", body: JSON.stringify(response) }]);
  });
});
