import { type App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { validateStage } from "#adapters/eventbridge/schedule-rules.ts";
import { AgentcronStack, type AgentcronStackProps } from "./agentcron-stack.ts";
import { stackNameOf } from "./naming.ts";

export interface AgentcronAppOptions extends Omit<AgentcronStackProps, "stage" | "env" | "description"> {
  /** @default "dev" */
  readonly stage?: string;
  /**
   * Run cdk-nag's AwsSolutionsChecks when the app synthesises: any finding that is not acknowledged
   * (infra/nag-suppressions.ts) fails the synth.
   * @default true
   */
  readonly nag?: boolean;
}

/**
 * Adds the stack `agentcron-<stage>` to `app`, environment-agnostic (region and account resolve at
 * deploy time, so `cdk synth` needs no AWS credentials), with cdk-nag as a validation plugin.
 */
export function addAgentcronStack(app: App, options: AgentcronAppOptions): AgentcronStack {
  const { nag = true, stage: requestedStage = "dev", ...stackProps } = options;
  const stage = validateStage(requestedStage);
  const stack = new AgentcronStack(app, stackNameOf(stage), { ...stackProps, stage });
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
