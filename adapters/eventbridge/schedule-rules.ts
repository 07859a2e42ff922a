import {
  DeleteRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  type EventBridgeClient,
  type InputTransformer,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type Rule,
  type Target,
} from "@aws-sdk/client-eventbridge";

import { reconcileInBudget } from "#adapters/schedules/reconcile-budget.ts";
import { forEachResumable, type PacerTiming, RequestPacer } from "#adapters/schedules/request-pacer.ts";
import { ScheduleQuotaError } from "#adapters/schedules/schedule-quota-error.ts";
import { parseScheduleExpression } from "#core/jobs/schedule-expression.ts";
import { UTC } from "#core/jobs/time-zone.ts";
import type { ScheduledJob, Schedules } from "#core/ports.ts";
import { fireDeadlineSeconds } from "#core/schedules/fire-deadline.ts";
import { ruleNameFor, ruleNamePrefix, validateStage } from "./rule-names.ts";

// Re-exported: callers that manage rules find the naming rules here too.
export {
  InvalidStageError,
  ruleNameFor,
  ruleNamePrefix,
  STAGE_PATTERN,
  validateStage,
} from "./rule-names.ts";

/** EventBridge's own limit (its default): the event age, not the count, ends the retries. */
const MAX_RETRY_ATTEMPTS = 185;

/** Id of the one target each job's rule has: the fires queue. */
export const FIRES_TARGET_ID = "agentcron-fires";

/** EventBridge's limit on a rule's description. */
const DESCRIPTION_MAX_LENGTH = 512;

/** Every rule agentcron owns starts its description with this marker: `agentcron/<stage>/<jobId>`. */
const OWNER_MARKER = /^agentcron\/([a-z0-9]+)\/([a-z0-9][a-z0-9-]*)(?::|$)/;

/** A rule with the name of one of our jobs exists but agentcron did not create it; we never overwrite it. */
export class ScheduleRuleConflictError extends Error {
  override name = "ScheduleRuleConflictError";
}

/** EventBridge accepted the request but refused some of its entries (PutTargets / RemoveTargets). */
export class ScheduleRuleWriteError extends Error {
  override name = "ScheduleRuleWriteError";
}

/**
 * The target input of a job's rule: exactly the fire message (core/fires/fire-message.ts), with
 * `scheduledAt` taken from the scheduled event's `time`. In a JSON template EventBridge quotes a
 * string value put in place of a bare `<placeholder>`, so the result is valid JSON.
 */
export function fireInputTransformer(jobId: string): InputTransformer {
  return {
    InputPathsMap: { scheduledAt: "$.time" },
    InputTemplate: `{"version":1,"jobId":"${jobId}","scheduledAt":<scheduledAt>,"source":"schedule"}`,
  };
}

export interface ScheduleRulesOptions {
  /**
   * EventBridge client (injected: tests pass a mocked one; LocalStack is reached via
   * AWS_ENDPOINT_URL). Give it `maxAttempts: 1`: the reconciler retries throttling itself, and the
   * SDK would retry LimitExceededException (the rule quota) as if it were throttling.
   */
  readonly client: EventBridgeClient;
  /** The stage whose rules these are; validated with {@link validateStage}. */
  readonly stage: string;
  /** ARN of the fires queue every rule targets. The queue's policy must let the rules send (infra/schedules.ts). */
  readonly firesQueueArn: string;
  /**
   * Where EventBridge puts an event it could not deliver to the fires queue after its retries
   * (24 hours), so a fire is never lost silently (DESIGN invariant 4). Such messages carry the
   * RULE_ARN, ERROR_CODE and ERROR_MESSAGE attributes and the scheduled event as the body.
   * @default no dead-letter queue
   */
  readonly deadLetterQueueArn?: string;
  /**
   * How many rules the account's default event bus may hold (the "Number of rules" quota, shared
   * with everything else in the account and region). @default 300
   */
  readonly ruleQuota?: number;
  /** Requests per second to EventBridge's control plane. @default 10 */
  readonly requestsPerSecond?: number;
  /** Requests in flight. @default 4 */
  readonly concurrency?: number;
  /** Virtual time for tests and benchmarks. @default real time */
  readonly timing?: PacerTiming;
}

/** EventBridge's default quota of rules per event bus (per account and region). */
export const DEFAULT_RULE_QUOTA = 300;

/**
 * The error for a job set that would take the default bus past its rule quota: what is there,
 * what the set needs, and the two ways out.
 */
export function ruleQuotaMessage(details: { quota: number; existing?: number; needed: number }): string {
  const found =
    details.existing === undefined
      ? `this job set needs ${details.needed} rules`
      : `${details.existing} rules exist on it and this job set needs ${details.needed} more`;
  return (
    `EventBridge allows ${details.quota} rules on the default event bus of an account and region, shared with everything else there; ${found}. ` +
    "Switch the stage to EventBridge Scheduler, which holds millions of schedules (npm run deploy -- -c schedules=scheduler), " +
    `or raise the quota "Number of rules" in Service Quotas and deploy with -c eventBridgeRuleQuota=N.`
  );
}

interface DesiredRule {
  readonly jobId: string;
  readonly name: string;
  readonly expression: string;
  readonly state: "ENABLED" | "DISABLED";
  readonly description: string;
  readonly target: Target;
}

interface OwnedRule {
  readonly jobId: string;
  readonly rule: Rule;
}

/**
 * The `Schedules` port over EventBridge scheduled rules on the default bus (scheduled rules can
 * only live there): one rule `ac-<stage>-<jobId>` per job, targeting the fires queue with the job's
 * fire message. Only rules of this stage whose description carries agentcron's owner marker are
 * ever changed or deleted; a foreign rule that has one of our names is reported, not overwritten.
 *
 * `reconcile` lists every rule of the default bus (paginated) — to count them against the quota
 * before creating any, and to find the stage's own — then compares each rule's expression, state,
 * description and target (id, queue, input transformer, dead-letter queue) with what the job needs
 * and changes only what differs, a few requests at a time at a paced rate, throttling retried. So
 * applying the same jobs twice changes nothing the second time. `reconcile([])` removes every rule
 * of the stage (the stack's Delete).
 *
 * @throws InvalidStageError at creation when the stage cannot name rules.
 */
export function createScheduleRules(options: ScheduleRulesOptions): Schedules {
  const { client, firesQueueArn, deadLetterQueueArn } = options;
  const stage = validateStage(options.stage);
  const prefix = ruleNamePrefix(stage);
  const quota = options.ruleQuota ?? DEFAULT_RULE_QUOTA;

  const desiredRuleOf = (job: ScheduledJob): DesiredRule => {
    const schedule = parseScheduleExpression(job.schedule);
    // The job schema refuses these on a rules stage; a stored job from a Scheduler stage may not.
    if (schedule.kind === "at" || (job.timezone ?? UTC) !== UTC) {
      throw new ScheduleRuleWriteError(
        `job ${job.id} needs EventBridge Scheduler (${schedule.kind === "at" ? "a one-time at() schedule" : `time zone ${job.timezone}`}); EventBridge rules cannot fire it. Deploy the stage with -c schedules=scheduler.`,
      );
    }
    return {
      jobId: job.id,
      name: ruleNameFor(stage, job.id),
      expression: schedule.expression,
      state: job.enabled ? "ENABLED" : "DISABLED",
      description: describeRule(stage, job),
      target: {
        Id: FIRES_TARGET_ID,
        Arn: firesQueueArn,
        InputTransformer: fireInputTransformer(job.id),
        // A fire older than its start deadline could not start its run (dispatch ends it missed):
        // EventBridge stops retrying a failing delivery then and sends it to the DLQ.
        RetryPolicy: {
          MaximumEventAgeInSeconds: fireDeadlineSeconds(job),
          MaximumRetryAttempts: MAX_RETRY_ATTEMPTS,
        },
        ...(deadLetterQueueArn ? { DeadLetterConfig: { Arn: deadLetterQueueArn } } : {}),
      },
    };
  };

  return {
    async reconcile(jobs, reconcileOptions = {}) {
      const dryRun = reconcileOptions.dryRun ?? false;
      const pacer = new RequestPacer({
        requestsPerSecond: options.requestsPerSecond ?? 10,
        concurrency: options.concurrency ?? 4,
        deadlineAt: reconcileOptions.deadlineAt,
        timing: options.timing,
        quotaError: (error) =>
          (error as Error).name === "LimitExceededException"
            ? new ScheduleQuotaError(
                `EventBridge refused a rule: ${(error as Error).message}. ${ruleQuotaMessage({ quota, needed: jobs.length })}`,
              )
            : undefined,
      });
      const desired = new Map(jobs.map((job) => [ruleNameFor(stage, job.id), desiredRuleOf(job)]));

      const listRules = async (namePrefix?: string): Promise<Rule[]> => {
        const rules: Rule[] = [];
        let nextToken: string | undefined;
        do {
          const page = await pacer.send("list the rules of the default event bus", () =>
            client.send(new ListRulesCommand({ NamePrefix: namePrefix, NextToken: nextToken, Limit: 100 })),
          );
          rules.push(...(page.Rules ?? []));
          nextToken = page.NextToken;
        } while (nextToken);
        return rules;
      };

      const listTargets = async (ruleName: string): Promise<Target[]> => {
        const targets: Target[] = [];
        let nextToken: string | undefined;
        do {
          const page = await pacer.send(`list the targets of rule ${ruleName}`, () =>
            client.send(new ListTargetsByRuleCommand({ Rule: ruleName, NextToken: nextToken, Limit: 100 })),
          );
          targets.push(...(page.Targets ?? []));
          nextToken = page.NextToken;
        } while (nextToken);
        return targets;
      };

      const putRule = async (want: DesiredRule, isNew: boolean): Promise<void> => {
        await pacer.send(`put rule ${want.name}`, () =>
          client.send(
            new PutRuleCommand({
              Name: want.name,
              ScheduleExpression: want.expression,
              State: want.state,
              Description: want.description,
              // Tags only apply when a rule is created; the description marker is what proves ownership.
              ...(isNew
                ? {
                    Tags: [
                      { Key: "agentcron:stage", Value: stage },
                      { Key: "agentcron:job", Value: want.jobId },
                    ],
                  }
                : {}),
            }),
          ),
        );
      };

      const putTarget = async (want: DesiredRule): Promise<void> => {
        const result = await pacer.send(`put the target of rule ${want.name}`, () =>
          client.send(new PutTargetsCommand({ Rule: want.name, Targets: [want.target] })),
        );
        throwOnFailedEntries(result, `put the fires-queue target on rule ${want.name}`);
      };

      const removeTargets = async (ruleName: string, ids: readonly string[]): Promise<void> => {
        if (ids.length === 0) return;
        const result = await pacer.send(`remove targets from rule ${ruleName}`, () =>
          client.send(new RemoveTargetsCommand({ Rule: ruleName, Ids: [...ids] })),
        );
        throwOnFailedEntries(result, `remove targets ${ids.join(", ")} from rule ${ruleName}`);
      };

      return reconcileInBudget(reconcileOptions, async (record) => {
        // Every rule of the default bus: the quota counts them all, not only ours.
        const allRules = await listRules();
        const owned = new Map<string, OwnedRule>();
        for (const rule of allRules) {
          const name = rule.Name ?? "";
          if (!name.startsWith(prefix)) continue;
          const owner = ownerOf(rule);
          if (owner?.stage === stage && name === ruleNameFor(stage, owner.jobId)) {
            owned.set(name, { jobId: owner.jobId, rule });
          } else if (desired.has(name)) {
            throw new ScheduleRuleConflictError(
              `EventBridge rule ${name} already exists but was not created by agentcron stage "${stage}" ` +
                `(its description is ${JSON.stringify(rule.Description ?? "")}); agentcron will not overwrite it. ` +
                "Delete or rename that rule, or deploy to another stage.",
            );
          }
        }
        const toCreate = [...desired.keys()].filter((name) => !owned.has(name)).length;
        const toDelete = [...owned.keys()].filter((name) => !desired.has(name)).length;
        const onDefaultBus = allRules.filter((rule) => (rule.EventBusName ?? "default") === "default").length;
        if (toCreate > 0 && onDefaultBus - toDelete + toCreate > quota) {
          throw new ScheduleQuotaError(
            ruleQuotaMessage({ quota, existing: onDefaultBus - toDelete, needed: toCreate }),
          );
        }

        // Deletions first (their keys sort first): they free quota for the creations.
        type Work = {
          readonly key: string;
          readonly name: string;
          readonly jobId: string;
          readonly want?: DesiredRule;
        };
        const work: Work[] = [
          ...[...owned]
            .filter(([name]) => !desired.has(name))
            .map(([name, { jobId }]) => ({ key: `1-delete ${name}`, name, jobId })),
          ...[...desired.values()].map((want) => ({
            key: `2-upsert ${want.name}`,
            name: want.name,
            jobId: want.jobId,
            want,
          })),
        ];
        await forEachResumable(
          pacer,
          work,
          (item) => item.key,
          reconcileOptions.resumeAfter,
          async ({ name, jobId, want }) => {
            if (!want) {
              if (!dryRun) {
                // EventBridge refuses to delete a rule that still has targets.
                const targets = await listTargets(name);
                await removeTargets(
                  name,
                  targets.map((target) => target.Id ?? "").filter((id) => id !== ""),
                );
                await pacer.send(`delete rule ${name}`, () =>
                  client.send(new DeleteRuleCommand({ Name: name })),
                );
              }
              record({ jobId, ruleName: name, action: "deleted" });
              return;
            }
            const have = owned.get(want.name);
            if (!have) {
              if (!dryRun) {
                await putRule(want, true);
                await putTarget(want);
              }
              record({ jobId: want.jobId, ruleName: want.name, action: "created" });
              return;
            }
            const targets = await listTargets(want.name);
            const definitionMatches =
              have.rule.ScheduleExpression === want.expression &&
              (have.rule.Description ?? "") === want.description &&
              targets.length === 1 &&
              targets[0] !== undefined &&
              sameTarget(targets[0], want.target);
            if (!definitionMatches) {
              if (!dryRun) {
                await putRule(want, false);
                await putTarget(want);
                // Anything else someone attached to our rule would fire with the job; drop it.
                await removeTargets(
                  want.name,
                  targets.map((target) => target.Id ?? "").filter((id) => id !== FIRES_TARGET_ID),
                );
              }
              record({ jobId: want.jobId, ruleName: want.name, action: "updated" });
              return;
            }
            if (have.rule.State !== want.state) {
              if (!dryRun) {
                await pacer.send(`${want.state === "ENABLED" ? "enable" : "disable"} rule ${want.name}`, () =>
                  client.send(
                    want.state === "ENABLED"
                      ? new EnableRuleCommand({ Name: want.name })
                      : new DisableRuleCommand({ Name: want.name }),
                  ),
                );
              }
              record({
                jobId: want.jobId,
                ruleName: want.name,
                action: want.state === "ENABLED" ? "enabled" : "disabled",
              });
              return;
            }
            record({ jobId: want.jobId, ruleName: want.name, action: "unchanged" });
          },
        );
      });
    },
  };
}

/** `agentcron/<stage>/<jobId>: <the job's description>`, within EventBridge's 512 characters. */
function describeRule(stage: string, job: ScheduledJob): string {
  const marker = `agentcron/${stage}/${job.id}`;
  const text = job.description ? `${marker}: ${job.description}` : marker;
  return text.length <= DESCRIPTION_MAX_LENGTH ? text : `${text.slice(0, DESCRIPTION_MAX_LENGTH - 3)}...`;
}

function ownerOf(rule: Rule): { stage: string; jobId: string } | undefined {
  // Rules on other buses or managed by another service are never ours.
  if ((rule.EventBusName ?? "default") !== "default" || rule.ManagedBy) return undefined;
  const match = OWNER_MARKER.exec(rule.Description ?? "");
  return match?.[1] && match[2] ? { stage: match[1], jobId: match[2] } : undefined;
}

function sameTarget(have: Target, want: Target): boolean {
  return (
    have.Id === want.Id &&
    have.Arn === want.Arn &&
    have.Input === undefined &&
    have.InputPath === undefined &&
    have.RoleArn === undefined &&
    have.InputTransformer?.InputTemplate === want.InputTransformer?.InputTemplate &&
    samePaths(have.InputTransformer?.InputPathsMap, want.InputTransformer?.InputPathsMap) &&
    have.DeadLetterConfig?.Arn === want.DeadLetterConfig?.Arn &&
    have.RetryPolicy?.MaximumEventAgeInSeconds === want.RetryPolicy?.MaximumEventAgeInSeconds &&
    have.RetryPolicy?.MaximumRetryAttempts === want.RetryPolicy?.MaximumRetryAttempts
  );
}

function samePaths(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const entries = (paths: Record<string, string> | undefined) =>
    JSON.stringify(Object.entries(paths ?? {}).sort());
  return entries(a) === entries(b);
}

function throwOnFailedEntries(
  result: {
    FailedEntryCount?: number;
    FailedEntries?: { TargetId?: string; ErrorCode?: string; ErrorMessage?: string }[];
  },
  what: string,
): void {
  if ((result.FailedEntryCount ?? 0) === 0) return;
  const reasons = (result.FailedEntries ?? []).map((entry) =>
    `${entry.TargetId ?? "?"}: ${entry.ErrorCode ?? "error"} ${entry.ErrorMessage ?? ""}`.trim(),
  );
  throw new ScheduleRuleWriteError(`EventBridge could not ${what}: ${reasons.join("; ")}`);
}
