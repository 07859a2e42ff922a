import type {
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceResponse,
  Context,
} from "aws-lambda";
import { z } from "zod";
import type { Clock } from "#core/clock.ts";
import { applyJobs } from "#core/jobs/apply-jobs.ts";
import type { JobValidationContext } from "#core/jobs/job-schema.ts";
import type { DeployedScheduleBackend } from "#core/jobs/schedule-backend.ts";
import type { Logger } from "#core/logger.ts";
import type { FireWatchStore, JobStore, ScheduleChange, Schedules } from "#core/ports.ts";
import { ReconcileIncompleteError } from "#core/schedules/reconcile-incomplete.ts";

/**
 * Properties of the `Custom::AgentcronJobSchedules` resource (infra/schedules.ts). CloudFormation
 * turns every property value into a string. The job set is an S3 object (the stack's asset of
 * jobs.json: a template holds at most 1 MB, 10,000 jobs do not fit), or inline JSON (tests).
 */
export const jobSchedulesPropertiesSchema = z
  .object({
    Stage: z.string().min(1),
    FiresQueueArn: z.string().startsWith("arn:"),
    FiresDeadLetterQueueArn: z.string().startsWith("arn:").optional(),
    /** Which service fires the jobs. */
    Schedules: z.enum(["rules", "scheduler"]).default("rules"),
    /** The role EventBridge Scheduler assumes to deliver fires (Schedules = scheduler). */
    SchedulerExecutionRoleArn: z.string().startsWith("arn:").optional(),
    /** How many rules the default bus may hold (Schedules = rules). */
    RuleQuota: z.coerce.number().int().positive().optional(),
    /** The whole jobs file (`{"jobs": [...]}`) inline. */
    JobsJson: z.string().min(1).optional(),
    /** Or the S3 object holding it. */
    JobsBucket: z.string().min(1).optional(),
    JobsKey: z.string().min(1).optional(),
    /**
     * Changes on every synthesis, so every deploy runs an Update: the schedules are reconciled
     * again, and one deleted by hand comes back.
     */
    ReconcileToken: z.string().optional(),
  })
  .refine(
    (properties) => properties.JobsJson !== undefined || (properties.JobsBucket && properties.JobsKey),
    {
      message: "give the job set as JobsJson or as JobsBucket + JobsKey",
    },
  )
  .refine((properties) => properties.Schedules !== "scheduler" || properties.SchedulerExecutionRoleArn, {
    message: "a scheduler stage needs SchedulerExecutionRoleArn",
  });

export type JobSchedulesProperties = z.input<typeof jobSchedulesPropertiesSchema>;

/** Where the job schedules go: the reconciler's settings, from the resource's properties. */
export interface ScheduleTarget {
  readonly stage: string;
  readonly backend: DeployedScheduleBackend;
  readonly firesQueueArn: string;
  readonly deadLetterQueueArn?: string;
  readonly executionRoleArn?: string;
  readonly ruleQuota?: number;
}

/** What an invocation that ran out of time hands to the next one (the event's AgentcronContinuation). */
export interface Continuation {
  /** 1 for the first continuation. */
  readonly attempt: number;
  readonly resumeAfter?: string;
  /** Changes per action so far, across invocations. */
  readonly counts: Readonly<Record<string, string>>;
}

export type JobSchedulesEvent = CloudFormationCustomResourceEvent & {
  readonly AgentcronContinuation?: Continuation;
};

export interface JobSchedulesDependencies {
  /**
   * Builds the table-side dependencies on first use. Deliberately not at module load: a cold start
   * that throws never answers CloudFormation, which then waits out the resource's ServiceTimeout.
   */
  readonly load: () => {
    readonly jobs: JobStore;
    readonly clock: Clock;
    readonly validation: JobValidationContext;
    readonly log: Logger;
    /** Expected fires, armed for the deployed jobs (missed-fire detection). */
    readonly fireWatch?: FireWatchStore;
  };
  readonly schedulesFor: (target: ScheduleTarget) => Schedules;
  /** Reads the job set's S3 object. */
  readonly readJobsObject?: (bucket: string, key: string) => Promise<string>;
  /**
   * Hands the rest of a reconcile that ran out of time to a new invocation of this function (an
   * asynchronous self-invocation with the same event and the continuation). Without it, running
   * out of time fails the deployment.
   */
  readonly continueLater?: (event: JobSchedulesEvent) => Promise<void>;
  /** Sends the response to CloudFormation's pre-signed URL. */
  readonly respond: (responseUrl: string, response: CloudFormationCustomResourceResponse) => Promise<void>;
}

/**
 * CloudFormation's whole response body is capped at 4 KB; keep the reason well under it so a long
 * list of validation problems is truncated by us, with a pointer to the log, rather than rejected.
 */
const REASON_MAX_LENGTH = 3000;

/** Time kept back from the Lambda timeout to answer CloudFormation even when the work hangs. */
const RESPONSE_MARGIN_MS = 10_000;
/** Time kept back for handing the rest of a reconcile to the next invocation. */
const CONTINUE_MARGIN_MS = 20_000;
/**
 * Invocations after the first one a deploy may take. With a 15-minute function and the resource's
 * one-hour service timeout, three continuations fit; more would outlive CloudFormation's wait.
 */
export const MAX_CONTINUATIONS = 3;

/**
 * The job-apply custom resource, run by `cdk deploy`:
 * - Create / Update: validates the whole job set, upserts it into the table as the file's jobs
 *   (pruning the file's jobs that left it; never a job applied with the CLI; keeping an operator's
 *   pause or resume), and reconciles every job's schedule with the same reconciler the CLI uses —
 *   on every deploy, so a schedule deleted by hand comes back. An invalid set fails the deployment
 *   with every problem and its path as the reason. A reconcile that runs out of the invocation's
 *   time continues in a new invocation, which answers CloudFormation when it is done.
 * - Delete: removes every agentcron rule of the stage (a Scheduler stage's schedules go with its
 *   schedule group, which CloudFormation deletes next).
 *
 * Always answers CloudFormation — success, failure, or a timeout shortly before Lambda's own.
 */
export function createJobSchedulesHandler(deps: JobSchedulesDependencies) {
  let loaded: ReturnType<JobSchedulesDependencies["load"]> | undefined;
  const load = () => {
    loaded ??= deps.load();
    return loaded;
  };

  return async (
    event: JobSchedulesEvent,
    context: Pick<Context, "getRemainingTimeInMillis" | "logGroupName" | "logStreamName">,
  ): Promise<void> => {
    const physicalResourceId =
      event.RequestType === "Create" ? physicalIdOf(event.ResourceProperties) : event.PhysicalResourceId;
    const continuation = event.AgentcronContinuation;
    let response: CloudFormationCustomResourceResponse;
    try {
      const remainingMs = context.getRemainingTimeInMillis();
      const counts = await withDeadline(
        handleRequest(event, load, deps, remainingMs - RESPONSE_MARGIN_MS - CONTINUE_MARGIN_MS),
        remainingMs - RESPONSE_MARGIN_MS,
      );
      response = {
        ...identityOf(event),
        Status: "SUCCESS",
        PhysicalResourceId: physicalResourceId,
        Data: addCounts(continuation?.counts ?? {}, counts),
      };
    } catch (error) {
      if (error instanceof ReconcileIncompleteError) {
        const handedOff = await handOff(event, error, deps, loaded?.log);
        if (handedOff) return; // the next invocation answers CloudFormation
      }
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      safeLog(loaded?.log, "job schedules request failed", {
        requestType: event.RequestType,
        continuation: continuation?.attempt,
        error: message,
      });
      response = {
        ...identityOf(event),
        Status: "FAILED",
        PhysicalResourceId: physicalResourceId,
        Reason: reasonOf(message, context),
      };
    }
    await deps.respond(event.ResponseURL, response);
  };
}

/** Starts the next invocation with the rest of the work; false when that is not possible. */
async function handOff(
  event: JobSchedulesEvent,
  error: ReconcileIncompleteError,
  deps: JobSchedulesDependencies,
  log: Logger | undefined,
): Promise<boolean> {
  const attempt = (event.AgentcronContinuation?.attempt ?? 0) + 1;
  if (!deps.continueLater || attempt > MAX_CONTINUATIONS) return false;
  const next: JobSchedulesEvent = {
    ...event,
    AgentcronContinuation: {
      attempt,
      resumeAfter: error.resumeAfter,
      counts: addCounts(event.AgentcronContinuation?.counts ?? {}, summarise(error.changes)),
    },
  };
  try {
    await deps.continueLater(next);
  } catch (invokeError) {
    safeLog(log, "could not hand the rest of the reconcile to a new invocation", {
      error: String(invokeError),
    });
    return false;
  }
  log?.info("schedules not all reconciled in this invocation; continuing in a new one", {
    attempt,
    resumeAfter: error.resumeAfter,
    changesSoFar: error.changes.length,
  });
  return true;
}

async function handleRequest(
  event: JobSchedulesEvent,
  load: JobSchedulesDependencies["load"],
  deps: JobSchedulesDependencies,
  budgetMs: number,
): Promise<Record<string, string>> {
  if (event.RequestType === "Delete") {
    const parsed = jobSchedulesPropertiesSchema.safeParse(event.ResourceProperties);
    // Properties that never parsed never created a rule; failing here would wedge the stack's delete.
    if (!parsed.success) return { Deleted: "0" };
    // Deleting a schedule group deletes its schedules: nothing to do one by one.
    if (parsed.data.Schedules === "scheduler") return { Deleted: "0" };
    const { clock, log } = load();
    const changes = await deps.schedulesFor(targetOf(parsed.data)).reconcile([], {
      deadlineAt: clock.now() + budgetMs,
      resumeAfter: event.AgentcronContinuation?.resumeAfter,
      onChange: (change) => log.info("schedule deleted", { ...change }),
    });
    return { Deleted: String(changes.filter((change) => change.action === "deleted").length) };
  }
  const properties = jobSchedulesPropertiesSchema.parse(event.ResourceProperties);
  const { jobs, clock, validation, log, fireWatch } = load();
  const document = await jobsDocumentOf(properties, deps);
  const report = await applyJobs(
    document,
    {
      jobs,
      clock,
      validation: { ...validation, schedules: properties.Schedules },
      schedules: deps.schedulesFor(targetOf(properties)),
      fireWatch,
    },
    {
      source: "file",
      prune: true,
      allowEmpty: true,
      reconcile: {
        deadlineAt: clock.now() + budgetMs,
        resumeAfter: event.AgentcronContinuation?.resumeAfter,
        // Each change as it happens: a deploy that fails halfway still shows what it did.
        onChange: (change) => {
          if (change.action !== "unchanged") log.info("schedule changed", { ...change });
        },
      },
    },
  );
  log.info("job set applied", {
    changes: report.changes.filter((change) => change.kind !== "unchanged"),
    schedules: summarise(report.schedules ?? []),
  });
  return summarise(report.schedules ?? []);
}

async function jobsDocumentOf(
  properties: z.output<typeof jobSchedulesPropertiesSchema>,
  deps: JobSchedulesDependencies,
): Promise<unknown> {
  if (properties.JobsJson !== undefined) return parseJobsJson(properties.JobsJson);
  if (!deps.readJobsObject) throw new Error("this function cannot read the job set from S3");
  return parseJobsJson(await deps.readJobsObject(properties.JobsBucket ?? "", properties.JobsKey ?? ""));
}

function parseJobsJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`the JobsJson property is not JSON (${(error as Error).message})`);
  }
}

function targetOf(properties: z.output<typeof jobSchedulesPropertiesSchema>): ScheduleTarget {
  return {
    stage: properties.Stage,
    backend: properties.Schedules,
    firesQueueArn: properties.FiresQueueArn,
    ...(properties.FiresDeadLetterQueueArn ? { deadLetterQueueArn: properties.FiresDeadLetterQueueArn } : {}),
    ...(properties.SchedulerExecutionRoleArn
      ? { executionRoleArn: properties.SchedulerExecutionRoleArn }
      : {}),
    ...(properties.RuleQuota ? { ruleQuota: properties.RuleQuota } : {}),
  };
}

function addCounts(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): Record<string, string> {
  const sum: Record<string, string> = { ...a };
  for (const [key, value] of Object.entries(b)) sum[key] = String(Number(sum[key] ?? 0) + Number(value));
  return sum;
}

/**
 * Stable across updates: a new physical id would make CloudFormation delete the "old" resource
 * after an update, and our Delete removes every rule of the stage.
 */
function physicalIdOf(properties: Record<string, unknown>): string {
  const stage = typeof properties.Stage === "string" && properties.Stage ? properties.Stage : "unknown";
  return `agentcron-${stage}-job-schedules`;
}

function identityOf(event: CloudFormationCustomResourceEvent) {
  return { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
}

/** Counts per action (`Created: "2"`): small, so the 4 KB response never overflows. */
function summarise(changes: readonly ScheduleChange[]): Record<string, string> {
  const counts: Record<string, string> = {};
  for (const change of changes) {
    const key = change.action[0]?.toUpperCase() + change.action.slice(1);
    counts[key] = String(Number(counts[key] ?? 0) + 1);
  }
  return counts;
}

function reasonOf(message: string, context: Pick<Context, "logGroupName" | "logStreamName">): string {
  // The console shows the reason on one line; keep each problem readable.
  const oneLine = message.replace(/\n+/g, " ");
  if (oneLine.length <= REASON_MAX_LENGTH) return oneLine;
  const where = `the full list is in CloudWatch Logs ${context.logGroupName} ${context.logStreamName}`;
  return `${oneLine.slice(0, REASON_MAX_LENGTH - where.length - 8)} ... (${where})`;
}

async function withDeadline<T>(work: Promise<T>, budgetMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `gave up after ${Math.round(budgetMs / 1000)}s so CloudFormation gets an answer; retry the deployment`,
          ),
        ),
      Math.max(0, budgetMs),
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function safeLog(log: Logger | undefined, message: string, fields: Record<string, unknown>): void {
  if (log) log.error(message, fields);
  else console.error(JSON.stringify({ level: "ERROR", message, ...fields }));
}

/**
 * PUTs the response to CloudFormation's pre-signed S3 URL. The URL was signed without a content
 * type, so the request must send an empty one (fetch would otherwise add text/plain and S3 would
 * refuse the signature).
 *
 * @throws Error when S3 does not accept the response.
 */
export async function sendCloudFormationResponse(
  responseUrl: string,
  response: CloudFormationCustomResourceResponse,
): Promise<void> {
  const result = await fetch(responseUrl, {
    method: "PUT",
    headers: { "content-type": "" },
    body: JSON.stringify(response),
  });
  if (!result.ok) {
    throw new Error(`CloudFormation's response URL answered ${result.status}: ${await result.text()}`);
  }
}
