import { ruleNamePrefix, validateStage } from "#adapters/eventbridge/rule-names.ts";

/**
 * Every name the stack gives, in one place: stable names are part of the product (alarm consumers
 * route on them, the docs list them, the CLI finds resources by them).
 */
export function stackNameOf(stage: string): string {
  return resourcePrefix(stage);
}

/** `agentcron-<stage>`: the prefix of every name below (queues are `<prefix>-fires`, ...). */
export function resourcePrefix(stage: string): string {
  return `agentcron-${validateStage(stage)}`;
}

/** `agentcron-<stage>-<what>`: functions, queues, the bus, the topic, the dashboard, global alarms. */
export function resourceName(stage: string, what: string): string {
  return `${resourcePrefix(stage)}-${what}`;
}

/** POWERTOOLS_SERVICE_NAME and the `service` dimension of every agentcron metric. */
export function serviceNameOf(stage: string): string {
  return resourcePrefix(stage);
}

/**
 * `agentcron-<stage>-<what>`: a consumer routes on the name. There are no per-job alarms; a job's
 * health messages on the same topic name the job.
 */
export function alarmName(stage: string, what: string): string {
  return resourceName(stage, what);
}

/** The EventBridge Scheduler schedule group of the stage's job schedules (`agentcron-<stage>`). */
export { scheduleGroupNameOf } from "#adapters/eventbridge-scheduler/scheduler-schedules.ts";

/** Matches every alarm of the stage (and no other stage's: stages contain no '-'). */
export function alarmNamePattern(stage: string): string {
  return `${resourcePrefix(stage)}-*`;
}

/** Job rules are `ac-<stage>-<jobId>` (short: EventBridge rule names are at most 64 characters). */
export function jobRuleNamePattern(stage: string): string {
  return `${ruleNamePrefix(stage)}*`;
}

/**
 * Secrets by reference: the turn function may read Secrets Manager secrets named
 * `agentcron/<stage>/...` and SSM parameters named `/agentcron/<stage>/...` — nothing else.
 */
export function secretNamePrefix(stage: string): string {
  return `agentcron/${validateStage(stage)}/`;
}

export function parameterNamePrefix(stage: string): string {
  return `/agentcron/${validateStage(stage)}/`;
}

/** Stages whose data outlives the stack (table retained, deletion protection on). */
export function isProductionStage(stage: string): boolean {
  return /^prod/.test(stage);
}
