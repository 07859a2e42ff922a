import { type Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type { IConstruct } from "constructs";

/**
 * Why a wildcard resource is the least privilege that works. A statement whose resource contains
 * `*` and matches none of these keeps its cdk-nag AwsSolutions-IAM5 finding, which fails the synth:
 * a new wildcard needs a reason here first.
 */
export const WILDCARD_RESOURCE_REASONS: readonly { readonly resource: RegExp; readonly reason: string }[] = [
  {
    resource: /^\*$/,
    reason:
      "events:ListRules (a rules stage) and scheduler:ListSchedules (a Scheduler stage) support no resource-level " +
      "permission, so AWS requires Resource '*'. Each is the only action on '*' (the job-apply function's other " +
      "EventBridge or Scheduler actions are scoped to the stage's rules or schedule group); they list names and " +
      "states, and the reconciler changes only the stage's own rules or the schedules of its own group.",
  },
  {
    resource: /:scheduler:.+:schedule\/agentcron-[a-z][a-z0-9]*\/\*$/,
    reason:
      "Job schedules are created at deploy time and by the CLI, one per job, in the stage's own schedule group " +
      "agentcron-<stage>; their names are not known at synth. The pattern is that group only (stages contain no " +
      "'-', so it matches no other stage's group); the execution role's trust is limited to it too.",
  },
  {
    resource: /:events:.+:rule\/ac-[a-z][a-z0-9]*-\*$/,
    reason:
      "Job rules are created at deploy time and by the CLI, one per job, named ac-<stage>-<jobId>; their names " +
      "are not known at synth. The pattern is the stage's own prefix, and stages contain no '-', so it matches " +
      "no other stage's rules.",
  },
  {
    resource: /:bedrock:.+::foundation-model\/\*$/,
    reason:
      "A job chooses its model (agent.model) and jobs can be applied with the CLI after the deployment, so the " +
      "models are not known at synth. Limited to bedrock:InvokeModel on foundation models in the allowed regions.",
  },
  {
    resource: /:bedrock:.+:(application-)?inference-profile\/\*$/,
    reason:
      "A job may name an inference profile as its model (cross-region or application profiles); like models they " +
      "are chosen per job after the deployment. Limited to this account's profiles in the allowed regions.",
  },
  {
    resource: /:secretsmanager:.+:secret:agentcron\/[a-z][a-z0-9]*\/\*$/,
    reason:
      "Secrets by reference: jobs name secrets agentcron/<stage>/NAME, created by operators after the " +
      "deployment. Only GetSecretValue, only under the stage's prefix (Secrets Manager appends a random suffix " +
      "to every secret ARN, so an exact ARN cannot be written ahead of time either).",
  },
  {
    resource: /:ssm:.+:parameter\/agentcron\/[a-z][a-z0-9]*\/\*$/,
    reason:
      "Secrets by reference: jobs name SSM parameters /agentcron/<stage>/NAME, created by operators after the " +
      "deployment. Only GetParameter, only under the stage's prefix.",
  },
];

/**
 * Acknowledges, on each IAM policy of the stack, every wildcard resource that has a documented
 * reason above — and nothing else. Call it last, once every grant is in place. (Patterns use `.+`
 * around the region and account: cdk-nag writes them as `<AWS::Region>`, which contains colons.)
 */
export function acknowledgeNagFindings(stack: Stack): void {
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof iam.CfnPolicy)) continue;
    const document = stack.resolve(construct.policyDocument) as { Statement?: { Resource?: unknown }[] };
    for (const statement of document.Statement ?? []) {
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      for (const resource of resources.map(flattenForNag)) {
        if (!resource.includes("*")) continue;
        const known = WILDCARD_RESOURCE_REASONS.find((entry) => entry.resource.test(resource));
        if (known) acknowledge(construct, `AwsSolutions-IAM5[Resource::${resource}]`, known.reason);
      }
    }
  }
}

function acknowledge(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}

/**
 * A resolved resource as cdk-nag names it in a finding id: pseudo parameters become `<AWS::Region>`,
 * attributes `<LogicalId.Attribute>`, references `<LogicalId>`.
 */
export function flattenForNag(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") {
    const node = value as Record<string, unknown>;
    if (typeof node.Ref === "string") return `<${node.Ref}>`;
    if (Array.isArray(node["Fn::GetAtt"])) return `<${(node["Fn::GetAtt"] as string[]).join(".")}>`;
    if (Array.isArray(node["Fn::Join"])) {
      const [separator, parts] = node["Fn::Join"] as [string, unknown[]];
      return parts.map(flattenForNag).join(separator);
    }
  }
  return JSON.stringify(value);
}
