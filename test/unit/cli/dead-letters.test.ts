import type { Message } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { fireFromUndeliveredEvent, viewOf } from "#adapters/sqs/dead-letter-view.ts";

const attribute = (value: string) => ({ DataType: "String", StringValue: value });

describe("dead letters", () => {
  it("show why agentcron rejected a message, from its rejection attributes", () => {
    const message: Message = {
      MessageId: "m-1",
      Body: '{"jobId":"BAD"}',
      Attributes: { SentTimestamp: "1795320000000", ApproximateReceiveCount: "2" },
      MessageAttributes: {
        "agentcron.rejectReason": attribute("the message does not have the expected shape"),
        "agentcron.rejectPath": attribute("jobId"),
        "agentcron.rejectedBy": attribute("dispatch"),
      },
    };
    expect(viewOf(message)).toMatchObject({
      messageId: "m-1",
      sentAt: 1795320000000,
      receiveCount: 2,
      rejection: {
        reason: "the message does not have the expected shape",
        path: "jobId",
        rejectedBy: "dispatch",
      },
      undelivered: undefined,
    });
  });

  it("turn a scheduled event EventBridge could not deliver back into the fire its rule sends", () => {
    const view = viewOf({
      MessageId: "m-2",
      Body: JSON.stringify({
        "detail-type": "Scheduled Event",
        time: "2026-11-22T04:00:00Z",
        source: "aws.events",
      }),
      MessageAttributes: {
        RULE_ARN: attribute("arn:aws:events:us-east-1:123456789012:rule/ac-dev-inbox-triage"),
        ERROR_CODE: attribute("SQSAccessDenied"),
      },
    });
    expect(view.undelivered).toMatchObject({ errorCode: "SQSAccessDenied" });
    expect(fireFromUndeliveredEvent(view)).toEqual({
      version: 1,
      jobId: "inbox-triage",
      scheduledAt: "2026-11-22T04:00:00Z",
      source: "schedule",
    });
  });

  it("leave anything else as it is", () => {
    const exhausted = viewOf({ MessageId: "m-3", Body: '{"version":1,"jobId":"inbox"}' });
    expect(exhausted.rejection).toBeUndefined();
    expect(fireFromUndeliveredEvent(exhausted)).toBeUndefined();
  });
});
