import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { getLastSweep, getRun } from "#adapters/dynamodb/reads.ts";
import { TABLE_SCHEMA } from "#adapters/dynamodb/table-definition.ts";
import { queueDepth } from "#adapters/sqs/dead-letter-operations.ts";
import { applyJobs } from "#core/jobs/apply-jobs.ts";
import { peakSimultaneousFires, simultaneousFiresWarning } from "#core/jobs/fire-concurrency.ts";
import type { JobDefinition } from "#core/jobs/job-schema.ts";
import { parseScheduleExpression } from "#core/jobs/schedule-expression.ts";
import type { ScheduleChange } from "#core/ports.ts";
import { describeDuration, describeTime } from "#core/time-format.ts";
import type { CommandContext } from "../context.ts";
import { EXIT, type ExitCode, isUnreachable } from "../exit-codes.ts";
import { type JobState, readJobStates } from "../job-state.ts";
import type { Deployment } from "../target.ts";

/** `warning`: worth a look, but not a broken invariant — doctor still exits 0. */
export type CheckStatus = "ok" | "failed" | "warning" | "skipped";

/** One invariant of the deployment, checked: what was found and, when it failed, what to do. */
export interface Check {
  readonly check: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly fix?: string;
}

/** The sweeper runs every minute; a last sweep older than this means it is not running. */
export const SWEEPER_MAX_AGE_MS = 3 * 60_000;

const QUEUE_LABELS = [
  { role: "fires", deadLetter: false, label: "fires queue" },
  { role: "fires", deadLetter: true, label: "fires DLQ" },
  { role: "turns", deadLetter: false, label: "turns queue" },
  { role: "turns", deadLetter: true, label: "turns DLQ" },
] as const;

/**
 * `doctor`: checks the deployment's invariants — the table (and its sweep index), the queues and
 * DLQs, that every stored job validates in this build, that every job's schedule rule exists and
 * matches it, that the DLQs are empty, that the sweeper ran recently and that no run is stuck past
 * its ceiling — and says what to fix, one line each. Exit 1 if anything failed.
 */
export async function doctorCommand(
  ctx: CommandContext,
  options: { repair?: boolean } = {},
): Promise<ExitCode> {
  const deployment = await ctx.connect();
  if (options.repair) {
    const repaired = await repair(deployment);
    ctx.out.line(`Repaired ${deployment.label}: ${repaired}`);
  }
  const checks = await runChecks(deployment);
  const failed = checks.filter((check) => check.status === "failed");
  const { out } = ctx;
  out.data({ target: deployment.label, ok: failed.length === 0, checks });
  out.line(`Checking ${deployment.label}`);
  for (const check of checks) {
    const mark =
      check.status === "ok"
        ? out.style.green("✓")
        : check.status === "failed"
          ? out.style.red("✗")
          : check.status === "warning"
            ? out.style.yellow("!")
            : out.style.dim("–");
    out.line(`${mark} ${check.detail}`);
    if (check.fix && check.status !== "ok") out.line(out.style.dim(`    fix: ${check.fix}`));
  }
  out.line(
    failed.length === 0
      ? out.style.green("No problems found.")
      : out.style.red(`${failed.length} problem${failed.length === 1 ? "" : "s"} found.`),
  );
  return failed.length === 0 ? EXIT.ok : EXIT.unhealthy;
}

/** Every check, in order; later ones are skipped when the table cannot be read. */
export async function runChecks(deployment: Deployment): Promise<Check[]> {
  const checks: Check[] = [];
  const table = await checkTable(deployment);
  checks.push(table);
  checks.push(...(await checkQueues(deployment)));
  if (table.status !== "ok") {
    checks.push({
      check: "jobs",
      status: "skipped",
      detail: "jobs, rules, sweeper and runs not checked: the table cannot be read",
    });
    return checks;
  }
  const states = await readJobStates(deployment);
  checks.push(...checkJobsValidate(deployment, states));
  checks.push(checkTurnConcurrency(deployment, states));
  checks.push(...(await checkRules(deployment, states)));
  checks.push(...(await checkExpectedFires(deployment, states)));
  checks.push(await checkSweeper(deployment));
  checks.push(...(await checkStuckRuns(deployment, states)));
  return checks;
}

async function checkTable(deployment: Deployment): Promise<Check> {
  const { tableName } = deployment.table;
  try {
    const { Table } = await deployment.dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    const indexes = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
    const missing = [
      TABLE_SCHEMA.sweepIndex.name,
      TABLE_SCHEMA.runLookupIndex.name,
      TABLE_SCHEMA.fireWatchIndex.name,
    ].filter((name) => !indexes.has(name));
    if (missing.length > 0) {
      return {
        check: "table",
        status: "failed",
        detail: `table ${tableName} lacks the index${missing.length > 1 ? "es" : ""} ${missing.join(", ")}`,
        fix: "the table was not created from adapters/dynamodb/table-definition.ts: redeploy the stack (or restart the local runtime with fresh data)",
      };
    }
    return {
      check: "table",
      status: Table?.TableStatus === "ACTIVE" ? "ok" : "failed",
      detail: `table ${tableName} exists (${Table?.TableStatus ?? "?"}) with its ${TABLE_SCHEMA.sweepIndex.name}, ${TABLE_SCHEMA.runLookupIndex.name} and ${TABLE_SCHEMA.fireWatchIndex.name} indexes`,
      fix: Table?.TableStatus === "ACTIVE" ? undefined : "wait for the table to become ACTIVE",
    };
  } catch (error) {
    return {
      check: "table",
      status: "failed",
      detail: `table ${tableName} ${isUnreachable(error) ? "not found or not reachable" : "cannot be read"}: ${(error as Error).message}`,
      fix:
        deployment.kind === "local"
          ? "restart the local runtime (npm start)"
          : "deploy the stack (npm run deploy), or check the target's region and credentials",
    };
  }
}

async function checkQueues(deployment: Deployment): Promise<Check[]> {
  const checks: Check[] = [];
  const found: string[] = [];
  for (const { role, deadLetter, label } of QUEUE_LABELS) {
    let url: string;
    try {
      url = deployment.queueUrl(role, deadLetter);
    } catch (error) {
      checks.push({ check: "queues", status: "failed", detail: `${label}: ${(error as Error).message}` });
      continue;
    }
    try {
      // Reading the depth is also the check that the queue exists.
      const count = await queueDepth(deployment.sqs, url);
      found.push(label);
      if (deadLetter) {
        checks.push(
          count === 0
            ? { check: "dlq-empty", status: "ok", detail: `${label} is empty` }
            : {
                check: "dlq-empty",
                status: "failed",
                detail: `${label} holds ${count} message${count === 1 ? "" : "s"}`,
                fix: `see why: agentcron dlq list ${role}; once the cause is fixed: agentcron dlq redrive ${role}`,
              },
        );
      }
    } catch (error) {
      checks.push({
        check: "queues",
        status: "failed",
        detail: `${label} ${url} ${isUnreachable(error) ? "does not exist or cannot be reached" : "cannot be read"}: ${(error as Error).message}`,
        fix: deployment.kind === "local" ? "restart the local runtime (npm start)" : "redeploy the stack",
      });
    }
  }
  if (found.length === QUEUE_LABELS.length) {
    checks.unshift({
      check: "queues",
      status: "ok",
      detail: "the fires and turns queues and their DLQs exist",
    });
  }
  return checks;
}

/**
 * More jobs due in one minute than the deployment runs turns at once make a backlog every time;
 * a run that waits past its start deadline ends not-started (DESIGN invariant 9).
 */
function checkTurnConcurrency(deployment: Deployment, states: readonly JobState[]): Check {
  if (deployment.turnConcurrency === undefined) {
    return {
      check: "turn-concurrency",
      status: "skipped",
      detail: "turn concurrency not checked: the target does not say how many turns run at once",
    };
  }
  const jobs = states.flatMap((state) => (state.job ? [state.job] : []));
  const warning = simultaneousFiresWarning(jobs, deployment.turnConcurrency);
  if (!warning) {
    const { peak } = peakSimultaneousFires(jobs);
    return {
      check: "turn-concurrency",
      status: "ok",
      detail: `at most ${peak} job${peak === 1 ? "" : "s"} fire in the same minute; ${deployment.turnConcurrency} turns run at once`,
    };
  }
  return {
    check: "turn-concurrency",
    status: "warning",
    detail: warning.message.split("; ")[0] ?? warning.message,
    fix: "spread the schedules, raise the turn concurrency (the stack's turnMaxConcurrency; npm start -- --max-turns N), or give the jobs a longer startDeadlineSeconds",
  };
}

function checkJobsValidate(deployment: Deployment, states: readonly JobState[]): Check[] {
  const checks: Check[] = [];
  for (const state of states) {
    if (state.issues.length === 0) continue;
    const harness = state.issues.find((issue) => issue.path === "agent.harness");
    const pluginType = state.issues.find((issue) => /^plugins\[\d+\]\.type$/.test(issue.path));
    const agent = state.stored.spec.agent as { harness?: unknown } | undefined;
    const detail = harness
      ? `job ${state.stored.jobId} names harness "${String(agent?.harness)}", which this build does not register`
      : pluginType
        ? `job ${state.stored.jobId} names a plugin type this build does not register (${pluginType.path}: ${pluginType.message})`
        : `job ${state.stored.jobId} does not validate in this deployment`;
    checks.push({
      check: "jobs-validate",
      status: "failed",
      detail: `${detail}:\n${state.issues.map((issue) => `      - ${issue.path}: ${issue.message}`).join("\n")}`,
      fix:
        harness || pluginType
          ? "fix the job and apply it (agentcron jobs apply -f jobs.json), or deploy a build that registers it; until then every run of it fails"
          : "fix the job and apply it (agentcron jobs apply -f jobs.json); until then its fires are rejected",
    });
  }
  const valid = states.length - checks.length;
  if (checks.length === 0) {
    checks.push({
      check: "jobs-validate",
      status: "ok",
      detail: `every stored job validates (${states.length}) against this deployment's harnesses, plugin types and ${deployment.validation.functionTimeoutSeconds ?? 900}s turn timeout`,
    });
  } else if (valid > 0) {
    checks.push({
      check: "jobs-validate",
      status: "ok",
      detail: `the other ${valid} job${valid === 1 ? "" : "s"} validate`,
    });
  }
  return checks;
}

const RULE_PROBLEM: Record<Exclude<ScheduleChange["action"], "unchanged">, string> = {
  created: "is missing",
  updated: "does not match the job (expression or target)",
  enabled: "is disabled but the job is enabled",
  disabled: "is enabled but the job is paused",
  deleted: "exists but no job of that id is stored",
};

/** Reuses the reconciler in dry-run mode: any change it would make is a rule out of step. */
async function checkRules(deployment: Deployment, states: readonly JobState[]): Promise<Check[]> {
  let schedules: Awaited<ReturnType<Deployment["schedules"]>>;
  try {
    schedules = await deployment.schedules();
  } catch (error) {
    return [
      {
        check: "rules",
        status: "skipped",
        detail: `schedule rules not checked: ${(error as Error).message}`,
      },
    ];
  }
  // Every stored job should have its rule, valid here or not (an invalid job's fires are rejected
  // or fail loudly, which is what should happen, rather than stop silently).
  const definitions = states.flatMap((state): JobDefinition[] => {
    if (state.job) return [state.job];
    const { spec } = state.stored;
    if (typeof spec.schedule !== "string" || !isValidSchedule(spec.schedule)) return [];
    return [
      {
        ...spec,
        id: state.stored.jobId,
        schedule: spec.schedule,
        enabled: state.enabled,
      } as unknown as JobDefinition,
    ];
  });
  const changes = await schedules.reconcile(definitions, { dryRun: true });
  const problems = changes.filter(
    (change): change is ScheduleChange & { action: Exclude<ScheduleChange["action"], "unchanged"> } =>
      change.action !== "unchanged",
  );
  if (problems.length === 0) {
    return [
      {
        check: "rules",
        status: "ok",
        detail: `every job's schedule rule exists and matches it (${changes.length}, ${deployment.schedulesLabel})`,
      },
    ];
  }
  return problems.map((change) => ({
    check: "rules",
    status: "failed",
    detail: `rule ${change.ruleName} (job ${change.jobId}) ${RULE_PROBLEM[change.action]}`,
    fix: "agentcron doctor --repair reconciles every job's schedule (or re-apply the job set: agentcron jobs apply -f jobs.json)",
  }));
}

function isValidSchedule(schedule: string): boolean {
  try {
    parseScheduleExpression(schedule);
    return true;
  } catch {
    return false;
  }
}

/** Missed fires worth a look: those that never arrived in the last day. */
export const MISSED_FIRES_WINDOW_MS = 24 * 60 * 60_000;

/**
 * Missed-fire detection (core/schedules/missed-fires.ts), seen from here: every enabled job should
 * have an expected next fire, and none should have missed a fire recently. Reads one watch per job
 * (100 a request): doctor may look at every job; the sweeper never does.
 */
async function checkExpectedFires(deployment: Deployment, states: readonly JobState[]): Promise<Check[]> {
  const nowMs = deployment.clock.now();
  const watches = await deployment.store.fireWatch.getWatches(states.map((state) => state.stored.jobId));
  const checks: Check[] = [];
  const unwatched: string[] = [];
  for (const state of states) {
    const watch = watches.get(state.stored.jobId);
    const oneTime = /^\s*at\(/i.test(String(state.stored.spec.schedule));
    if (state.enabled && !oneTime && watch?.expectedAt === undefined) unwatched.push(state.stored.jobId);
    if (watch?.lastMissedAt === undefined || nowMs - watch.lastMissedAt > MISSED_FIRES_WINDOW_MS) continue;
    checks.push({
      check: "missed-fires",
      status: "failed",
      detail: `job ${state.stored.jobId} missed a fire: none came for ${describeTime(watch.lastMissedAt)} (${describeDuration(nowMs - watch.lastMissedAt)} ago; ${watch.missedCount} in all)${watch.lastMissedState && watch.lastMissedState !== "unknown" ? `; its schedule was ${watch.lastMissedState === "enabled" ? "there and enabled, so its deliveries failed" : watch.lastMissedState}` : ""}`,
      fix:
        watch.lastMissedState === "enabled"
          ? "see why the deliveries fail: agentcron dlq list fires, and the schedule's target; then agentcron doctor again"
          : "agentcron doctor --repair re-creates or enables its schedule",
    });
  }
  if (unwatched.length > 0) {
    checks.push({
      check: "missed-fires",
      status: "warning",
      detail: `no expected fire is kept for ${unwatched.length} enabled job${unwatched.length === 1 ? "" : "s"} (${unwatched.slice(0, 5).join(", ")}${unwatched.length > 5 ? ", ..." : ""}): a fire that never comes would go unnoticed`,
      fix: "agentcron doctor --repair arms them (jobs applied before missed-fire detection existed have none)",
    });
  }
  if (checks.length === 0) {
    checks.push({
      check: "missed-fires",
      status: "ok",
      detail: `no job missed a fire in the last day; every enabled job has an expected next fire`,
    });
  }
  return checks;
}

/**
 * `doctor --repair`: reconciles every stored job's schedule (creating a missing one, enabling a
 * disabled one, rewriting one that drifted) and arms the expected fire of every job that has none.
 */
async function repair(deployment: Deployment): Promise<string> {
  const report = await applyJobs(
    { jobs: [] },
    {
      jobs: deployment.store.jobs,
      clock: deployment.clock,
      validation: { ...deployment.validation, admitUnregisteredHarness: true },
      schedules: await deployment.schedules(),
      fireWatch: deployment.store.fireWatch,
    },
    { allowEmpty: true },
  );
  const changed = (report.schedules ?? []).filter((change) => change.action !== "unchanged");
  return changed.length === 0
    ? "every schedule was already in step; expected fires armed where missing"
    : changed.map((change) => `${change.ruleName} ${change.action}`).join(", ");
}

async function checkSweeper(deployment: Deployment): Promise<Check> {
  const last = await getLastSweep(deployment.table);
  const nowMs = deployment.clock.now();
  if (!last) {
    return {
      check: "sweeper",
      status: "failed",
      detail: "the sweeper has never completed a sweep",
      fix: deployment.sweeperHint,
    };
  }
  const age = nowMs - last.lastSweepAt;
  return age <= SWEEPER_MAX_AGE_MS
    ? { check: "sweeper", status: "ok", detail: `the sweeper ran ${describeDuration(Math.max(0, age))} ago` }
    : {
        check: "sweeper",
        status: "failed",
        detail: `the sweeper last ran ${describeDuration(age)} ago (it runs every minute): stalls are not ended, leases not freed, buffered fires not drained`,
        fix: deployment.sweeperHint,
      };
}

async function checkStuckRuns(deployment: Deployment, states: readonly JobState[]): Promise<Check[]> {
  const nowMs = deployment.clock.now();
  const checks: Check[] = [];
  for (const state of states) {
    const holderRunId = state.lease?.holderRunId;
    if (!holderRunId || !state.job) continue;
    const run = await getRun(deployment.table, state.stored.jobId, holderRunId);
    const { maxRunSeconds, leaseSeconds } = state.job;
    const since = run?.startedAt ?? state.lease?.acquiredAt;
    if (since === undefined) continue;
    const limitMs = (run?.startedAt !== undefined ? maxRunSeconds : leaseSeconds) * 1000;
    if (nowMs - since <= limitMs) continue;
    checks.push({
      check: "stuck-runs",
      status: "failed",
      detail: `run ${holderRunId} of job ${state.stored.jobId} has held the job for ${describeDuration(nowMs - since)}${run?.startedAt !== undefined ? `, past its maxRunSeconds (${maxRunSeconds}s)` : " without starting"}${run ? ` (status ${run.status}, phase ${run.phase ?? "-"})` : ""}`,
      fix: `the sweeper ends such runs within a minute or two of their lease expiring; if it stays: ${deployment.sweeperHint}; then agentcron inspect ${holderRunId}`,
    });
  }
  if (checks.length === 0)
    checks.push({ check: "stuck-runs", status: "ok", detail: "no run is held past its job's maxRunSeconds" });
  return checks;
}
