import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  deleteDeadLetters,
  moveDeadLettersBack,
  peekMessages,
  queueDepth,
} from "#adapters/sqs/dead-letter-operations.ts";
import { viewOf } from "#adapters/sqs/dead-letter-view.ts";
import { silentLogger } from "#core/logger.ts";
import { createDispatchHandler } from "#functions/handlers/dispatch-handler.ts";
import { QueuePoller } from "#local/queue-poller.ts";
import { dispatchDepsOf } from "#test/support/fixtures.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";
import { waitUntil } from "#test/support/wait.ts";

/** A fire dispatch refuses as poison (an invalid job id and time): it goes straight to the DLQ. */
const poisonFire = (n: number) =>
  JSON.stringify({ version: 1, jobId: `Inbox Triage ${n}`, scheduledAt: "2026-11-22 05:00" });

describe("dead letters: redrive and purge against the SQS emulator", () => {
  let env: TestEnvironment;
  let dispatcher: QueuePoller | undefined;
  let dispatched = 0;

  beforeAll(async () => {
    env = await createTestEnvironment();
  });
  afterEach(async () => {
    await dispatcher?.stop();
    dispatcher = undefined;
    await env.drain(env.queues.firesQueueUrl);
    await env.drain(env.queues.firesDlqUrl);
  });
  afterAll(async () => env.destroy());

  /** The real dispatch handler consuming the fires queue, as the local runtime runs it. */
  function startDispatcher() {
    const handler = createDispatchHandler(dispatchDepsOf(env));
    dispatched = 0;
    dispatcher = new QueuePoller({
      sqs: env.clients.sqs,
      queueUrl: env.queues.firesQueueUrl,
      queueArn: "arn:aws:sqs:us-east-1:000000000000:fires",
      batchSize: 10,
      maxConcurrency: 1,
      log: silentLogger,
      invoke: (event) => {
        dispatched += event.Records.length;
        return handler(event);
      },
    });
    dispatcher.start();
  }

  const send = (queueUrl: string, body: string, attributes: Record<string, string> = {}) =>
    env.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([name, value]) => [
            name,
            { DataType: "String", StringValue: value },
          ]),
        ),
      }),
    );
  const reject = (body: string) =>
    env.firesDeadLetters.reject(body, {
      reason: "the message does not have the expected shape",
      issues: [{ path: "jobId", message: "not a job id" }],
      rejectedBy: "dispatch",
      atMs: Date.now(),
    });
  const depth = (url: string) => queueDepth(env.clients.sqs, url);

  it("moves a dead letter that failed in its consumer back once, and keeps rejected ones visible in the DLQ", async () => {
    // Prepare: two messages agentcron rejected, one its consumer gave up on.
    await reject(poisonFire(1));
    await reject(poisonFire(2));
    const exhausted = JSON.stringify({ version: 1, jobId: "inbox", scheduledAt: "2026-11-22T05:00:00Z" });
    await send(env.queues.firesDlqUrl, exhausted, { jobId: "inbox" });
    // Act
    const report = await moveDeadLettersBack(env.clients.sqs, {
      dlqUrl: env.queues.firesDlqUrl,
      sourceUrl: env.queues.firesQueueUrl,
      max: 1000,
      includeRejected: false,
    });
    // Assess
    expect(report).toEqual({ seen: 3, moved: 1, keptRejected: 2, failed: [] });
    const returned = await env.drain(env.queues.firesQueueUrl);
    expect(returned.map((message) => message.Body)).toEqual([exhausted]);
    expect(returned[0]?.MessageAttributes?.jobId?.StringValue).toBe("inbox");
    // The kept ones are visible again at once, for `dlq list`.
    const kept = (await peekMessages(env.clients.sqs, env.queues.firesDlqUrl, 10)).map(viewOf);
    expect(kept.map((message) => message.body).sort()).toEqual([poisonFire(1), poisonFire(2)]);
    expect(kept.every((message) => message.rejection?.rejectedBy === "dispatch")).toBe(true);
  });

  it("with --include-rejected moves each message once even though dispatch rejects it straight back", async () => {
    // Prepare: dispatch runs and has rejected two poison fires into the DLQ.
    startDispatcher();
    await send(env.queues.firesQueueUrl, poisonFire(1));
    await send(env.queues.firesQueueUrl, poisonFire(2));
    await waitUntil(async () => (await depth(env.queues.firesDlqUrl)) === 2, 30_000, "two rejected fires");
    // Act
    const report = await moveDeadLettersBack(env.clients.sqs, {
      dlqUrl: env.queues.firesDlqUrl,
      sourceUrl: env.queues.firesQueueUrl,
      max: 1000,
      includeRejected: true,
    });
    // Assess: two moved — not a thousand — and dispatch saw each one once more, rejecting it again.
    expect(report).toEqual({ seen: 2, moved: 2, keptRejected: 0, failed: [] });
    await waitUntil(() => dispatched === 4, 30_000, "dispatch to receive the two redriven fires");
    await waitUntil(
      async () =>
        (await depth(env.queues.firesDlqUrl)) === 2 && (await depth(env.queues.firesQueueUrl)) === 0,
      30_000,
      "the two fires to be rejected into the DLQ again",
    );
    const again = (await peekMessages(env.clients.sqs, env.queues.firesDlqUrl, 10)).map(viewOf);
    expect(again.map((message) => message.body).sort()).toEqual([poisonFire(1), poisonFire(2)]);
    expect(again.every((message) => message.rejection !== undefined)).toBe(true);
  });

  it("moves at most --max messages and leaves the rest", async () => {
    // Prepare
    for (let n = 0; n < 12; n++) await send(env.queues.firesDlqUrl, `{"n":${n}}`);
    // Act
    const report = await moveDeadLettersBack(env.clients.sqs, {
      dlqUrl: env.queues.firesDlqUrl,
      sourceUrl: env.queues.firesQueueUrl,
      max: 5,
      includeRejected: false,
    });
    // Assess
    expect(report.moved).toBe(5);
    expect(await env.drain(env.queues.firesQueueUrl)).toHaveLength(5);
    expect(await depth(env.queues.firesDlqUrl)).toBe(7);
  });

  it("sends an event EventBridge could not deliver back as the fire its rule would have sent", async () => {
    // Prepare: what an EventBridge rule's DLQ receives when the fires queue refused the event.
    const event = { "detail-type": "Scheduled Event", source: "aws.events", time: "2026-11-22T05:00:00Z" };
    await send(env.queues.firesDlqUrl, JSON.stringify(event), {
      RULE_ARN: "arn:aws:events:us-east-1:000000000000:rule/ac-dev-inbox-triage",
      ERROR_CODE: "SQS_PERMISSION_DENIED",
    });
    // Act
    const report = await moveDeadLettersBack(env.clients.sqs, {
      dlqUrl: env.queues.firesDlqUrl,
      sourceUrl: env.queues.firesQueueUrl,
      max: 10,
      includeRejected: false,
    });
    // Assess
    expect(report.moved).toBe(1);
    const [fire] = await env.drain(env.queues.firesQueueUrl);
    expect(JSON.parse(fire?.Body ?? "")).toEqual({
      version: 1,
      jobId: "inbox-triage",
      scheduledAt: "2026-11-22T05:00:00Z",
      source: "schedule",
    });
  });

  it("purges what the DLQ holds and reports the exact count", async () => {
    // Prepare
    await reject(poisonFire(1));
    for (let n = 0; n < 11; n++) await send(env.queues.firesDlqUrl, `{"n":${n}}`);
    // Act
    const report = await deleteDeadLetters(env.clients.sqs, env.queues.firesDlqUrl);
    // Assess
    expect(report).toEqual({ deleted: 12, failed: [] });
    expect(await depth(env.queues.firesDlqUrl)).toBe(0);
  });
});
