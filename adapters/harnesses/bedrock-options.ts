import { z } from "zod";
import { httpUrlSchema, strictOptionsObject } from "#adapters/secrets/option-schemas.ts";
import type { HarnessDescriptor } from "#core/agents/harness.ts";
import { toolLoopOptionsShape } from "./tool-loop-options.ts";

/** Options of the `bedrock` harness (strict; credentials come from the AWS default chain, never a job). */
export const bedrockOptionsSchema = strictOptionsObject(
  {
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: "must be an AWS region such as us-east-1" })
      .optional()
      .describe(
        "Region of the Bedrock runtime endpoint. Default: the region of the turn function (AWS_REGION).",
      ),
    endpoint: httpUrlSchema
      .optional()
      .describe("Endpoint override (a VPC endpoint, or a loopback server in tests)."),
    temperature: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe("Sampling temperature, when the model accepts one."),
    ...toolLoopOptionsShape,
  },
  {
    accessKeyId:
      "the bedrock harness uses the AWS credentials of the turn function (its IAM role); grant it bedrock:InvokeModel instead",
    secretAccessKey:
      "the bedrock harness uses the AWS credentials of the turn function (its IAM role); grant it bedrock:InvokeModel instead",
  },
);

export type BedrockOptions = z.infer<typeof bedrockOptionsSchema>;

/**
 * The `bedrock` harness as the job schema knows it — its name and options — without its implementation
 * or SDK, so functions that only validate jobs (dispatch, sweep, job apply) do not bundle them.
 */
export const bedrockDescriptor: HarnessDescriptor<BedrockOptions> = {
  name: "bedrock",
  description:
    "Amazon Bedrock Converse API with a bounded tool-use loop; AWS credentials of the turn function.",
  optionsSchema: bedrockOptionsSchema,
};
