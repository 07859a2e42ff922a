import { App, Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { validateDeployedJobSet } from "#adapters/job-set-file.ts";
import { addAgentcronStack } from "#infra/agentcron-app.ts";
import { acknowledgeNagFindings } from "#infra/nag-suppressions.ts";
import { synthesise } from "./support/stack.ts";

function nagViolations(scope: IConstruct) {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.map((violation) => ({
    rule: violation.ruleName,
    severity: violation.severity,
    resources: violation.violatingResources.map((resource) => resource.constructPath),
  }));
}

/** Every `Validations.of(x).acknowledge(...)` in the tree: rule id → reason. */
function acknowledgements(scope: IConstruct): { path: string; id: string; reason: unknown }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe("cdk-nag AwsSolutionsChecks", () => {
  it("runs on every synth of the app, so an unacknowledged finding fails `cdk synth`", () => {
    const app = new App();

    addAgentcronStack(app, { jobSet: validateDeployedJobSet({ jobs: [] }) });

    expect(app.policyValidationBeta1.map((plugin) => plugin.name)).toContain("AwsSolutions");
  });

  it("finds nothing unacknowledged in the dev stack", () => {
    const { stack } = synthesise({ stage: "dev" });

    expect(nagViolations(stack)).toEqual([]);
  });

  it("finds nothing unacknowledged in a prod stack with Bedrock in several regions", () => {
    const { stack } = synthesise({ stage: "prod", bedrockRegions: ["us-east-1", "us-east-2", "us-west-2"] });

    expect(nagViolations(stack)).toEqual([]);
  });

  it("acknowledges findings only with a reason", () => {
    const { stack } = synthesise({ stage: "dev" });

    const acknowledged = acknowledgements(stack);

    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledged) {
      expect(id, path).toMatch(/AwsSolutions-IAM5\[Resource::.+\]$/);
      expect(typeof reason, `${id} on ${path}`).toBe("string");
      expect((reason as string).trim().length, `${id} on ${path}`).toBeGreaterThan(40);
    }
  });

  it("leaves a wildcard without a documented reason as a finding", () => {
    // Prepare: a grant on every object of a bucket, which no reason covers.
    const { stack } = synthesise({ stage: "dev" });
    const role = stack.functions.sweep.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: ["arn:aws:s3:::some-bucket/*"] }),
    );

    // Act
    acknowledgeNagFindings(Stack.of(role));

    // Assess
    expect(nagViolations(stack)).toEqual([
      {
        rule: "AwsSolutions-IAM5[Resource::arn:aws:s3:::some-bucket/*]",
        severity: "error",
        resources: ["agentcron-dev/Functions/Sweep/Role/DefaultPolicy/Resource"],
      },
    ]);
  });
});
