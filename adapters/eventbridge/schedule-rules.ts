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

import { parseScheduleExpression } from "#core/jobs/schedule-expression.ts";
import type { ScheduleAction, ScheduleChange, ScheduledJob, Schedules } from "#core/ports.ts";

/**
 * A stage is 1-12 lowercase letters and digits, starting with a letter.
 * - At most 12: a rule is named `ac-<stage>-<jobId>`, EventBridge caps rule names at 64 characters
 *   and a job id may be 48 (3 + 12 + 1 + 48 = 64).
 * - No `-`: the rules of stage `dev` are everything named `ac-dev-*` (ListRules by prefix, the IAM
 *   and queue policies' resource patterns); a stage `dev-2` would put its rules inside that prefix.
 */
export const STAGE_PATTERN = /^[a-z][a-z0-9]{0,11}$/;

/** Id of the one target each job's rule has: the fires queue. */
export const FIRES_TARGET_ID = "agentcron-fires";

/** EventBridge's limit on a rule's description. */
const DESCRIPTION_MAX_LENGTH = 512;

/** Every rule agentcron owns starts its description with this marker: `agentcron/<stage>/<jobId>`. */
const OWNER_MARKER = /^agentcron\/([a-z0-9]+)\/([a-z0-9][a-z0-9-]*)(?::|$)/;

/** The stage name cannot be used for rule names (see {@link STAGE_PATTERN}). */
export class InvalidStageError extends Error {
  override name = "InvalidStageError";
}

/** A rule with the name of one of our jobs exists but agentcron did not create it; we never overwrite it. */
export class ScheduleRuleConflictError extends Error {
  override name = "ScheduleRuleConflictError";
}

/** EventBridge accepted the request but refused some of its entries (PutTargets / RemoveTargets). */
export class ScheduleRuleWriteError extends Error {
  override name = "ScheduleRuleWriteError";
}

/**
 * Returns the stage unchanged when it can name rules, queues and alarms.
 * @throws InvalidStageError saying what is wrong and what a valid stage looks like.
 */
export function validateStage(stage: string): string {
  if (STAGE_PATTERN.test(stage)) return stage;
  const problems: string[] = [];
  if (stage.length === 0) problems.push("it is empty");
  if (stage.length > 12) problems.push(`it is ${stage.length} characters long (at most 12)`);
  if (/[^a-z0-9]/.test(stage))
    problems.push("only lowercase letters and digits are allowed (no '-', '_' or capitals)");
  if (/^[^a-z]/.test(stage)) problems.push("it must start with a letter");
  throw new InvalidStageError(
    `stage "${stage}" cannot be used: ${problems.join("; ")}. Job rules are named ac-<stage>-<jobId> and ` +
      "EventBridge allows 64 characters with job ids of up to 48, and a '-' would let one stage's rules fall " +
      "inside another's ac-<stage>- prefix. Use e.g. dev, prod or pr123.",
  );
}

/** `ac-<stage>-`: the prefix of every rule of the stage (and the IAM/queue-policy resource pattern). */
export function ruleNamePrefix(stage: string): string {
  return `ac-${validateStage(stage)}-`;
}

/** `ac-<stage>-<jobId>`: at most 64 characters for every valid stage and job id. */
export function ruleNameFor(stage: string, jobId: string): string {
  return `${ruleNamePrefix(stage)}${jobId}`;
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
  /** EventBridge client (injected: tests pass a mocked one; LocalStack is reached via AWS_ENDPOINT_URL). */
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
 * `reconcile` compares each rule's expression, state, description and target (id, queue, input
 * transformer, dead-letter queue) with what the job needs and changes only what differs, so
 * applying the same jobs twice changes nothing the second time. `reconcile([])` removes every rule
 * of the stage (the stack's Delete).
 *
 * @throws InvalidStageError at creation when the stage cannot name rules.
 */
export function createScheduleRules(options: ScheduleRulesOptions): Schedules {
  const { client, firesQueueArn, deadLetterQueueArn } = options;
  const stage = validateStage(options.stage);
  const prefix = ruleNamePrefix(stage);

  const desiredRuleOf = (job: ScheduledJob): DesiredRule => ({
    jobId: job.id,
    name: ruleNameFor(stage, job.id),
    expression: parseScheduleExpression(job.schedule).expression,
    state: job.enabled ? "ENABLED" : "DISABLED",
    description: describeRule(stage, job),
    target: {
      Id: FIRES_TARGET_ID,
      Arn: firesQueueArn,
      InputTransformer: fireInputTransformer(job.id),
      ...(deadLetterQueueArn ? { DeadLetterConfig: { Arn: deadLetterQueueArn } } : {}),
    },
  });

  const listRules = async (): Promise<Rule[]> => {
    const rules: Rule[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListRulesCommand({ NamePrefix: prefix, NextToken: nextToken, Limit: 100 }),
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
      const page = await client.send(
        new ListTargetsByRuleCommand({ Rule: ruleName, NextToken: nextToken, Limit: 100 }),
      );
      targets.push(...(page.Targets ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return targets;
  };

  const putRule = async (want: DesiredRule, isNew: boolean): Promise<void> => {
    await client.send(
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
    );
  };

  const putTarget = async (want: DesiredRule): Promise<void> => {
    const result = await client.send(new PutTargetsCommand({ Rule: want.name, Targets: [want.target] }));
    throwOnFailedEntries(result, `put the fires-queue target on rule ${want.name}`);
  };

  const removeTargets = async (ruleName: string, ids: readonly string[]): Promise<void> => {
    if (ids.length === 0) return;
    const result = await client.send(new RemoveTargetsCommand({ Rule: ruleName, Ids: [...ids] }));
    throwOnFailedEntries(result, `remove targets ${ids.join(", ")} from rule ${ruleName}`);
  };

  return {
    async reconcile(jobs, reconcileOptions = {}) {
      const dryRun = reconcileOptions.dryRun ?? false;
      const desired = new Map(jobs.map((job) => [ruleNameFor(stage, job.id), desiredRuleOf(job)]));
      const owned = new Map<string, OwnedRule>();
      for (const rule of await listRules()) {
        const name = rule.Name ?? "";
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

      const changes: ScheduleChange[] = [];
      const record = (jobId: string, ruleName: string, action: ScheduleAction) =>
        changes.push({ jobId, ruleName, action });

      for (const want of desired.values()) {
        const have = owned.get(want.name);
        if (!have) {
          if (!dryRun) {
            await putRule(want, true);
            await putTarget(want);
          }
          record(want.jobId, want.name, "created");
          continue;
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
          record(want.jobId, want.name, "updated");
          continue;
        }
        if (have.rule.State !== want.state) {
          if (!dryRun) {
            await client.send(
              want.state === "ENABLED"
                ? new EnableRuleCommand({ Name: want.name })
                : new DisableRuleCommand({ Name: want.name }),
            );
          }
          record(want.jobId, want.name, want.state === "ENABLED" ? "enabled" : "disabled");
          continue;
        }
        record(want.jobId, want.name, "unchanged");
      }

      for (const [name, { jobId }] of owned) {
        if (desired.has(name)) continue;
        if (!dryRun) {
          // EventBridge refuses to delete a rule that still has targets.
          const targets = await listTargets(name);
          await removeTargets(
            name,
            targets.map((target) => target.Id ?? "").filter((id) => id !== ""),
          );
          await client.send(new DeleteRuleCommand({ Name: name }));
        }
        record(jobId, name, "deleted");
      }

      return changes.sort((a, b) => (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
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
    have.DeadLetterConfig?.Arn === want.DeadLetterConfig?.Arn
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
