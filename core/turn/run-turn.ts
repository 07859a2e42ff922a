import { type Harness, HarnessAbortedError, type HarnessTurnResult } from "../agents/harness.ts";
import type { AgentRegistry } from "../agents/registry.ts";
import type { SecretResolver } from "../agents/secrets.ts";
import type { Clock } from "../clock.ts";
import { formatIssues, HarnessNotRegisteredError, LeaseLostError } from "../errors.ts";
import type { TurnMessage } from "../fires/fire-message.ts";
import {
  JOB_DEFAULTS,
  type JobDefinition,
  type JobValidationContext,
  validateJob,
} from "../jobs/job-schema.ts";
import type { Logger } from "../logger.ts";
import { METRICS } from "../metric-names.ts";
import type { LifecycleEvents, MessageQueue, Metrics, RunStore, StoredJob } from "../ports.ts";
import type { PhaseName, RunError, TerminalRunStatus } from "../runs/run-record.ts";
import { deadlineSignal, settleWithin } from "./deadline-signal.ts";
import { finalizeRun } from "./finalize-run.ts";
import { LeaseKeeper } from "./lease-keeper.ts";
import { pendingPluginRecords, type StartedPlugins, startPlugins } from "./start-plugins.ts";
import {
  JobNotRunnableError,
  PhaseTimeoutError,
  PluginInitError,
  RunCeilingError,
  RuntimeShutdownError,
  StopRequestedError,
} from "./stop-reasons.ts";
import { TurnProgress } from "./turn-progress.ts";
import { DEFAULT_TURN_TIMING, type TurnTiming } from "./turn-timing.ts";

export interface TurnDependencies {
  readonly store: RunStore;
  readonly registry: AgentRegistry;
  readonly secrets: SecretResolver;
  /** Buffered fires are drained through the fires queue when the run releases the job. */
  readonly fires: MessageQueue;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly events: LifecycleEvents;
  readonly log: Logger;
  readonly validation: JobValidationContext;
  readonly timing?: TurnTiming;
  /** Aborted when the process running the turn is shutting down: the run stops and records itself. */
  readonly shutdownSignal?: AbortSignal;
}

export type TurnOutcome =
  /** Nothing to do: a redelivered message, a run superseded or already ended. Nothing written. */
  | { readonly kind: "ignored"; readonly reason: string }
  /** The run lost its lease mid-turn and stopped without writing over its successor. */
  | { readonly kind: "lease-lost" }
  | { readonly kind: "ended"; readonly status: TerminalRunStatus; readonly error?: RunError };

/** What a run will do, resolved from the job read fresh at setup (DESIGN invariant 6). */
type RunPlan =
  | { readonly ok: true; readonly job: JobDefinition; readonly harness: Harness }
  | { readonly ok: false; readonly error: Error };

/**
 * Takes one run through setup → runtime-plugins → agent-turn → finalize. Each phase is written
 * ahead with its deadline (invariant 3) and bounded by its own timeout; the lease is renewed on a
 * heartbeat; the run stops at its `maxRunSeconds` ceiling, its phase timeout, a lost lease or a
 * `replace` stop request, giving the harness a short grace to return partial output. A run that
 * lost its lease writes nothing more (invariant 2). A redelivered message for a run that already
 * started or ended does nothing.
 */
export async function runTurn(message: TurnMessage, deps: TurnDependencies): Promise<TurnOutcome> {
  const timing = deps.timing ?? DEFAULT_TURN_TIMING;
  const log = deps.log.child({ jobId: message.jobId, runId: message.runId });
  const context = await deps.store.loadRunContext(message.jobId, message.runId);
  const { run, lease } = context;
  if (!run) return ignore(log, `no run ${message.runId} for job ${message.jobId}`);
  if (run.status !== "queued")
    return ignore(log, `run is already ${run.status}; a redelivered turn message does nothing`);
  if (lease?.holderRunId !== run.runId) {
    return ignore(
      log,
      `run no longer holds the job's lease (held by ${lease?.holderRunId ?? "nobody"}); superseded`,
    );
  }

  const plan = resolvePlan(context.job, message.jobId, deps);
  const job = plan.ok ? plan.job : undefined;
  const leaseSeconds = job?.leaseSeconds ?? JOB_DEFAULTS.leaseSeconds;
  const startedAt = deps.clock.now();
  const fence = { jobId: run.jobId, runId: run.runId, token: lease.token };
  const setupDeadlineAt = startedAt + (job?.timeouts.setupSeconds ?? JOB_DEFAULTS.setupSeconds) * 1000;
  const begun = await deps.store.beginRun(fence, {
    nowMs: startedAt,
    setupDeadlineAt,
    leaseSeconds,
    plugins: job ? pendingPluginRecords(job) : [],
  });
  if (begun.kind !== "ok") return ignore(log, `the run could not begin (${begun.kind})`);
  deps.metrics.add(METRICS.runsStarted, 1, "Count", { jobId: run.jobId });
  await deps.events
    .publish([
      {
        type: "run.started",
        jobId: run.jobId,
        runId: run.runId,
        status: "running",
        phase: "setup",
        at: startedAt,
      },
    ])
    .catch((error: unknown) => log.warn("could not publish run.started", { error: String(error) }));

  // The run-level stop: ceiling, lost lease, stop request. Every phase's signal derives from it.
  const stop = new AbortController();
  const keeper = new LeaseKeeper(
    deps,
    fence,
    leaseSeconds,
    timing.heartbeatIntervalMs(leaseSeconds),
    (reason) => {
      if (!stop.signal.aborted) stop.abort(reason);
    },
  );
  const progress = new TurnProgress(deps, fence, leaseSeconds, keeper, "setup", setupDeadlineAt, startedAt);
  keeper.start(setupDeadlineAt);
  // The ceiling leaves the finalize budget for recording the outcome inside maxRunSeconds.
  const maxRunSeconds = job?.maxRunSeconds ?? JOB_DEFAULTS.setupSeconds + JOB_DEFAULTS.finalizeSeconds;
  const finalizeSeconds = job?.timeouts.finalizeSeconds ?? JOB_DEFAULTS.finalizeSeconds;
  const ceilingAt = startedAt + (maxRunSeconds - finalizeSeconds) * 1000;
  const ceiling = deadlineSignal(ceilingAt - startedAt, new RunCeilingError(maxRunSeconds));
  for (const source of [ceiling.signal, deps.shutdownSignal]) {
    source?.addEventListener("abort", () => stop.abort(source.reason), { once: true });
  }
  if (deps.shutdownSignal?.aborted) stop.abort(deps.shutdownSignal.reason);

  const plugins: StartedPlugins = { tools: [], started: [] };
  let result: HarnessTurnResult | undefined;
  let failure: unknown;
  try {
    if (!plan.ok) throw plan.error;
    await runPlugins(deps, log, plan.job, progress, stop.signal, plugins);
    result = await runAgentTurn(deps, log, plan, progress, stop.signal, plugins, ceilingAt, timing);
  } catch (error) {
    failure = error;
  } finally {
    ceiling.clear();
  }

  if (keeper.leaseLost || failure instanceof LeaseLostError) {
    keeper.stop();
    await closePlugins(plugins, log);
    log.warn("lease lost mid-turn: stopped, writing nothing over the new holder");
    return { kind: "lease-lost" };
  }
  return finalizeRun(deps, log, {
    run,
    job,
    fence,
    progress,
    keeper,
    statsBefore: context.stats,
    result,
    failure,
    close: () => closePlugins(plugins, log),
  });
}

function ignore(log: Logger, reason: string): TurnOutcome {
  log.info("turn message ignored", { reason });
  return { kind: "ignored", reason };
}

/**
 * The job, read fresh, must still name a registered harness and be valid. A harness this
 * deployment did not register gets its own error class and metric (invariant 7, field report 4).
 */
function resolvePlan(stored: StoredJob | undefined, jobId: string, deps: TurnDependencies): RunPlan {
  if (!stored)
    return {
      ok: false,
      error: new JobNotRunnableError(`job ${jobId} was deleted after this run was queued`),
    };
  const harnessName = (stored.spec.agent as { harness?: unknown } | undefined)?.harness;
  let harness: Harness;
  try {
    harness = deps.registry.harness(String(harnessName), jobId);
  } catch (error) {
    if (error instanceof HarnessNotRegisteredError) {
      deps.metrics.add(METRICS.harnessNotRegistered, 1, "Count", { jobId });
      deps.log.error(`HARNESS NOT REGISTERED: ${error.message}`, { jobId, harness: error.harness });
    }
    return { ok: false, error: error as Error };
  }
  const validation = validateJob(stored.spec, deps.validation);
  if (!validation.ok) {
    return {
      ok: false,
      error: new JobNotRunnableError(`job ${jobId} is no longer valid:\n${formatIssues(validation.issues)}`),
    };
  }
  return { ok: true, job: validation.job, harness };
}

async function runPlugins(
  deps: TurnDependencies,
  log: Logger,
  job: JobDefinition,
  progress: TurnProgress,
  stop: AbortSignal,
  plugins: StartedPlugins,
): Promise<void> {
  if (job.plugins.length === 0) return;
  const seconds = job.timeouts.runtimePluginsSeconds;
  const deadlineAt = await progress.enter("runtime-plugins", seconds);
  const phase = deadlineSignal(
    deadlineAt - deps.clock.now(),
    new PhaseTimeoutError("runtime-plugins", seconds),
  );
  try {
    const { unwritten } = await startPlugins({
      job,
      registry: deps.registry,
      secrets: deps.secrets,
      clock: deps.clock,
      log,
      phaseSignal: AbortSignal.any([stop, phase.signal]),
      record: (records) => progress.plugins(records),
      started: plugins,
    });
    progress.queuePlugins(unwritten);
  } finally {
    phase.clear();
  }
}

async function runAgentTurn(
  deps: TurnDependencies,
  log: Logger,
  plan: Extract<RunPlan, { ok: true }>,
  progress: TurnProgress,
  stop: AbortSignal,
  plugins: StartedPlugins,
  ceilingAt: number,
  timing: TurnTiming,
): Promise<HarnessTurnResult> {
  const { job, harness } = plan;
  const seconds = job.timeouts.agentTurnSeconds;
  const phaseDeadlineAt = await progress.enter("agent-turn", seconds);
  const stopAt = Math.min(phaseDeadlineAt, ceilingAt);
  const graceMs = Math.min(timing.graceMs(seconds), Math.max(0, stopAt - deps.clock.now()));
  // The harness is told to stop a grace period before the hard stop, to return partial output.
  const phase = deadlineSignal(
    stopAt - graceMs - deps.clock.now(),
    new PhaseTimeoutError("agent-turn", seconds),
  );
  const signal = AbortSignal.any([stop, phase.signal]);
  try {
    const options = harness.optionsSchema.parse(job.agent.options);
    const work = harness.run({
      jobId: job.id,
      runId: progress.fence.runId,
      prompt: job.agent.prompt,
      model: job.agent.model,
      options,
      tools: plugins.tools,
      signal,
      deadlineAt: stopAt,
      secrets: deps.secrets,
      log: log.child({ harness: harness.name }),
    });
    work.catch(() => {}); // settled below, or abandoned past the grace
    return await settleWithin(work, signal, graceMs);
  } catch (error) {
    // However the harness reacted to the stop (partial output, its own error, nothing at all), the
    // run ends for the signal's reason.
    if (signal.aborted) {
      const partial = error instanceof HarnessAbortedError ? error.partial : undefined;
      throw new TurnStoppedError(signal.reason, partial);
    }
    throw error;
  } finally {
    phase.clear();
  }
}

/** The agent turn was stopped (timeout, ceiling, stop request, lost lease), maybe with partial output. */
export class TurnStoppedError extends Error {
  override name = "TurnStoppedError";
  constructor(
    readonly reason: unknown,
    readonly partial: Partial<HarnessTurnResult> | undefined,
  ) {
    super(reason instanceof Error ? reason.message : String(reason));
  }
}

async function closePlugins(plugins: StartedPlugins, log: Logger): Promise<void> {
  await Promise.all(
    plugins.started.map(async ({ name, plugin }) => {
      try {
        await plugin.close();
      } catch (error) {
        log.warn("plugin close failed", { plugin: name, error: String(error) });
      }
    }),
  );
}

/** Maps how a turn ended to the run's status and error (with the phase it ended in). */
export function classifyTurnEnd(
  failure: unknown,
  phase: PhaseName,
): { status: TerminalRunStatus; error?: RunError; partial?: Partial<HarnessTurnResult> } {
  if (failure === undefined) return { status: "succeeded" };
  const partial = failure instanceof TurnStoppedError ? failure.partial : undefined;
  const cause = failure instanceof TurnStoppedError ? failure.reason : failure;
  const error = cause instanceof Error ? cause : new Error(String(cause));
  const plugin = error instanceof PluginInitError ? error.plugin : undefined;
  const status: TerminalRunStatus =
    error instanceof StopRequestedError || error instanceof RuntimeShutdownError
      ? "cancelled"
      : error instanceof RunCeilingError || error instanceof PhaseTimeoutError
        ? "timed-out"
        : "failed";
  return { status, error: { class: error.name, message: error.message, phase, plugin }, partial };
}
