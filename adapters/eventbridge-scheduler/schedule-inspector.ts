import { GetScheduleCommand, type SchedulerClient } from "@aws-sdk/client-scheduler";
import type { ScheduleInspector } from "#core/ports.ts";
import { scheduleGroupNameOf } from "./scheduler-schedules.ts";

/** The state of a job's EventBridge Scheduler schedule, for a fire that never arrived. */
export function createScheduleInspector(client: SchedulerClient, stage: string): ScheduleInspector {
  const group = scheduleGroupNameOf(stage);
  return {
    async stateOf(jobId) {
      try {
        const schedule = await client.send(new GetScheduleCommand({ Name: jobId, GroupName: group }));
        return schedule.State === "ENABLED" ? "enabled" : "disabled";
      } catch (error) {
        if ((error as Error).name === "ResourceNotFoundException") return "missing";
        throw error;
      }
    },
  };
}
