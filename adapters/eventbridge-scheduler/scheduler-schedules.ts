import {
  CreateScheduleCommand,
  type CreateScheduleInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
  type GetScheduleOutput,
  ListSchedulesCommand,
  type SchedulerClient,
  type ScheduleSummary,
  UpdateScheduleCommand,
} from "@aws-sdk/client-scheduler";
import { validateStage } from "#adapters/eventbridge/schedule-rules.ts";
import { reconcileInBudget } from "#adapters/schedules/reconcile-budget.ts";
import { forEachResumable, type PacerTiming, RequestPacer } from "#adapters/schedules/request-pacer.ts";
import { ScheduleQuotaError } from "#adapters/schedules/schedule-quota-error.ts";
import type { Clock } from "#core/clock.ts";
import { parseScheduleExpression } from "#core/jobs/schedule-expression.ts";
import { UTC } from "#core/jobs/time-zone.ts";
import type { ScheduleAction, ScheduledJob, Schedules } from "#core/ports.ts";
import { fireDeadlineSeconds } from "#core/schedules/fire-deadline.ts";
import { oneTimeFireAt } from "#core/schedules/one-time.ts";

/** `agentcron-<stage>`: the schedule group that holds every schedule of the stage, and nothing else. */
export function scheduleGroupNameOf(stage: string): string {
  return `agentcron-${validateStage(stage)}`;
}

/**
 * The target input of a job's schedule: exactly the fire message (core/fires/fire-message.ts).
 * Scheduler replaces `<aws.scheduler.scheduled-time>` with the fire's scheduled time
 * (`2027-01-15T08:00:00Z`), so the fire key stays job id + scheduled time and a retried or
 * duplicated delivery collapses into one outcome.
 */
export function schedulerFireInput(jobId: string): string {
  return `{"version":1,"jobId":"${jobId}","scheduledAt":"<aws.scheduler.scheduled-time>","source":"schedule"}`;
}

/** Scheduler's own limit on how many times it retries a delivery; the event age bounds it first. */
const MAXIMUM_RETRY_ATTEMPTS = 185;
const DESCRIPTION_MAX_LENGTH = 512;
/**
 * A one-time schedule whose time passed longer ago than its flexible window plus this is stale (it
 * deletes itself once it fires); a younger one may still be delivering and is left alone.
 */
const ONE_TIME_SETTLE_MS = 10 * 60_000;

export interface SchedulerSchedulesOptions {
  /** The Scheduler client (injected: tests pass a mocked one). Give it `maxAttempts: 1`: the pacer retries. */
  readonly client: SchedulerClient;
  readonly stage: string;
  /** ARN of the fires queue every schedule targets. */
  readonly firesQueueArn: string;
  /** Where Scheduler puts a fire it could not deliver within the job's maximum event age. */
  readonly deadLetterQueueArn: string;
  /** The role Scheduler assumes to send to the fires queue and its DLQ (infra/scheduler-backend.ts). */
  readonly executionRoleArn: string;
  readonly clock: Clock;
  /** Requests per second to the Scheduler API. @default 50 */
  readonly requestsPerSecond?: number;
  /** Requests in flight. @default 10 */
  readonly concurrency?: number;
  /** Virtual time for tests and benchmarks. @default real time */
  readonly timing?: PacerTiming;
}

type DesiredSchedule = Required<Pick<CreateScheduleInput, "Name" | "ScheduleExpression" | "State">> &
  CreateScheduleInput & { readonly jobId: string };

/**
 * The `Schedules` port over EventBridge Scheduler: one schedule per job, named after the job, in the
 * stage's own schedule group (so everything in the group is the stage's to change or delete). Each
 * targets the fires queue with the job's fire message, in the job's time zone, with a retry policy
 * whose maximum event age is the job's fire deadline and the fires DLQ. A one-time at() job's
 * schedule deletes itself after it fires (ActionAfterCompletion DELETE) and is not created again
 * once its time has come.
 *
 * `reconcile` lists the group, reads each existing schedule (GetSchedule) and writes only what
 * differs, at a paced rate with throttling retried; with a `deadlineAt` it stops starting work
 * then and throws ReconcileIncompleteError with what it did, so the caller can continue
 * in a new invocation (reconciling is idempotent: the next pass finds the work already done).
 */
export function createSchedulerSchedules(options: SchedulerSchedulesOptions): Schedules {
  const { client, firesQueueArn, deadLetterQueueArn, executionRoleArn, clock } = options;
  const stage = validateStage(options.stage);
  const group = scheduleGroupNameOf(stage);

  const desiredOf = (job: ScheduledJob): DesiredSchedule => {
    const expression = parseScheduleExpression(job.schedule);
    const window = job.flexibleWindowMinutes;
    return {
      jobId: job.id,
      Name: job.id,
      GroupName: group,
      ScheduleExpression: expression.expression,
      ScheduleExpressionTimezone: job.timezone ?? UTC,
      State: job.enabled ? "ENABLED" : "DISABLED",
      Description: describeSchedule(stage, job),
      FlexibleTimeWindow: window ? { Mode: "FLEXIBLE", MaximumWindowInMinutes: window } : { Mode: "OFF" },
      ActionAfterCompletion: expression.kind === "at" ? "DELETE" : "NONE",
      Target: {
        Arn: firesQueueArn,
        RoleArn: executionRoleArn,
        Input: schedulerFireInput(job.id),
        RetryPolicy: {
          MaximumEventAgeInSeconds: fireDeadlineSeconds(job),
          MaximumRetryAttempts: MAXIMUM_RETRY_ATTEMPTS,
        },
        DeadLetterConfig: { Arn: deadLetterQueueArn },
      },
    };
  };

  return {
    async reconcile(jobs, reconcileOptions = {}) {
      const dryRun = reconcileOptions.dryRun ?? false;
      const pacer = new RequestPacer({
        requestsPerSecond: options.requestsPerSecond ?? 50,
        concurrency: options.concurrency ?? 10,
        deadlineAt: reconcileOptions.deadlineAt,
        timing: options.timing,
        quotaError: (error) =>
          (error as Error).name === "ServiceQuotaExceededException"
            ? new ScheduleQuotaError(
                `EventBridge Scheduler refused a schedule: the account's quota is used up (${(error as Error).message}). ` +
                  "Raise the EventBridge Scheduler quota 'Number of schedules' in Service Quotas, or delete schedules you no longer need, then deploy again.",
              )
            : undefined,
      });
      return reconcileInBudget(reconcileOptions, async (record) => {
        const existing = new Map<string, ScheduleSummary>();
        for (const summary of await listGroup(client, pacer, group))
          existing.set(summary.Name ?? "", summary);
        const nowMs = clock.now();
        const work: { job?: ScheduledJob; name: string }[] = [];
        const desiredNames = new Set<string>();
        for (const job of jobs) {
          const oneTimeAt = oneTimeFireAt(job);
          if (oneTimeAt !== undefined && oneTimeAt <= nowMs) {
            // Its time has come: it fired (and deleted itself) or is delivering within its window.
            const settledAt = oneTimeAt + (job.flexibleWindowMinutes ?? 0) * 60_000 + ONE_TIME_SETTLE_MS;
            if (existing.has(job.id) && nowMs < settledAt) desiredNames.add(job.id);
            continue;
          }
          desiredNames.add(job.id);
          work.push({ job, name: job.id });
        }
        for (const name of existing.keys()) if (!desiredNames.has(name)) work.push({ name });

        await forEachResumable(
          pacer,
          work,
          (item) => item.name,
          reconcileOptions.resumeAfter,
          async ({ job, name }) => {
            if (!job) {
              if (!dryRun) await deleteSchedule(client, pacer, group, name);
              record({ jobId: name, ruleName: `${group}/${name}`, action: "deleted" });
              return;
            }
            const want = desiredOf(job);
            const action = existing.has(name)
              ? await updateIfDifferent(client, pacer, want, dryRun)
              : await create(client, pacer, want, dryRun);
            record({ jobId: job.id, ruleName: `${group}/${name}`, action });
          },
        );
      });
    },
  };
}

async function listGroup(
  client: SchedulerClient,
  pacer: RequestPacer,
  group: string,
): Promise<ScheduleSummary[]> {
  const schedules: ScheduleSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await pacer.send(`list the schedules of group ${group}`, () =>
      client.send(new ListSchedulesCommand({ GroupName: group, NextToken: nextToken, MaxResults: 100 })),
    );
    schedules.push(...(page.Schedules ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return schedules;
}

async function create(
  client: SchedulerClient,
  pacer: RequestPacer,
  want: DesiredSchedule,
  dryRun: boolean,
): Promise<ScheduleAction> {
  if (dryRun) return "created";
  const { jobId: _jobId, ...input } = want;
  try {
    await pacer.send(`create schedule ${want.GroupName}/${want.Name}`, () =>
      client.send(new CreateScheduleCommand(input)),
    );
    return "created";
  } catch (error) {
    // Created since the group was listed (an earlier, interrupted pass): make it match instead.
    if ((error as Error).name !== "ConflictException") throw error;
    return updateIfDifferent(client, pacer, want, dryRun);
  }
}

async function updateIfDifferent(
  client: SchedulerClient,
  pacer: RequestPacer,
  want: DesiredSchedule,
  dryRun: boolean,
): Promise<ScheduleAction> {
  let have: GetScheduleOutput;
  try {
    have = await pacer.send(`read schedule ${want.GroupName}/${want.Name}`, () =>
      client.send(new GetScheduleCommand({ Name: want.Name, GroupName: want.GroupName })),
    );
  } catch (error) {
    // Deleted since the group was listed (by hand, or a one-time schedule that fired): create it.
    if ((error as Error).name !== "ResourceNotFoundException") throw error;
    return create(client, pacer, want, dryRun);
  }
  const definitionMatches = sameDefinition(have, want);
  if (definitionMatches && have.State === want.State) return "unchanged";
  if (!dryRun) {
    const { jobId: _jobId, ...input } = want;
    await pacer.send(`update schedule ${want.GroupName}/${want.Name}`, () =>
      client.send(new UpdateScheduleCommand(input)),
    );
  }
  if (!definitionMatches) return "updated";
  return want.State === "ENABLED" ? "enabled" : "disabled";
}

async function deleteSchedule(
  client: SchedulerClient,
  pacer: RequestPacer,
  group: string,
  name: string,
): Promise<void> {
  try {
    await pacer.send(`delete schedule ${group}/${name}`, () =>
      client.send(new DeleteScheduleCommand({ Name: name, GroupName: group })),
    );
  } catch (error) {
    if ((error as Error).name !== "ResourceNotFoundException") throw error;
  }
}

/** Everything but the state: a state-only difference is reported as enabled/disabled. */
function sameDefinition(have: GetScheduleOutput, want: DesiredSchedule): boolean {
  const haveTarget = have.Target;
  const wantTarget = want.Target;
  return (
    have.ScheduleExpression === want.ScheduleExpression &&
    (have.ScheduleExpressionTimezone ?? UTC) === want.ScheduleExpressionTimezone &&
    (have.Description ?? "") === (want.Description ?? "") &&
    (have.ActionAfterCompletion ?? "NONE") === want.ActionAfterCompletion &&
    have.FlexibleTimeWindow?.Mode === want.FlexibleTimeWindow?.Mode &&
    (have.FlexibleTimeWindow?.MaximumWindowInMinutes ?? 0) ===
      (want.FlexibleTimeWindow?.MaximumWindowInMinutes ?? 0) &&
    have.StartDate === undefined &&
    have.EndDate === undefined &&
    haveTarget?.Arn === wantTarget?.Arn &&
    haveTarget?.RoleArn === wantTarget?.RoleArn &&
    haveTarget?.Input === wantTarget?.Input &&
    haveTarget?.RetryPolicy?.MaximumEventAgeInSeconds === wantTarget?.RetryPolicy?.MaximumEventAgeInSeconds &&
    haveTarget?.RetryPolicy?.MaximumRetryAttempts === wantTarget?.RetryPolicy?.MaximumRetryAttempts &&
    haveTarget?.DeadLetterConfig?.Arn === wantTarget?.DeadLetterConfig?.Arn &&
    haveTarget?.SqsParameters === undefined
  );
}

/** `agentcron/<stage>/<jobId>: <the job's description>`, within Scheduler's 512 characters. */
function describeSchedule(stage: string, job: ScheduledJob): string {
  const marker = `agentcron/${stage}/${job.id}`;
  const text = job.description ? `${marker}: ${job.description}` : marker;
  return text.length <= DESCRIPTION_MAX_LENGTH ? text : `${text.slice(0, DESCRIPTION_MAX_LENGTH - 3)}...`;
}
