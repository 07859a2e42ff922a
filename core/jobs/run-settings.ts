import { DEFAULT_ALARM_SETTINGS, JOB_DEFAULTS, type JobDefinition } from "./job-schema.ts";
import { MAX_DEFAULT_START_DEADLINE_SECONDS } from "./start-deadline.ts";

/** What the engine needs of a job to run, end or account for a run of it. */
export type RunSettings = Pick<
  JobDefinition,
  | "leaseSeconds"
  | "historyRetentionDays"
  | "retryOnStall"
  | "alarms"
  | "maxRunSeconds"
  | "timeouts"
  | "startDeadlineSeconds"
>;

/**
 * The settings of a run whose job was deleted, or no longer validates, since the run was queued —
 * the defaults of a job without plugins. The one place the engine resolves them (the turn, the
 * sweeper and dispatch all fall back on this).
 */
export const FALLBACK_RUN_SETTINGS: RunSettings = {
  leaseSeconds: JOB_DEFAULTS.leaseSeconds,
  historyRetentionDays: JOB_DEFAULTS.historyRetentionDays,
  retryOnStall: JOB_DEFAULTS.retryOnStall,
  startDeadlineSeconds: MAX_DEFAULT_START_DEADLINE_SECONDS,
  timeouts: {
    setupSeconds: JOB_DEFAULTS.setupSeconds,
    // A job without plugins gets a one-second runtime-plugins phase (see resolveBudgets).
    runtimePluginsSeconds: 1,
    agentTurnSeconds: JOB_DEFAULTS.agentTurnSeconds,
    finalizeSeconds: JOB_DEFAULTS.finalizeSeconds,
  },
  maxRunSeconds: JOB_DEFAULTS.setupSeconds + 1 + JOB_DEFAULTS.agentTurnSeconds + JOB_DEFAULTS.finalizeSeconds,
  alarms: DEFAULT_ALARM_SETTINGS,
};
