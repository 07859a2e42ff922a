import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listFires, listRecentFires } from "#adapters/dynamodb/reads.ts";
import { dispatchFire } from "#core/fires/dispatch-fire.ts";
import { consoleDeploymentOf, rawRequest, sessionCookieOf } from "#test/support/console.ts";
import { demoJob, dispatchDepsOf, manualFire, scheduledFire, storeJob } from "#test/support/fixtures.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";
import { type ConsoleServer, startConsole } from "../../../cli/console/server.ts";
import type { Deployment } from "../../../cli/target.ts";

let env: TestEnvironment;
let deployment: Deployment;
let server: ConsoleServer;
let cookie: string;

beforeAll(async () => {
  env = await createTestEnvironment();
  deployment = await consoleDeploymentOf(env);
  server = await startConsole({ deployment });
  cookie = sessionCookieOf(await rawRequest(server.url));
});
afterAll(async () => {
  await server?.close();
  await deployment?.close();
  await env?.destroy();
});

const page = (path: string) => rawRequest(`${server.origin}${path}`, { headers: { cookie } });

describe("the console over a real table and queues", () => {
  it("accounts for a job's last fires by when they arrived, manual and scheduled alike", async () => {
    // Prepare: a scheduled fire runs; a manual and a later scheduled fire find the job busy (skip).
    const job = await storeJob(env, demoJob({ id: "busy", overlap: "skip" }));
    const deps = dispatchDepsOf(env);
    const firstAt = env.clock.now();
    await dispatchFire(scheduledFire(job.jobId, firstAt), deps);
    env.clock.advance(20_000);
    await dispatchFire(manualFire(job.jobId, env.clock.now()), deps);
    env.clock.advance(40_000);
    await dispatchFire(scheduledFire(job.jobId, firstAt + 60_000), deps);

    // Act
    const lastTwo = await listRecentFires(deployment.table, job.jobId, 2);
    const jobPage = await page("/jobs/busy");

    // Assess: the newest by arrival, not by key (manual keys sort after every scheduled one).
    expect(lastTwo.map((fire) => [fire.source, fire.outcome])).toEqual([
      ["schedule", "skipped"],
      ["manual", "skipped"],
    ]);
    expect((await listFires(deployment.table, job.jobId, 2)).map((fire) => fire.source)).not.toEqual([
      "schedule",
      "manual",
    ]);
    expect(jobPage.status).toBe(200);
    expect(jobPage.body).toMatch(/>run<\/span> <strong>1<\/strong>/);
    expect(jobPage.body).toMatch(/>skipped<\/span> <strong>2<\/strong>/);
    expect(jobPage.body).toContain("What became of the last 3 fires");
  });

  it("redrives a dead letter back to its queue from the confirmation page's POST", async () => {
    // Prepare: a fire whose consumer failed on it until SQS moved it to the DLQ.
    const body = JSON.stringify(scheduledFire("redriven", env.clock.now()));
    await env.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: env.queues.firesDlqUrl, MessageBody: body }),
    );
    const confirm = await page("/dead-letters/redrive?queue=fires");

    // Act
    const redrive = await rawRequest(`${server.origin}/dead-letters/redrive`, {
      method: "POST",
      headers: { cookie, origin: server.origin, "content-type": "application/x-www-form-urlencoded" },
      body: "queue=fires&max=1000",
    });
    const after = await page(String(redrive.headers.location));

    // Assess
    expect(confirm.body).toContain("1 message goes back.");
    expect(redrive.status).toBe(303);
    expect(after.body).toContain("fires: moved 1 message back to the fires queue; 0 left in the DLQ.");
    expect((await env.drain(env.queues.firesQueueUrl)).map((message) => message.Body)).toEqual([body]);
  });

  it("answers an unknown job or run with 404 saying where to look, and a bad filter with its problem", async () => {
    const noJob = await page("/jobs/nope");
    const noRun = await page("/runs/01JZZZZZZZZZZZZZZZZZZZZZZZ");
    await storeJob(env, demoJob({ id: "filtered" }));
    const badFilter = await page("/jobs/filtered?since=yesterday");

    expect(noJob.status).toBe(404);
    expect(noJob.body).toContain("no job &quot;nope&quot;");
    expect(noRun.status).toBe(404);
    expect(noRun.body).toContain("run ids are 26-character ULIDs");
    expect(badFilter.status).toBe(200);
    expect(badFilter.body).toContain("since &quot;yesterday&quot; is not a time");
  });
});
