import { readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { validateDeployedJobSet } from "#adapters/job-set-file.ts";
import type { JobSpec } from "#core/jobs/job-schema.ts";
import { type AgentcronAppOptions, addAgentcronStack } from "#infra/agentcron-app.ts";
import type { AgentcronStack } from "#infra/agentcron-stack.ts";
import { flattenForNag } from "#infra/nag-suppressions.ts";

/** The feature flags of cdk.json, so tests synthesise exactly what `cdk synth` does. */
const CDK_CONTEXT = (
  JSON.parse(readFileSync(new URL("../../../cdk.json", import.meta.url), "utf8")) as {
    context: Record<string, unknown>;
  }
).context;

/** A valid job on the offline `demo` harness; tests override what they are about. */
export function demoJobSpec(overrides: Partial<JobSpec> & { id: string }): JobSpec {
  return {
    schedule: "rate(5 minutes)",
    agent: { harness: "demo", prompt: "Summarise the inbox", options: { output: "done" } },
    ...overrides,
  };
}

export const DEFAULT_TEST_JOBS: readonly JobSpec[] = [
  demoJobSpec({ id: "inbox-triage", timeouts: { agentTurnSeconds: 60 } }),
  demoJobSpec({ id: "seo-refresh", schedule: "cron(0/1 * * * ? *)", timeouts: { agentTurnSeconds: 30 } }),
];

export interface SynthesisedStack {
  readonly app: App;
  readonly stack: AgentcronStack;
  readonly template: Template;
}

/**
 * Synthesises the stack without bundling the functions (`aws:cdk:bundling-stacks: []`, what
 * `cdk deploy other-stack` does for stacks it skips): templates are identical apart from asset
 * hashes, and each synthesis takes a second instead of bundling four functions. Bundling itself is
 * covered by the `cdk synth` test.
 */
export function synthesise(
  options: Partial<Omit<AgentcronAppOptions, "jobSet">> & { jobs?: readonly JobSpec[] } = {},
): SynthesisedStack {
  const { jobs = DEFAULT_TEST_JOBS, ...rest } = options;
  return synthesiseJobSet(validateDeployedJobSet({ jobs }, "jobs.json", options.schedules ?? "rules"), rest);
}

/** {@link synthesise} with a job set built by the test (e.g. one whose alarms cover fewer jobs). */
export function synthesiseJobSet(
  jobSet: AgentcronAppOptions["jobSet"],
  options: Partial<Omit<AgentcronAppOptions, "jobSet">> = {},
): SynthesisedStack {
  const app = new App({ context: { ...CDK_CONTEXT, "aws:cdk:bundling-stacks": [] } });
  const stack = addAgentcronStack(app, { nag: false, ...options, jobSet });
  return { app, stack, template: Template.fromStack(stack) };
}

/** A CloudFormation value with pseudo parameters and references flattened to text (`<AWS::Region>`). */
export const flatten = flattenForNag;

export interface PolicyStatementView {
  readonly policy: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/** Every Allow statement of every IAM policy in the template, with flattened resources. */
export function allowStatements(template: Template): PolicyStatementView[] {
  const policies = template.findResources("AWS::IAM::Policy") as Record<
    string,
    {
      Properties: { PolicyDocument: { Statement: { Effect: string; Action: unknown; Resource: unknown }[] } };
    }
  >;
  return Object.entries(policies).flatMap(([logicalId, policy]) =>
    policy.Properties.PolicyDocument.Statement.filter((statement) => statement.Effect === "Allow").map(
      (statement) => ({
        policy: logicalId,
        actions: ([] as unknown[]).concat(statement.Action).map(String),
        resources: ([] as unknown[]).concat(statement.Resource).map(flatten),
      }),
    ),
  );
}

/** The logical id of the one resource of `type` whose properties match. */
export function logicalIdOf(template: Template, type: string, properties: Record<string, unknown>): string {
  const found = Object.keys(template.findResources(type, { Properties: properties }));
  if (found.length !== 1)
    throw new Error(`expected one ${type} matching ${JSON.stringify(properties)}, found ${found.length}`);
  return found[0] as string;
}
