import { DescribeRuleCommand, type EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { ScheduleInspector } from "#core/ports.ts";
import { ruleNameFor } from "./schedule-rules.ts";

/** The state of a job's EventBridge rule (`ac-<stage>-<jobId>`), for a fire that never arrived. */
export function createRuleInspector(client: EventBridgeClient, stage: string): ScheduleInspector {
  return {
    async stateOf(jobId) {
      try {
        const rule = await client.send(new DescribeRuleCommand({ Name: ruleNameFor(stage, jobId) }));
        return rule.State === "ENABLED" ? "enabled" : "disabled";
      } catch (error) {
        if ((error as Error).name === "ResourceNotFoundException") return "missing";
        throw error;
      }
    },
  };
}
