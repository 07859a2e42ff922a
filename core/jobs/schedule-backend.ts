/**
 * Which service fires the jobs of a deployment, and what each can do. Chosen per stage
 * (`cdk deploy -c schedules=rules|scheduler`); the local runtime has its own scheduler.
 */
export const SCHEDULE_BACKENDS = ["rules", "scheduler", "local"] as const;
export type ScheduleBackend = (typeof SCHEDULE_BACKENDS)[number];
/** The backends a deployed stage can choose (`-c schedules=`); `local` is the local runtime's own. */
export type DeployedScheduleBackend = Exclude<ScheduleBackend, "local">;

/** The backend of a stage that does not choose: EventBridge rules, as before Scheduler was added. */
export const DEFAULT_SCHEDULE_BACKEND: ScheduleBackend = "rules";

export interface ScheduleBackendCapabilities {
  /** Schedules evaluated in an IANA time zone other than UTC. */
  readonly timeZones: boolean;
  /** One-time `at(...)` schedules. */
  readonly oneTime: boolean;
  /** A flexible window within which a fire may come (spreading load). */
  readonly flexibleWindows: boolean;
}

export const SCHEDULE_BACKEND_CAPABILITIES: Record<ScheduleBackend, ScheduleBackendCapabilities> = {
  // EventBridge rules evaluate every schedule in UTC and know only cron() and rate().
  rules: { timeZones: false, oneTime: false, flexibleWindows: false },
  scheduler: { timeZones: true, oneTime: true, flexibleWindows: true },
  // The local scheduler fires at the start of a flexible window (a valid time within it).
  local: { timeZones: true, oneTime: true, flexibleWindows: true },
};

/** How a person switches a stage to a backend that has what the job asks for. */
export const SWITCH_TO_SCHEDULER =
  "deploy the stage with EventBridge Scheduler (npm run deploy -- -c schedules=scheduler)";

/**
 * Reads a backend name (an environment variable, a CDK context value, a stack output).
 * @throws RangeError naming the accepted values.
 */
export function parseScheduleBackend(value: string | undefined, source: string): ScheduleBackend {
  if (value === undefined || value === "") return DEFAULT_SCHEDULE_BACKEND;
  if ((SCHEDULE_BACKENDS as readonly string[]).includes(value)) return value as ScheduleBackend;
  throw new RangeError(`${source}: "${value}" is not a schedule backend; use rules or scheduler`);
}
