import type {
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceResponse,
  Context,
} from "aws-lambda";
import { z } from "zod";
import type { Clock } from "#core/clock.ts";
import { applyJobs } from "#core/jobs/apply-jobs.ts";
import type { JobValidationContext } from "#core/jobs/job-schema.ts";
import type { Logger } from "#core/logger.ts";
import type { JobStore, ScheduleChange, Schedules } from "#core/ports.ts";

/**
 * Properties of the `Custom::AgentcronJobSchedules` resource (infra/schedules.ts). CloudFormation
 * turns every property value into a string, so the job set travels as one JSON string.
 */
export const jobSchedulesPropertiesSchema = z.object({
  Stage: z.string().min(1),
  FiresQueueArn: z.string().startsWith("arn:"),
  FiresDeadLetterQueueArn: z.string().startsWith("arn:").optional(),
  /** The whole jobs file (`{"jobs": [...]}`), as synthesised from jobs.json. */
  JobsJson: z.string().min(1),
});

export type JobSchedulesProperties = z.output<typeof jobSchedulesPropertiesSchema>;

/** Where the job rules go: the reconciler's settings, from the resource's properties. */
export interface ScheduleTarget {
  readonly stage: string;
  readonly firesQueueArn: string;
  readonly deadLetterQueueArn?: string;
}

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
  };
  readonly schedulesFor: (target: ScheduleTarget) => Schedules;
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

/**
 * The job-apply custom resource, run by `cdk deploy`:
 * - Create / Update: validates the whole job set, upserts it into the table (pruning stored jobs
 *   that are not in it) and reconciles the EventBridge rules with the same reconciler the CLI uses.
 *   An invalid set fails the deployment with every problem and its path as the reason.
 * - Delete: removes every agentcron rule of the stage, so deleting the stack leaves no rule behind.
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
    event: CloudFormationCustomResourceEvent,
    context: Pick<Context, "getRemainingTimeInMillis" | "logGroupName" | "logStreamName">,
  ): Promise<void> => {
    const physicalResourceId =
      event.RequestType === "Create" ? physicalIdOf(event.ResourceProperties) : event.PhysicalResourceId;
    let response: CloudFormationCustomResourceResponse;
    try {
      const data = await withDeadline(
        handleRequest(event, load, deps.schedulesFor),
        context.getRemainingTimeInMillis() - RESPONSE_MARGIN_MS,
      );
      response = {
        ...identityOf(event),
        Status: "SUCCESS",
        PhysicalResourceId: physicalResourceId,
        Data: data,
      };
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      safeLog(loaded?.log, "job schedules request failed", {
        requestType: event.RequestType,
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

async function handleRequest(
  event: CloudFormationCustomResourceEvent,
  load: JobSchedulesDependencies["load"],
  schedulesFor: JobSchedulesDependencies["schedulesFor"],
): Promise<Record<string, string>> {
  if (event.RequestType === "Delete") {
    const parsed = jobSchedulesPropertiesSchema.safeParse(event.ResourceProperties);
    // Properties that never parsed never created a rule; failing here would wedge the stack's delete.
    if (!parsed.success) return { Deleted: "0" };
    const changes = await schedulesFor(targetOf(parsed.data)).reconcile([]);
    load().log.info("job schedules deleted", { rules: changes.map((change) => change.ruleName) });
    return { Deleted: String(changes.length) };
  }
  const properties = jobSchedulesPropertiesSchema.parse(event.ResourceProperties);
  const { jobs, clock, validation, log } = load();
  const report = await applyJobs(
    parseJobsJson(properties.JobsJson),
    { jobs, clock, validation, schedules: schedulesFor(targetOf(properties)) },
    { prune: true },
  );
  log.info("job set applied", { changes: report.changes, schedules: report.schedules });
  return summarise(report.schedules ?? []);
}

function parseJobsJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`the JobsJson property is not JSON (${(error as Error).message})`);
  }
}

function targetOf(properties: JobSchedulesProperties): ScheduleTarget {
  return {
    stage: properties.Stage,
    firesQueueArn: properties.FiresQueueArn,
    ...(properties.FiresDeadLetterQueueArn ? { deadLetterQueueArn: properties.FiresDeadLetterQueueArn } : {}),
  };
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
