import { z } from "zod";
import type { ValidationIssue } from "../errors.ts";
import { toValidationIssues } from "../validation.ts";
import type { AgentCatalog } from "./catalog.ts";
import { JOB_FIELD_REASONS } from "./field-reasons.ts";
import { oneTimeInstant } from "./next-fire.ts";
import {
  DEFAULT_SCHEDULE_BACKEND,
  SCHEDULE_BACKEND_CAPABILITIES,
  type ScheduleBackend,
  SWITCH_TO_SCHEDULER,
} from "./schedule-backend.ts";
import {
  parseScheduleExpression,
  type ScheduleExpression,
  ScheduleExpressionError,
} from "./schedule-expression.ts";
import { defaultStartDeadlineSeconds } from "./start-deadline.ts";
import { checkTimeBudget, LAMBDA_MAX_TIMEOUT_SECONDS } from "./time-budget.ts";
import { timeZoneProblem, UTC } from "./time-zone.ts";

export const OVERLAP_POLICIES = ["skip", "buffer-one", "replace"] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** Job ids become part of EventBridge rule names (64 characters at most, with a prefix). */
export const JOB_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,47}$/;

/** Defaults for everything optional in a job, in one place so README and code agree. */
export const JOB_DEFAULTS = {
  enabled: true,
  timezone: UTC,
  pluginTimeoutSeconds: 20,
  pluginRequired: true,
  setupSeconds: 10,
  agentTurnSeconds: 600,
  finalizeSeconds: 15,
  /** runtime-plugins defaults to the plugins' timeouts added up, plus this slack. */
  runtimePluginsSlackSeconds: 5,
  leaseSeconds: 60,
  overlap: "buffer-one" as OverlapPolicy,
  retryOnStall: 0,
  historyRetentionDays: 30,
  failureRateThreshold: 0.5,
  failureRateWindow: 10,
  consecutiveFailures: 3,
  consecutiveSkips: 3,
  /** Runs in the window before the failure rate counts, and runs in a row without a success that make a job unhealthy. */
  minRuns: 5,
} as const;

/** The health thresholds of a job that sets none (also used when a job is gone or invalid). */
export const DEFAULT_ALARM_SETTINGS = {
  failureRateThreshold: JOB_DEFAULTS.failureRateThreshold,
  failureRateWindow: JOB_DEFAULTS.failureRateWindow,
  consecutiveFailures: JOB_DEFAULTS.consecutiveFailures,
  consecutiveSkips: JOB_DEFAULTS.consecutiveSkips,
  minRuns: JOB_DEFAULTS.minRuns,
} as const;

const pluginSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-zA-Z0-9_-]{1,32}$/,
      "a plugin name is 1-32 letters, digits, '_' or '-' (it prefixes its tools' names)",
    ),
  type: z.string().min(1),
  options: z.record(z.string(), z.unknown()).default({}),
  timeoutSeconds: z.number().int().min(1).max(300).default(JOB_DEFAULTS.pluginTimeoutSeconds),
  required: z.boolean().default(JOB_DEFAULTS.pluginRequired),
});

/** The shape of one job as a user writes it (jobs.json); also the source of schema/jobs.schema.json. */
export const baseJobSchema = z.strictObject({
  id: z
    .string()
    .regex(
      JOB_ID_PATTERN,
      "a job id is 1-48 characters: lowercase letters, digits and '-', starting with a letter or digit",
    ),
  description: z.string().max(500).optional(),
  schedule: z.string(),
  /** The IANA zone cron and at() schedules are read in (EventBridge Scheduler and the local runtime). */
  timezone: z.string().default(JOB_DEFAULTS.timezone),
  /** EventBridge Scheduler may deliver each fire up to this many minutes after its time. */
  flexibleWindowMinutes: z.number().int().min(1).max(1440).optional(),
  enabled: z.boolean().default(JOB_DEFAULTS.enabled),
  agent: z.strictObject({
    harness: z.string().min(1),
    model: z.string().min(1).optional(),
    prompt: z.string().min(1, "the prompt is empty").max(100_000),
    options: z.record(z.string(), z.unknown()).default({}),
  }),
  plugins: z.array(pluginSchema).max(20).default([]),
  timeouts: z
    .strictObject({
      setupSeconds: z.number().int().min(1).max(300).default(JOB_DEFAULTS.setupSeconds),
      runtimePluginsSeconds: z.number().int().min(1).max(600).optional(),
      agentTurnSeconds: z
        .number()
        .int()
        .min(1)
        .max(LAMBDA_MAX_TIMEOUT_SECONDS)
        .default(JOB_DEFAULTS.agentTurnSeconds),
      finalizeSeconds: z.number().int().min(1).max(120).default(JOB_DEFAULTS.finalizeSeconds),
    })
    .default({
      setupSeconds: JOB_DEFAULTS.setupSeconds,
      agentTurnSeconds: JOB_DEFAULTS.agentTurnSeconds,
      finalizeSeconds: JOB_DEFAULTS.finalizeSeconds,
    }),
  maxRunSeconds: z.number().int().min(1).max(LAMBDA_MAX_TIMEOUT_SECONDS).optional(),
  leaseSeconds: z.number().int().min(15).max(900).default(JOB_DEFAULTS.leaseSeconds),
  /**
   * How long a fire may wait for its turn to begin (from its scheduled time; for a buffered fire,
   * from when the job freed). Past it a fire that arrives ends as `missed` and a queued run as
   * `not-started`, with the reason. Default: the schedule's period, between 2 and 15 minutes.
   */
  startDeadlineSeconds: z.number().int().min(60).max(86_400).optional(),
  overlap: z.enum(OVERLAP_POLICIES).default(JOB_DEFAULTS.overlap),
  retryOnStall: z.number().int().min(0).max(3).default(JOB_DEFAULTS.retryOnStall),
  historyRetentionDays: z.number().int().min(1).max(3650).default(JOB_DEFAULTS.historyRetentionDays),
  alarms: z
    .strictObject({
      failureRateThreshold: z.number().min(0).max(1).default(JOB_DEFAULTS.failureRateThreshold),
      failureRateWindow: z.number().int().min(2).max(50).default(JOB_DEFAULTS.failureRateWindow),
      consecutiveFailures: z.number().int().min(1).max(100).default(JOB_DEFAULTS.consecutiveFailures),
      consecutiveSkips: z.number().int().min(1).max(1000).default(JOB_DEFAULTS.consecutiveSkips),
      minRuns: z.number().int().min(1).max(50).default(JOB_DEFAULTS.minRuns),
    })
    .superRefine((alarms, context) => {
      // Both of minRuns' uses look at the window of recent outcomes, which holds failureRateWindow runs.
      if (alarms.minRuns > alarms.failureRateWindow) {
        context.addIssue({
          code: "custom",
          path: ["minRuns"],
          message: `minRuns (${alarms.minRuns}) is more than failureRateWindow (${alarms.failureRateWindow}): the window keeps only that many runs; lower minRuns or widen the window`,
        });
      }
    })
    .default(DEFAULT_ALARM_SETTINGS),
});

type ParsedJob = z.output<typeof baseJobSchema>;

/** A job definition after validation, with every default filled in and every budget resolved. */
export interface JobDefinition
  extends Omit<ParsedJob, "timeouts" | "maxRunSeconds" | "startDeadlineSeconds"> {
  readonly timeouts: {
    readonly setupSeconds: number;
    readonly runtimePluginsSeconds: number;
    readonly agentTurnSeconds: number;
    readonly finalizeSeconds: number;
  };
  readonly maxRunSeconds: number;
  readonly startDeadlineSeconds: number;
}

/** The job as a user writes it (jobs.json): only id, schedule and agent are required. */
export type JobSpec = z.input<typeof baseJobSchema>;

export interface JobValidationContext {
  readonly catalog: AgentCatalog;
  /** The turn function's timeout; the ceiling of every job must fit inside it. @default 900 */
  readonly functionTimeoutSeconds?: number;
  /**
   * Accept a harness this deployment has not registered (skipping its options check). Dispatch
   * uses it so such a run still happens and fails in the turn with HarnessNotRegisteredError —
   * a run record, a metric and an alarm — rather than a quiet rejection (field report 4).
   * @default false
   */
  readonly admitUnregisteredHarness?: boolean;
  /**
   * The service that fires this deployment's jobs: a time zone, an at() schedule or a flexible
   * window is refused (with the reason and the fix) where it cannot be honoured.
   * @default "rules"
   */
  readonly schedules?: ScheduleBackend;
}

export type JobValidationResult =
  | { readonly ok: true; readonly job: JobDefinition }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/**
 * Validates one job definition against the schema, the registered harnesses and plugin types
 * (and their option schemas), the schedule expression syntax and the time budgets. Collects every
 * problem rather than stopping at the first, each with its path relative to the job.
 */
export function validateJob(input: unknown, context: JobValidationContext): JobValidationResult {
  const parsed = baseJobSchema.safeParse(input);
  if (!parsed.success) {
    // Report schedule and catalog problems too when the rest of the shape is broken, so a user
    // fixing a file sees everything at once.
    const given = { input, schema: baseJobSchema, reasons: JOB_FIELD_REASONS };
    const shapeIssues = toValidationIssues(parsed.error, "", given);
    return { ok: false, issues: [...shapeIssues, ...checkLooseFields(input, context, shapeIssues)] };
  }
  const job = parsed.data;
  const issues: ValidationIssue[] = [
    ...checkSchedule(job, context.schedules ?? DEFAULT_SCHEDULE_BACKEND),
    ...checkAgent(job.agent, context.catalog, context.admitUnregisteredHarness ?? false),
    ...checkPlugins(job.plugins, context.catalog),
  ];
  const resolved = resolveBudgets(job);
  issues.push(
    ...checkTimeBudget(
      {
        ...resolved.timeouts,
        maxRunSeconds: resolved.maxRunSeconds,
        leaseSeconds: job.leaseSeconds,
        pluginTimeouts: job.plugins.map((plugin) => ({
          name: plugin.name,
          timeoutSeconds: plugin.timeoutSeconds,
        })),
      },
      context.functionTimeoutSeconds ?? LAMBDA_MAX_TIMEOUT_SECONDS,
    ),
  );
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, job: { ...job, ...resolved } };
}

function resolveBudgets(
  job: ParsedJob,
): Pick<JobDefinition, "timeouts" | "maxRunSeconds" | "startDeadlineSeconds"> {
  const pluginSum = job.plugins.reduce((sum, plugin) => sum + plugin.timeoutSeconds, 0);
  const runtimePluginsSeconds =
    job.timeouts.runtimePluginsSeconds ??
    (job.plugins.length === 0 ? 1 : pluginSum + JOB_DEFAULTS.runtimePluginsSlackSeconds);
  const timeouts = { ...job.timeouts, runtimePluginsSeconds };
  const maxRunSeconds =
    job.maxRunSeconds ??
    timeouts.setupSeconds +
      timeouts.runtimePluginsSeconds +
      timeouts.agentTurnSeconds +
      timeouts.finalizeSeconds;
  const startDeadlineSeconds =
    job.startDeadlineSeconds ?? defaultStartDeadlineSeconds(tryParse(job.schedule));
  return { timeouts, maxRunSeconds, startDeadlineSeconds };
}

function tryParse(schedule: string): ScheduleExpression | undefined {
  try {
    return parseScheduleExpression(schedule);
  } catch {
    return undefined;
  }
}

type ScheduleFields = Pick<ParsedJob, "schedule" | "timezone" | "flexibleWindowMinutes">;

/** The schedule, its time zone and window, and whether this deployment's backend can honour them. */
function checkSchedule(job: ScheduleFields, backend: ScheduleBackend): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const can = SCHEDULE_BACKEND_CAPABILITIES[backend];
  const zoneProblem = timeZoneProblem(job.timezone);
  if (zoneProblem) issues.push({ path: "timezone", message: zoneProblem });
  else if (job.timezone !== UTC && !can.timeZones) {
    issues.push({
      path: "timezone",
      message: `"${job.timezone}" needs EventBridge Scheduler: this stage fires jobs with EventBridge rules, which read every schedule in UTC. Either ${SWITCH_TO_SCHEDULER}, or write the schedule in UTC and remove timezone`,
    });
  }
  if (job.flexibleWindowMinutes !== undefined && !can.flexibleWindows) {
    issues.push({
      path: "flexibleWindowMinutes",
      message: `a flexible window needs EventBridge Scheduler: EventBridge rules fire at the scheduled minute. Either ${SWITCH_TO_SCHEDULER}, or remove flexibleWindowMinutes`,
    });
  }
  let schedule: ReturnType<typeof parseScheduleExpression>;
  try {
    schedule = parseScheduleExpression(job.schedule);
  } catch (error) {
    if (error instanceof ScheduleExpressionError)
      return [...issues, { path: "schedule", message: error.message }];
    throw error;
  }
  if (schedule.kind !== "at") return issues;
  if (!can.oneTime) {
    issues.push({
      path: "schedule",
      message: `${schedule.expression} is a one-time schedule, which needs EventBridge Scheduler: EventBridge rules only repeat. Either ${SWITCH_TO_SCHEDULER}, or fire it once by hand (agentcron run ID)`,
    });
  } else if (!zoneProblem && oneTimeInstant(schedule.at, job.timezone) === undefined) {
    issues.push({
      path: "schedule",
      message: `${schedule.expression} does not exist in ${job.timezone}: the clocks jump over it that day (daylight saving time); pick a time outside the skipped hour`,
    });
  }
  return issues;
}

function checkAgent(
  agent: ParsedJob["agent"],
  catalog: AgentCatalog,
  admitUnregistered = false,
): ValidationIssue[] {
  const harness = catalog.harnesses.get(agent.harness);
  if (!harness) {
    if (admitUnregistered) return [];
    return [
      {
        path: "agent.harness",
        message: `"${agent.harness}" is not a registered harness; use one of: ${[...catalog.harnesses.keys()].join(", ")}`,
      },
    ];
  }
  const options = harness.optionsSchema.safeParse(agent.options);
  return options.success
    ? []
    : toValidationIssues(options.error, "agent.options", {
        input: agent.options,
        schema: harness.optionsSchema,
      });
}

function checkPlugins(plugins: ParsedJob["plugins"], catalog: AgentCatalog): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Map<string, number>();
  plugins.forEach((plugin, index) => {
    const base = `plugins[${index}]`;
    const first = seen.get(plugin.name);
    if (first !== undefined) {
      issues.push({
        path: `${base}.name`,
        message: `"${plugin.name}" is already the name of plugins[${first}]`,
      });
    } else {
      seen.set(plugin.name, index);
    }
    const pluginType = catalog.pluginTypes.get(plugin.type);
    if (!pluginType) {
      issues.push({
        path: `${base}.type`,
        message: `"${plugin.type}" is not a registered plugin type; use one of: ${[...catalog.pluginTypes.keys()].join(", ")}`,
      });
      return;
    }
    const options = pluginType.optionsSchema.safeParse(plugin.options);
    if (!options.success) {
      const given = { input: plugin.options, schema: pluginType.optionsSchema };
      issues.push(...toValidationIssues(options.error, `${base}.options`, given));
    }
  });
  return issues;
}

/**
 * Best-effort checks on a job whose overall shape failed, so one pass reports everything: those
 * `shapeIssues` (zod's) do not already report at the same path.
 */
function checkLooseFields(
  input: unknown,
  context: JobValidationContext,
  shapeIssues: readonly ValidationIssue[],
): ValidationIssue[] {
  if (typeof input !== "object" || input === null) return [];
  const record = input as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  if (typeof record.schedule === "string") {
    const window = record.flexibleWindowMinutes;
    const scheduleIssues = checkSchedule(
      {
        schedule: record.schedule,
        timezone: typeof record.timezone === "string" ? record.timezone : UTC,
        flexibleWindowMinutes: typeof window === "number" ? window : undefined,
      },
      context.schedules ?? DEFAULT_SCHEDULE_BACKEND,
    );
    const reported = new Set(shapeIssues.map((issue) => issue.path));
    issues.push(...scheduleIssues.filter((issue) => !reported.has(issue.path)));
  }
  const agent = record.agent as Record<string, unknown> | undefined;
  if (agent && typeof agent.harness === "string") {
    // An unregistered harness, or — for a registered one — options its schema refuses.
    const options = typeof agent.options === "object" && agent.options !== null ? agent.options : {};
    issues.push(
      ...checkAgent(
        { harness: agent.harness, prompt: "x", options: options as Record<string, unknown> },
        context.catalog,
      ),
    );
  }
  return issues;
}
