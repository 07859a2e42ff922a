import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { TABLE_SCHEMA } from "#adapters/dynamodb/table-definition.ts";
import {
  DLQ_RETENTION_SECONDS,
  QUEUE_DEFINITIONS,
  visibilityTimeoutFor,
} from "#adapters/sqs/queue-definitions.ts";
import { flatten, type SynthesisedStack, synthesise } from "./support/stack.ts";

let dev: SynthesisedStack;
beforeAll(() => {
  dev = synthesise({ stage: "dev" });
});

describe("the table", () => {
  it("has the keys, TTL attribute, on-demand billing, point-in-time recovery and encryption of the table definition", () => {
    // Prepare / Act: synthesised once in beforeAll.
    // Assess
    dev.template.resourceCountIs("AWS::DynamoDB::Table", 1);
    dev.template.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: "HASH" },
        { AttributeName: TABLE_SCHEMA.sortKey, KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it("has the sweep index (all attributes), the keys-only run-lookup index and the fire-watch index, with their key types", () => {
    const { sweepIndex, runLookupIndex, fireWatchIndex } = TABLE_SCHEMA;

    dev.template.hasResourceProperties("AWS::DynamoDB::Table", {
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: sweepIndex.partitionKey, AttributeType: "S" },
        { AttributeName: sweepIndex.sortKey, AttributeType: "N" },
        { AttributeName: runLookupIndex.partitionKey, AttributeType: "S" },
        { AttributeName: fireWatchIndex.partitionKey, AttributeType: "S" },
        { AttributeName: fireWatchIndex.sortKey, AttributeType: "N" },
      ]),
      GlobalSecondaryIndexes: [
        {
          IndexName: sweepIndex.name,
          KeySchema: [
            { AttributeName: sweepIndex.partitionKey, KeyType: "HASH" },
            { AttributeName: sweepIndex.sortKey, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
        {
          IndexName: runLookupIndex.name,
          KeySchema: [{ AttributeName: runLookupIndex.partitionKey, KeyType: "HASH" }],
          Projection: { ProjectionType: "KEYS_ONLY" },
        },
        {
          IndexName: fireWatchIndex.name,
          KeySchema: [
            { AttributeName: fireWatchIndex.partitionKey, KeyType: "HASH" },
            { AttributeName: fireWatchIndex.sortKey, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    });
  });

  it("is destroyed with a dev stack and retained, with deletion protection, with a prod stack", () => {
    // Act
    const prod = synthesise({ stage: "prod" });

    // Assess
    dev.template.hasResource("AWS::DynamoDB::Table", { DeletionPolicy: "Delete" });
    dev.template.hasResourceProperties("AWS::DynamoDB::Table", { DeletionProtectionEnabled: false });
    prod.template.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });
});

describe("the queues", () => {
  it("redrive each work queue to its own DLQ after maxReceiveCount receives from QUEUE_DEFINITIONS", () => {
    for (const role of ["fires", "turns"] as const) {
      dev.template.hasResourceProperties("AWS::SQS::Queue", {
        QueueName: `agentcron-dev-${role}`,
        RedrivePolicy: {
          deadLetterTargetArn: {
            "Fn::GetAtt": [Match.stringLikeRegexp(`${capitalised(role)}DeadLetterQueue`), "Arn"],
          },
          maxReceiveCount: QUEUE_DEFINITIONS[role].maxReceiveCount,
        },
      });
    }
  });

  it("keep dead letters 14 days, encrypt every queue with SSE-SQS and deny requests without TLS", () => {
    for (const name of ["fires-dlq", "turns-dlq"]) {
      dev.template.hasResourceProperties("AWS::SQS::Queue", {
        QueueName: `agentcron-dev-${name}`,
        MessageRetentionPeriod: DLQ_RETENTION_SECONDS,
      });
    }
    const queues = Object.values(dev.template.findResources("AWS::SQS::Queue"));
    expect(queues).toHaveLength(4);
    for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);

    const policies = Object.values(dev.template.findResources("AWS::SQS::QueuePolicy"));
    expect(policies).toHaveLength(4);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    }
  });

  it("give each queue a visibility timeout of six times its consumer's timeout", () => {
    const turnTimeout = dev.stack.turnTimeoutSeconds;

    dev.template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "agentcron-dev-fires",
      VisibilityTimeout: visibilityTimeoutFor(30),
    });
    dev.template.hasResourceProperties("AWS::SQS::Queue", {
      QueueName: "agentcron-dev-turns",
      VisibilityTimeout: visibilityTimeoutFor(turnTimeout),
    });
    expect(visibilityTimeoutFor(turnTimeout)).toBe(turnTimeout * 6);
  });

  it("let EventBridge send to the fires queue and its DLQ only from this stage's job rules (in this account and region)", () => {
    const policies = Object.values(dev.template.findResources("AWS::SQS::QueuePolicy"));
    const eventBridgeGrants = policies.flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Record<string, unknown>[])
        .filter((statement) => JSON.stringify(statement.Principal ?? "").includes("events.amazonaws.com"))
        .map((statement) => ({ queues: policy.Properties.Queues.map(flatten), statement })),
    );

    expect(eventBridgeGrants.map((grant) => grant.queues).sort()).toEqual([
      ["<FiresDeadLetterQueueA51C4D94>"],
      ["<FiresQueueBB25881B>"],
    ]);
    for (const { statement } of eventBridgeGrants) {
      expect(statement.Action).toBe("sqs:SendMessage");
      const conditions = statement.Condition as Record<string, Record<string, unknown>>;
      expect(flatten(conditions.ArnLike?.["aws:SourceArn"])).toBe(
        "arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/ac-dev-*",
      );
      expect(Object.keys(conditions)).toEqual(["ArnLike"]);
    }
  });
});

function capitalised(word: string): string {
  return word[0]?.toUpperCase() + word.slice(1);
}
