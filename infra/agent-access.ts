import { Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { parameterNamePrefix, secretNamePrefix } from "./naming.ts";

/**
 * Lets the turn function call Bedrock models (the `bedrock` harness) in `regions`.
 *
 * The harness calls Converse, which IAM authorises as `bedrock:InvokeModel` (there is no
 * `bedrock:Converse` action); ConverseStream is not used, so InvokeModelWithResponseStream is not
 * granted. Resources are foundation models (ARNs without an account) and this account's inference
 * profiles, in the listed regions only. A cross-region inference profile (`us.anthropic...`) sends
 * the request to a foundation model in another region of its geography, and IAM checks that model
 * there: list those regions too (docs/deploy.md).
 */
export function grantModelInvocation(fn: lambda.Function, regions: readonly string[]): void {
  const stack = Stack.of(fn);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ["bedrock:InvokeModel"],
      resources: regions.flatMap((region) => [
        `arn:${stack.partition}:bedrock:${region}::foundation-model/*`,
        `arn:${stack.partition}:bedrock:${region}:${stack.account}:inference-profile/*`,
        `arn:${stack.partition}:bedrock:${region}:${stack.account}:application-inference-profile/*`,
      ]),
    }),
  );
}

/**
 * Secrets by reference (core/agents/secrets.ts): jobs name `secretsmanager:agentcron/<stage>/NAME`
 * or `ssm:/agentcron/<stage>/NAME`, and the turn function may read exactly those — no other secret
 * or parameter in the account. Values encrypted with the AWS-managed keys (aws/secretsmanager,
 * aws/ssm) need no KMS grant; a customer-managed key needs kms:Decrypt added for this role.
 */
export function grantSecretsByReference(fn: lambda.Function, stage: string): void {
  const stack = Stack.of(fn);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ["secretsmanager:GetSecretValue"],
      // Secrets Manager appends "-" and 6 random characters to a secret's ARN.
      resources: [
        `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:${secretNamePrefix(stage)}*`,
      ],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ["ssm:GetParameter"],
      // A parameter's ARN drops the leading "/" of its name.
      resources: [
        `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${parameterNamePrefix(stage)}*`,
      ],
    }),
  );
}
