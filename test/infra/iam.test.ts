import { beforeAll, describe, expect, it } from "vitest";
import { TABLE_ACCESS } from "#infra/bindings.ts";
import { JOB_RULE_ACTIONS } from "#infra/schedules.ts";
import { allowStatements, flatten, type SynthesisedStack, synthesise } from "./support/stack.ts";

let dev: SynthesisedStack;
beforeAll(() => {
  dev = synthesise({ stage: "dev" });
});

/**
 * The only statements allowed a `*` in a resource, each for the reason AWS gives no narrower one
 * (infra/nag-suppressions.ts has the full reasons).
 */
const WILDCARD_RESOURCE_ALLOW_LIST: readonly { actions: readonly string[]; resource: string }[] = [
  // ListRules has no resource-level permission.
  { actions: ["events:ListRules"], resource: "*" },
  // The stage's job rules: created per job after synth.
  {
    actions: JOB_RULE_ACTIONS,
    resource: "arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/ac-dev-*",
  },
  // The sweeper reads a job's rule when one of its fires never arrives.
  {
    actions: ["events:DescribeRule"],
    resource: "arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/ac-dev-*",
  },
  // Models and inference profiles are chosen per job.
  {
    actions: ["bedrock:InvokeModel"],
    resource: "arn:<AWS::Partition>:bedrock:<AWS::Region>::foundation-model/*",
  },
  {
    actions: ["bedrock:InvokeModel"],
    resource: "arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:inference-profile/*",
  },
  {
    actions: ["bedrock:InvokeModel"],
    resource: "arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:application-inference-profile/*",
  },
  // Secrets by reference, under the stage's prefix only.
  {
    actions: ["secretsmanager:GetSecretValue"],
    resource: "arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:agentcron/dev/*",
  },
  {
    actions: ["ssm:GetParameter"],
    resource: "arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/agentcron/dev/*",
  },
];

/** Statements of the role of function `name`, as `action -> resources`. */
function grantsOf(synthesised: SynthesisedStack, name: string): Map<string, string[]> {
  const roles = synthesised.template.findResources("AWS::IAM::Role");
  const roleId = Object.entries(roles).find(([, role]) =>
    String(role.Properties.Description).startsWith(`agentcron-dev-${name}:`),
  )?.[0];
  expect(roleId, `the role of ${name}`).toBeDefined();
  const policies = synthesised.template.findResources("AWS::IAM::Policy");
  const policyIds = Object.entries(policies)
    .filter(([, policy]) => policy.Properties.Roles.some((role: unknown) => flatten(role) === `<${roleId}>`))
    .map(([id]) => id);
  const grants = new Map<string, string[]>();
  for (const statement of allowStatements(synthesised.template).filter((s) => policyIds.includes(s.policy))) {
    for (const action of statement.actions)
      grants.set(action, [...(grants.get(action) ?? []), ...statement.resources].sort());
  }
  return grants;
}

describe("least privilege", () => {
  it("never grants a wildcard action", () => {
    const statements = allowStatements(dev.template);

    expect(statements.length).toBeGreaterThan(10);
    for (const statement of statements) {
      for (const action of statement.actions) expect(action, statement.policy).not.toMatch(/\*/);
    }
  });

  it("uses a wildcard resource only in the statements AWS leaves no narrower choice for", () => {
    const wildcards = allowStatements(dev.template).flatMap((statement) =>
      statement.resources
        .filter((resource) => resource.includes("*"))
        .map((resource) => ({ actions: [...statement.actions].sort(), resource })),
    );

    expect(wildcards.length).toBeGreaterThan(0);
    for (const wildcard of wildcards) {
      expect(
        WILDCARD_RESOURCE_ALLOW_LIST.map((allowed) => ({ ...allowed, actions: [...allowed.actions].sort() })),
      ).toContainEqual(wildcard);
    }
  });

  it("gives dispatch the table, sends to turns and the fires DLQ, puts lifecycle events and publishes job health — nothing else", () => {
    const grants = grantsOf(dev, "dispatch");

    expect(Object.fromEntries(grants)).toEqual({
      ...Object.fromEntries(TABLE_ACCESS.runEngine.map((action) => [action, ["<Table710B521B.Arn>"]])),
      "sqs:SendMessage": ["<FiresDeadLetterQueueA51C4D94.Arn>", "<TurnsQueue246E58B7.Arn>"],
      "sqs:ReceiveMessage": ["<FiresQueueBB25881B.Arn>"],
      "sqs:ChangeMessageVisibility": ["<FiresQueueBB25881B.Arn>"],
      "sqs:GetQueueUrl": ["<FiresQueueBB25881B.Arn>"],
      "sqs:DeleteMessage": ["<FiresQueueBB25881B.Arn>"],
      "sqs:GetQueueAttributes": ["<FiresQueueBB25881B.Arn>"],
      "events:PutEvents": ["<LifecycleBus909AF943.Arn>"],
      "sns:Publish": ["<AlarmTopicC2164170>"],
      "kms:GenerateDataKey": ["<AlarmTopicKeyBA1A4AA7.Arn>"],
      "kms:Decrypt": ["<AlarmTopicKeyBA1A4AA7.Arn>"],
      "logs:CreateLogStream": ["<FunctionsDispatchLogs93BAED92.Arn>"],
      "logs:PutLogEvents": ["<FunctionsDispatchLogs93BAED92.Arn>"],
    });
  });

  it("gives turn the table, sends to the turns DLQ only, Bedrock models, and the stage's secrets by reference", () => {
    const grants = grantsOf(dev, "turn");

    // Nothing to the fires queue: a turn never starts another invocation chain (drains are the sweeper's).
    expect(grants.get("sqs:SendMessage")).toEqual(["<TurnsDeadLetterQueue18BCD5E5.Arn>"]);
    expect(grants.get("sqs:ReceiveMessage")).toEqual(["<TurnsQueue246E58B7.Arn>"]);
    expect(grants.get("sqs:ChangeMessageVisibility")).toEqual(["<TurnsQueue246E58B7.Arn>"]);
    expect(grants.get("bedrock:InvokeModel")).toHaveLength(3);
    expect(grants.get("secretsmanager:GetSecretValue")).toEqual([
      "arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:agentcron/dev/*",
    ]);
    expect(grants.get("ssm:GetParameter")).toEqual([
      "arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/agentcron/dev/*",
    ]);
    for (const action of TABLE_ACCESS.runEngine) expect(grants.get(action)).toEqual(["<Table710B521B.Arn>"]);
    expect(grants.has("dynamodb:DeleteItem")).toBe(false);
  });

  it("gives sweep the table and its sweep and fire-watch indexes, sends to fires and turns, reads the turns queue's depth and the stage's rules", () => {
    const grants = grantsOf(dev, "sweep");

    expect(grants.get("dynamodb:Query")?.sort()).toEqual([
      "<Table710B521B.Arn>",
      "<Table710B521B.Arn>/index/fire-watch",
      "<Table710B521B.Arn>/index/sweep",
    ]);
    expect(grants.get("events:DescribeRule")).toEqual([
      "arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/ac-dev-*",
    ]);
    expect(grants.get("sqs:SendMessage")).toEqual(["<FiresQueueBB25881B.Arn>", "<TurnsQueue246E58B7.Arn>"]);
    expect(grants.get("sqs:GetQueueAttributes")).toEqual(["<TurnsQueue246E58B7.Arn>"]);
    expect(grants.has("bedrock:InvokeModel")).toBe(false);
    expect(grants.has("secretsmanager:GetSecretValue")).toBe(false);
  });

  it("gives the job-apply function job writes, the stage's rules and ListRules — and no queue or bus access", () => {
    const grants = grantsOf(dev, "apply-jobs");

    for (const action of TABLE_ACCESS.jobAdmin) expect(grants.get(action)).toEqual(["<Table710B521B.Arn>"]);
    for (const action of JOB_RULE_ACTIONS) {
      expect(grants.get(action)).toEqual([
        "arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/ac-dev-*",
      ]);
    }
    expect(grants.get("events:ListRules")).toEqual(["*"]);
    expect(
      [...grants.keys()].filter((action) => action.startsWith("sqs:") || action === "events:PutEvents"),
    ).toEqual([]);
  });

  it("scopes Bedrock to the configured regions", () => {
    const multiRegion = synthesise({ bedrockRegions: ["us-east-1", "us-west-2"] });

    expect(grantsOf(multiRegion, "turn").get("bedrock:InvokeModel")).toEqual(
      [
        "arn:<AWS::Partition>:bedrock:us-east-1:<AWS::AccountId>:application-inference-profile/*",
        "arn:<AWS::Partition>:bedrock:us-east-1:<AWS::AccountId>:inference-profile/*",
        "arn:<AWS::Partition>:bedrock:us-east-1::foundation-model/*",
        "arn:<AWS::Partition>:bedrock:us-west-2:<AWS::AccountId>:application-inference-profile/*",
        "arn:<AWS::Partition>:bedrock:us-west-2:<AWS::AccountId>:inference-profile/*",
        "arn:<AWS::Partition>:bedrock:us-west-2::foundation-model/*",
      ].sort(),
    );
  });
});
