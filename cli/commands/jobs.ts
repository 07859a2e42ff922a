import { readFileSync } from "node:fs";
import { getJob } from "#adapters/dynamodb/reads.ts";
import { formatIssues, JobValidationError } from "#core/errors.ts";
import { type ApplyJobsReport, applyJobs, EmptyJobSetError, type JobChange } from "#core/jobs/apply-jobs.ts";
import { JOB_DEFAULTS } from "#core/jobs/job-schema.ts";
import { deleteJob } from "#core/jobs/operator-commands.ts";
import { describeJsonProblem, parseJsonText } from "#core/json-text.ts";
import type { StoredJob } from "#core/ports.ts";
import { FAILURE_STATUSES } from "#core/runs/run-record.ts";
import { firstCommandOf } from "#core/stats/job-health.ts";
import { describeDuration, describeTime } from "#core/time-format.ts";
import { confirm } from "../confirm.ts";
import type { CommandContext } from "../context.ts";
import { EXIT, type ExitCode, UsageError } from "../exit-codes.ts";
import { type JobState, readJobStates, runningHolder, upcomingFires } from "../job-state.ts";
import { setJobEnabled } from "../operations/job-enabled.ts";
import { jobNotFound, readJobOverview } from "../operations/job-overview.ts";
import { percent, renderTable, truncate } from "../output.ts";
import { renderJobChanges, renderScheduleChanges } from "../render/apply-plan.ts";
import { relativeTime } from "../render/durations.ts";
import { renderRunRows } from "../render/run-table.ts";
import type { Deployment } from "../target.ts";

export interface ApplyOptions {
  readonly file: string;
  readonly prune?: boolean;
  readonly allowEmpty?: boolean;
  readonly dryRun?: boolean;
  readonly yes?: boolean;
}

/**
 * `jobs apply -f FILE`: validates the whole file (every problem with its path; nothing applied,
 * exit 2), shows what would change — jobs and their schedule rules — and applies it after a
 * confirmation (on a terminal) or with `--yes`.
 */
export async function applyCommand(ctx: CommandContext, options: ApplyOptions): Promise<ExitCode> {
  const document = readJobsFile(options.file, ctx);
  const deployment = await ctx.connect();
  const schedules = await deployment.schedules();
  const deps = {
    jobs: deployment.store.jobs,
    clock: deployment.clock,
    validation: deployment.validation,
    schedules,
    fireWatch: deployment.store.fireWatch,
  };
  const stored = await deployment.store.jobs.listJobs();
  let plan: ApplyJobsReport;
  try {
    plan = await applyJobs(document, deps, {
      ...applyOptionsOf(options),
      dryRun: true,
      turnConcurrency: deployment.turnConcurrency,
    });
  } catch (error) {
    if (error instanceof EmptyJobSetError) throw new UsageError(`${options.file}: ${error.message}`);
    if (!(error instanceof JobValidationError)) throw error;
    ctx.out.data({ ok: false, file: options.file, applied: false, issues: error.issues });
    ctx.out.error(
      `agentcron: ${options.file} is invalid (${error.issues.length} problem${error.issues.length === 1 ? "" : "s"}); nothing was applied:\n${formatIssues(error.issues)}`,
    );
    return EXIT.usage;
  }

  const { out } = ctx;
  out.line(`Changes to ${deployment.label}:`);
  out.lines(renderJobChanges(plan.changes, stored, out.style, document));
  out.line(`Schedule rules (${deployment.schedulesLabel}):`);
  out.lines(renderScheduleChanges(plan.schedules ?? [], out.style));
  for (const warning of plan.warnings) out.line(out.style.yellow(`warning: ${warning.message}`));
  const pending =
    plan.changes.some((change) => change.kind !== "unchanged" && change.kind !== "not-in-set") ||
    (plan.schedules ?? []).some((change) => change.action !== "unchanged");
  if (!pending) {
    out.data({
      ok: true,
      target: deployment.label,
      applied: false,
      changes: plan.changes,
      schedules: plan.schedules,
    });
    out.line("Nothing to change.");
    return EXIT.ok;
  }
  if (options.dryRun) {
    out.data({
      ok: true,
      target: deployment.label,
      applied: false,
      dryRun: true,
      changes: plan.changes,
      schedules: plan.schedules,
    });
    out.line("Dry run: nothing was applied.");
    return EXIT.ok;
  }
  if (!options.yes) {
    if (ctx.io.stdin.isTTY !== true) {
      throw new UsageError(
        "not applying without a confirmation: stdin is not a terminal. Pass --yes to apply (or --dry-run to only see the changes).",
      );
    }
    if (!(await confirm(ctx, `Apply these changes to ${deployment.label}? [y/N] `))) {
      out.line("Nothing was applied.");
      out.data({
        ok: true,
        target: deployment.label,
        applied: false,
        changes: plan.changes,
        schedules: plan.schedules,
      });
      return EXIT.ok;
    }
  }
  const report = await applyJobs(document, deps, applyOptionsOf(options));
  out.data({
    ok: true,
    target: deployment.label,
    applied: true,
    changes: report.changes,
    schedules: report.schedules,
  });
  out.line(`Applied: ${summarize(report)}.`);
  return EXIT.ok;
}

/** A file applied with the CLI is the operator's: its jobs are `managedBy: "cli"` (job-ownership.ts). */
function applyOptionsOf(options: ApplyOptions) {
  return { prune: options.prune ?? false, allowEmpty: options.allowEmpty ?? false, source: "cli" as const };
}

function readJobsFile(path: string, ctx: CommandContext): unknown {
  let text: string;
  try {
    text = path === "-" ? readFileSync(0, "utf8") : readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read the jobs file ${path}: ${(error as Error).message}`);
  }
  const parsed = parseJsonText(text);
  if (parsed.ok) return parsed.value;
  const { problem } = parsed;
  ctx.out.data({
    ok: false,
    file: path,
    applied: false,
    issues: [
      {
        path: "(file)",
        message: `line ${problem.line}, column ${problem.column}: ${problem.message}`,
        line: problem.line,
        column: problem.column,
      },
    ],
  });
  throw new UsageError(
    `${path === "-" ? "stdin" : path} is not valid JSON; nothing was applied:\n${describeJsonProblem(text, problem)}`,
  );
}

function summarize(report: ApplyJobsReport): string {
  const count = (kind: JobChange["kind"]) => report.changes.filter((change) => change.kind === kind).length;
  const parts = [
    `${count("created")} created`,
    `${count("updated")} updated`,
    `${count("deleted")} deleted`,
    `${count("unchanged")} unchanged`,
  ];
  if (count("not-in-set") > 0) parts.push(`${count("not-in-set")} kept (not in the file)`);
  const rules = (report.schedules ?? []).filter((change) => change.action !== "unchanged").length;
  return `${parts.join(", ")}; ${rules} schedule rule${rules === 1 ? "" : "s"} changed`;
}

/**
 * `jobs list`: one line per job — schedule, enabled, next fire, last status, failure rate, health,
 * running. `--unhealthy` lists only the unhealthy jobs, with why and the first command to run.
 */
export async function listCommand(
  ctx: CommandContext,
  options: { unhealthy?: boolean } = {},
): Promise<ExitCode> {
  const deployment = await ctx.connect({ readsHistory: true });
  const nowMs = deployment.clock.now();
  const all = await readJobStates(deployment);
  const states = options.unhealthy ? all.filter((state) => state.unhealthy) : all;
  const { out } = ctx;
  out.data({
    target: deployment.label,
    jobs: states.map((state) => ({
      jobId: state.stored.jobId,
      schedule: state.stored.spec.schedule,
      enabled: state.enabled,
      version: state.stored.version,
      valid: state.issues.length === 0,
      issues: state.issues,
      nextFireAt: upcomingFires(state, nowMs, 1)?.[0]?.getTime() ?? null,
      lastStatus: state.stats?.lastStatus ?? null,
      failureRate: state.stats?.failureRate ?? null,
      recentRuns: state.stats?.recentOutcomes.length ?? 0,
      health: state.unhealthy ? "unhealthy" : "healthy",
      unhealthySince: state.unhealthy?.since ?? null,
      healthReasons: state.unhealthy?.reasons ?? [],
      runningRunId: runningHolder(state.lease, nowMs)?.holderRunId ?? null,
      pendingFires: state.lease?.pending?.count ?? 0,
    })),
  });
  if (states.length === 0) {
    out.line(
      options.unhealthy && all.length > 0
        ? `No unhealthy job on ${deployment.label} (${all.length} job${all.length === 1 ? "" : "s"}).`
        : `No jobs on ${deployment.label}. Apply some: agentcron jobs apply -f jobs.json`,
    );
    return EXIT.ok;
  }
  const rows = states.map((state) => [
    state.issues.length > 0 ? out.style.red(`${state.stored.jobId} ✗`) : state.stored.jobId,
    String(state.stored.spec.schedule),
    state.enabled ? "yes" : out.style.yellow("paused"),
    nextFireText(state, nowMs),
    state.stats?.lastStatus ? out.style.status(state.stats.lastStatus) : "-",
    failureRateText(state),
    state.unhealthy ? out.style.red("unhealthy") : "ok",
    runningText(state, nowMs),
  ]);
  out.lines(
    renderTable(
      [
        { header: "JOB" },
        { header: "SCHEDULE" },
        { header: "ENABLED" },
        { header: "NEXT FIRE" },
        { header: "LAST" },
        { header: "FAILURE RATE" },
        { header: "HEALTH" },
        { header: "RUNNING" },
      ],
      rows,
      out.style,
    ),
  );
  if (options.unhealthy) {
    for (const state of states) {
      const record = state.unhealthy;
      if (!record) continue;
      out.line("");
      out.line(
        `${out.style.bold(state.stored.jobId)} unhealthy since ${describeTime(record.since)} (${relativeTime(record.since, nowMs)})`,
      );
      for (const reason of record.reasons) out.line(`  - ${reason.message}`);
      if (record.reasons.length === 0) out.line("  - recovering: its last runs must succeed twice in a row");
      out.line(`  first: ${firstCommandOf(state.stored.jobId, record.reasons)}`);
    }
  }
  if (states.some((state) => state.issues.length > 0)) {
    out.line(
      out.style.red(
        "✗ marks a job that is invalid in this deployment: agentcron jobs show ID, or agentcron doctor",
      ),
    );
  }
  return EXIT.ok;
}

function nextFireText(state: JobState, nowMs: number): string {
  if (!state.enabled) return "-";
  const next = upcomingFires(state, nowMs, 1)?.[0];
  if (next) return relativeTime(next.getTime(), nowMs);
  return /^rate/i.test(String(state.stored.spec.schedule)) ? "by its rate" : "-";
}

/** `jobs show`'s next fires: UTC times, with the job's wall-clock time when it has a zone. */
function nextFiresText(
  state: JobState,
  next: readonly Date[] | undefined,
  nowMs: number,
  timezone: string | undefined,
): string {
  if (!state.enabled) return `paused: agentcron jobs resume ${state.stored.jobId}`;
  if (next && next.length > 0) {
    return next
      .map((date) => {
        const local = timezone ? `, ${wallClockText(date, timezone)} ${timezone}` : "";
        return `${describeTime(date.getTime())} (${relativeTime(date.getTime(), nowMs)}${local})`;
      })
      .join(", ");
  }
  const schedule = String(state.stored.spec.schedule);
  if (/^\s*rate/i.test(schedule)) return "by its rate (the rule's creation time anchors it)";
  if (/^\s*at/i.test(schedule))
    return "none: a one-time job whose time has come (its schedule deleted itself)";
  return "none: the schedule fires no more";
}

function wallClockText(date: Date, timezone: string): string {
  return date.toLocaleString("sv-SE", { timeZone: timezone }).slice(0, 16);
}

function failureRateText(state: JobState): string {
  const stats = state.stats;
  if (!stats || stats.recentOutcomes.length === 0) return "-";
  return `${percent(stats.failureRate)} of ${stats.recentOutcomes.length}`;
}

function runningText(state: JobState, nowMs: number): string {
  const holder = runningHolder(state.lease, nowMs);
  const pending = state.lease?.pending ? ` +${state.lease.pending.count} waiting` : "";
  if (holder) {
    return `${holder.phase ?? "queued"} ${describeDuration(nowMs - (holder.acquiredAt ?? nowMs))}${pending}`;
  }
  if (state.lease?.holderRunId) return `expired holder${pending}`;
  return pending ? pending.trim() : "-";
}

/**
 * `jobs show ID`: the definition, version, lease holder (its age and phase), buffered fires, next
 * fires, failure rate over the window, consecutive failures and skips, and the last runs.
 */
export async function showCommand(
  ctx: CommandContext,
  jobId: string,
  options: { runs?: number } = {},
): Promise<ExitCode> {
  const deployment = await ctx.connect({ readsHistory: true });
  const overview = await readJobOverview(deployment, jobId, { runs: options.runs ?? 5 });
  const { state, runs, window, nowMs } = overview;
  const next = overview.nextFires;
  const stats = state.stats;
  const holder = overview.holder;
  const { out } = ctx;
  const { style } = out;

  out.data({
    target: deployment.label,
    job: state.stored,
    definition: state.job ?? null,
    valid: state.issues.length === 0,
    issues: state.issues,
    enabled: state.enabled,
    health: state.unhealthy ? "unhealthy" : "healthy",
    unhealthy: state.unhealthy ?? null,
    lease: state.lease ?? null,
    holder: holder
      ? {
          runId: holder.holderRunId,
          acquiredAt: holder.acquiredAt,
          ageMs: holder.acquiredAt !== undefined ? nowMs - holder.acquiredAt : null,
          phase: holder.phase ?? null,
          expiresAt: holder.expiresAt ?? null,
          expired: runningHolder(holder, nowMs) === undefined,
        }
      : null,
    pendingFires: state.lease?.pending ?? null,
    nextFires: next?.map((date) => date.getTime()) ?? null,
    stats: stats ?? null,
    failureRate: stats ? { rate: stats.failureRate, runs: stats.recentOutcomes.length, window } : null,
    recentRuns: runs,
  });

  const spec = state.stored.spec;
  const agent = spec.agent as { harness?: string; model?: string; prompt?: string };
  out.line(
    `${style.bold(`Job ${state.stored.jobId}`)} · v${state.stored.version} · ${state.enabled ? style.green("enabled") : style.yellow("paused")} · on ${deployment.label}`,
  );
  if (spec.description) out.line(`  ${spec.description}`);
  if (state.issues.length > 0) {
    out.line(style.red("  ✗ invalid in this deployment (its fires are rejected or its runs fail):"));
    for (const issue of state.issues) out.line(style.red(`    - ${issue.path}: ${issue.message}`));
  }
  out.line("");
  out.line(style.bold("Definition"));
  const job = state.job;
  const timezone = typeof spec.timezone === "string" && spec.timezone !== "UTC" ? spec.timezone : undefined;
  const flexibleWindow =
    typeof spec.flexibleWindowMinutes === "number" ? spec.flexibleWindowMinutes : undefined;
  const definition: [string, string][] = [
    [
      "schedule",
      `${String(spec.schedule)}${timezone ? ` in ${timezone}` : " (UTC)"}${flexibleWindow ? ` · flexible window ${flexibleWindow}m` : ""}`,
    ],
    [
      "agent",
      `${agent.harness ?? "?"}${agent.model ? ` / ${agent.model}` : ""}: ${truncate(String(agent.prompt ?? ""), 70)}`,
    ],
  ];
  if (job) {
    definition.push(
      [
        "plugins",
        job.plugins.length === 0
          ? "none"
          : job.plugins
              .map(
                (plugin) =>
                  `${plugin.name} (${plugin.type}, ${plugin.timeoutSeconds}s${plugin.required ? "" : ", optional"})`,
              )
              .join(", "),
      ],
      [
        "budgets",
        `setup ${job.timeouts.setupSeconds}s · runtime-plugins ${job.timeouts.runtimePluginsSeconds}s · agent-turn ${job.timeouts.agentTurnSeconds}s · finalize ${job.timeouts.finalizeSeconds}s · max ${job.maxRunSeconds}s`,
      ],
      ["lease", `${job.leaseSeconds}s · overlap ${job.overlap} · retryOnStall ${job.retryOnStall}`],
    );
  }
  definition.push([
    "updated",
    `${describeTime(state.stored.updatedAt)} (created ${describeTime(state.stored.createdAt)})`,
  ]);
  for (const [key, value] of definition) out.line(`  ${key.padEnd(10)}${value}`);
  out.line("");

  out.line(style.bold("Now"));
  if (holder) {
    const age = holder.acquiredAt !== undefined ? describeDuration(nowMs - holder.acquiredAt) : "?";
    const expired = runningHolder(holder, nowMs) === undefined;
    out.line(
      `  running   run ${holder.holderRunId} for ${age}, phase ${holder.phase ?? "queued"}${holder.heartbeatAt !== undefined ? `, last heartbeat ${describeDuration(nowMs - holder.heartbeatAt)} ago` : ""}${holder.expiresAt !== undefined ? `, lease ${expired ? style.red(`expired ${describeDuration(nowMs - holder.expiresAt)} ago (the sweeper frees it)`) : `expires ${relativeTime(holder.expiresAt, nowMs)}`}` : ""}`,
    );
  } else {
    out.line("  running   nothing");
  }
  if (state.lease?.pending) {
    const pending = state.lease.pending;
    out.line(
      `  waiting   ${pending.count} fire${pending.count === 1 ? "" : "s"} buffered since ${describeTime(pending.firstScheduledAt)} (runs when the job frees)`,
    );
  }
  out.line(`  next      ${nextFiresText(state, next, nowMs, timezone)}`);
  out.line("");

  out.line(style.bold("Health"));
  const record = state.unhealthy;
  if (record) {
    out.line(
      `  state                 ${style.red("unhealthy")} since ${describeTime(record.since)} (${relativeTime(record.since, nowMs)})`,
    );
    for (const reason of record.reasons) out.line(`    - ${reason.message}`);
    if (record.reasons.length === 0) out.line("    - recovering: its last runs must succeed twice in a row");
    out.line(`    first: ${firstCommandOf(state.stored.jobId, record.reasons)}`);
  } else {
    out.line("  state                 ok");
  }
  if (!stats || stats.runsEnded === 0) {
    out.line("  no run has ended yet");
  } else {
    const failures = stats.recentOutcomes.filter((status) => FAILURE_STATUSES.has(status)).length;
    const rate = `${percent(stats.failureRate)} (${failures} of the last ${stats.recentOutcomes.length} runs; window ${window})`;
    out.line(
      `  failure rate          ${stats.failureRate >= (job?.alarms.failureRateThreshold ?? JOB_DEFAULTS.failureRateThreshold) ? style.red(rate) : rate}`,
    );
    out.line(
      `  recent outcomes       ${stats.recentOutcomes.map((status) => style.status(status)).join(" ") || "-"} (oldest first)`,
    );
    out.line(
      `  consecutive failures  ${stats.consecutiveFailures > 0 ? style.red(String(stats.consecutiveFailures)) : "0"}`,
    );
    out.line(
      `  consecutive skips     ${stats.consecutiveSkips > 0 ? style.yellow(String(stats.consecutiveSkips)) : "0"}`,
    );
    out.line(
      `  last run              ${stats.lastStatus ? style.status(stats.lastStatus) : "-"}${stats.lastEndedAt !== undefined ? ` ${relativeTime(stats.lastEndedAt, nowMs)}` : ""}${stats.lastRunId ? ` (${stats.lastRunId})` : ""}`,
    );
    out.line(
      `  totals                ${plural(stats.runsEnded, "run")} ended · ${plural(stats.firesSkipped, "fire")} skipped · ${stats.firesBuffered} buffered · ${stats.firesRejected} rejected`,
    );
  }
  out.line("");
  out.line(style.bold("Last runs"));
  if (runs.length === 0) out.line("  none");
  else out.lines(renderRunRows(runs, style, nowMs).map((line) => `  ${line}`));
  return EXIT.ok;
}

/**
 * `jobs pause ID` / `jobs resume ID`: stores the job with `enabled` flipped and reconciles its
 * schedule. For a job from the jobs file the choice sticks: applying the file again (npm start,
 * cdk deploy) keeps it until the file changes that job's `enabled`.
 */
export async function setEnabledCommand(
  ctx: CommandContext,
  jobId: string,
  enabled: boolean,
): Promise<ExitCode> {
  const deployment = await ctx.connect();
  const result = await setJobEnabled(deployment, jobId, enabled);
  const { change, rule } = result;
  const verb = enabled ? "resumed" : "paused";
  ctx.out.data({ ok: true, jobId, enabled, changed: result.changed, change, schedule: rule });
  const sticks =
    result.changed && result.fromFile
      ? ` It comes from the jobs file: applying the file again keeps it ${enabled ? "enabled" : "paused"} until the file changes its "enabled".`
      : "";
  ctx.out.line(
    result.changed
      ? `Job ${jobId} ${verb} (v${change?.fromVersion} → v${change?.toVersion}); rule ${rule?.ruleName ?? "?"} ${rule?.action ?? "?"}.${sticks}`
      : `Job ${jobId} is already ${enabled ? "enabled" : "paused"} (v${result.fromVersion}); rule ${rule?.ruleName ?? "?"} ${rule?.action ?? "?"}.`,
  );
  return EXIT.ok;
}

/**
 * `jobs delete ID`: deletes the job and its schedule after a confirmation (on a terminal) or with
 * `--yes`. Its runs and fire records stay until their retention ends.
 */
export async function deleteCommand(
  ctx: CommandContext,
  jobId: string,
  options: { yes?: boolean },
): Promise<ExitCode> {
  const deployment = await ctx.connect();
  const stored = await requireJob(deployment, jobId);
  const fromFile =
    stored.managedBy === "file"
      ? " It comes from the jobs file: the next deploy (or npm start) creates it again unless you remove it from the file."
      : "";
  if (!options.yes) {
    if (ctx.io.stdin.isTTY !== true) {
      throw new UsageError(
        `not deleting job ${jobId} without a confirmation: stdin is not a terminal. Pass --yes to delete it.`,
      );
    }
    ctx.out.line(
      `Job ${jobId} (v${stored.version}, schedule ${String(stored.spec.schedule)}) on ${deployment.label}.${fromFile}`,
    );
    if (!(await confirm(ctx, `Delete job ${jobId} and its schedule? [y/N] `))) {
      ctx.out.data({ ok: true, jobId, deleted: false });
      ctx.out.line("Nothing was deleted.");
      return EXIT.ok;
    }
  }
  const schedule = await deleteJob(stored, await operatorDepsOf(deployment));
  ctx.out.data({ ok: true, jobId, deleted: true, fromVersion: stored.version, schedule });
  ctx.out.line(
    `Job ${jobId} deleted (was v${stored.version}); rule ${schedule?.ruleName ?? "(none)"} ${schedule?.action ?? "absent"}. Its runs stay until their retention ends.${fromFile}`,
  );
  return EXIT.ok;
}

async function requireJob(deployment: Deployment, jobId: string): Promise<StoredJob> {
  const stored = await getJob(deployment.table, jobId);
  if (!stored) throw jobNotFound(deployment, jobId);
  return stored;
}

async function operatorDepsOf(deployment: Deployment) {
  return {
    jobs: deployment.store.jobs,
    clock: deployment.clock,
    validation: deployment.validation,
    schedules: await deployment.schedules(),
    fireWatch: deployment.store.fireWatch,
  };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
