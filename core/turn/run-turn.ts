import { type Harness, HarnessAbortedError, type HarnessTurnResult } from "../agents/harness.ts";
import { deadlineSignal } from "../clock.ts";
import { formatIssues, HarnessNotRegisteredError, LeaseLostError, StoreUnavailableError } from "../errors.ts";
import { newAttemptId } from "../ids.ts";
import { type JobDefinition, validateJob } from "../jobs/job-schema.ts";
import { FALLBACK_RUN_SETTINGS } from "../jobs/run-settings.ts";
import type { Logger } from "../logger.ts";
import { METRICS } from "../metric-names.ts";
import type { FencedWriteResult, RunFence, StoredJob } from "../ports.ts";
import { retryTransient } from "../retry.ts";
import type { TurnMessage } from "../runs/handoff.ts";
import type { RunRecord } from "../runs/run-record.ts";
import { agentTurnStop } from "./agent-turn-stop.ts";
import { settleWithin } from "./deadline-signal.ts";
import { finalizeRun } from "./finalize-run.ts";
import { LeaseKeeper } from "./lease-keeper.ts";
import { stopAfterLostLease } from "./lost-lease.ts";
import { pendingPluginRecords, type StartedPlugins, startPlugins } from "./start-plugins.ts";
import { JobNotRunnableError, PhaseTimeoutError, RunCeilingError } from "./stop-reasons.ts";
import type { TurnDependencies } from "./turn-dependencies.ts";
import { TurnNotBegunError, type TurnOutcome, TurnStoppedError } from "./turn-end.ts";
import { TurnProgress } from "./turn-progress.ts";
import { DEFAULT_TURN_TIMING, type TurnTiming } from "./turn-timing.ts";

export type { TurnDependencies } from "./turn-dependencies.ts";
export { classifyTurnEnd, TurnNotBegunError, type TurnOutcome, TurnStoppedError } from "./turn-end.ts";

/**
 * How long a turn keeps retrying the reads and the write that begin its run before it hands its
 * message back to the queue (to come back in seconds, not after the queue's visibility timeout).
 */
export const BEGIN_BUDGET_MS = 20_000;

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
 * started or ended does nothing; a run is begun exactly once.
 *
 * Every timer the turn starts is stopped before it returns, on every path (invariant 11).
 *
 * @throws TurnNotBegunError when the store stayed unavailable before the run could begin — nothing
 *   was started, and the message should be retried soon.
 */
export async function runTurn(message: TurnMessage, deps: TurnDependencies): Promise<TurnOutcome> {
  const timing = deps.timing ?? DEFAULT_TURN_TIMING;
  const log = deps.log.child({ jobId: message.jobId, runId: message.runId });
  const began = await beginTurn(message, deps, log);
  if (began.kind === "ignored") return began;
  const { run, fence, plan, context, startedAt } = began;
  const job = plan.ok ? plan.job : undefined;
  const settings = job ?? FALLBACK_RUN_SETTINGS;
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

  // The run-level stop: ceiling, lost lease, store unavailable, stop request, shutdown. Every
  // phase's signal derives from it.
  const stop = new AbortController();
  const abortRun = (reason: unknown) => {
    if (!stop.signal.aborted) stop.abort(reason);
  };
  const keeper = new LeaseKeeper(
    deps,
    fence,
    settings.leaseSeconds,
    timing.heartbeatIntervalMs(settings.leaseSeconds),
    abortRun,
  );
  const setupDeadlineAt = startedAt + settings.timeouts.setupSeconds * 1000;
  const progress = new TurnProgress(
    deps,
    fence,
    settings.leaseSeconds,
    keeper,
    "setup",
    setupDeadlineAt,
    startedAt,
  );
  // The ceiling leaves the finalize budget for recording the outcome inside maxRunSeconds.
  const ceilingAt = startedAt + (settings.maxRunSeconds - settings.timeouts.finalizeSeconds) * 1000;
  const ceiling = deadlineSignal(
    deps.clock,
    ceilingAt - startedAt,
    new RunCeilingError(settings.maxRunSeconds, settings.timeouts.finalizeSeconds),
  );
  const onShutdown = () => abortRun(deps.shutdownSignal?.reason);
  const plugins: StartedPlugins = { tools: [], started: [] };
  const closePlugins = () => closeStartedPlugins(plugins, log);
  try {
    keeper.start(setupDeadlineAt, startedAt);
    ceiling.signal.addEventListener("abort", () => abortRun(ceiling.signal.reason), { once: true });
    deps.shutdownSignal?.addEventListener("abort", onShutdown, { once: true });
    if (deps.shutdownSignal?.aborted) onShutdown();

    let result: HarnessTurnResult | undefined;
    let failure: unknown;
    try {
      if (!plan.ok) throw plan.error;
      await runPlugins(deps, log, plan.job, progress, stop.signal, plugins);
      result = await runAgentTurn(deps, log, plan, progress, stop.signal, plugins, ceilingAt, timing);
    } catch (error) {
      failure = error;
    }
    ceiling.clear();
    if (keeper.leaseLost || failure instanceof LeaseLostError) {
      return await stopAfterLostLease(log, closePlugins, "mid-turn");
    }
    return await finalizeRun(deps, log, {
      run,
      job,
      settings,
      fence,
      progress,
      keeper,
      statsBefore: context.stats,
      result,
      failure,
      startedAt,
      close: closePlugins,
    });
  } finally {
    // Every exit path, thrown or returned: no heartbeat, watchdog or deadline outlives the turn,
    // and no plugin server is left open (closing twice is a no-op).
    keeper.stop();
    ceiling.clear();
    deps.shutdownSignal?.removeEventListener("abort", onShutdown);
    await closePlugins();
  }
}

type Began =
  | Extract<TurnOutcome, { kind: "ignored" }>
  | {
      readonly kind: "begun";
      readonly run: RunRecord;
      readonly fence: RunFence;
      readonly plan: RunPlan;
      readonly context: Awaited<ReturnType<TurnDependencies["store"]["loadRunContext"]>>;
      readonly startedAt: number;
    };

/**
 * Reads the run, its lease and its job, and begins it (queued → running, setup written ahead),
 * retrying transient failures for up to BEGIN_BUDGET_MS. A retried begin carries the same attempt
 * id, so a first attempt that was applied but reported failure is recognised as this turn's own.
 */
async function beginTurn(message: TurnMessage, deps: TurnDependencies, log: Logger): Promise<Began> {
  const until = deps.clock.now() + BEGIN_BUDGET_MS;
  const retry = { clock: deps.clock, until, onRetry: countRetry(deps, "begin") };
  try {
    const context = await retryTransient(() => deps.store.loadRunContext(message.jobId, message.runId), {
      ...retry,
      step: `run ${message.runId}: reading the run to begin it`,
    });
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
    const settings = plan.ok ? plan.job : FALLBACK_RUN_SETTINGS;
    const fence = { jobId: run.jobId, runId: run.runId, token: lease.token };
    const attemptId = newAttemptId(deps.clock.now());
    let startedAt = deps.clock.now();
    const begun: FencedWriteResult = await retryTransient(
      () => {
        startedAt = deps.clock.now();
        return deps.store.beginRun(fence, {
          nowMs: startedAt,
          attemptId,
          setupDeadlineAt: startedAt + settings.timeouts.setupSeconds * 1000,
          leaseSeconds: settings.leaseSeconds,
          plugins: plan.ok ? pendingPluginRecords(plan.job) : [],
        });
      },
      { ...retry, step: `run ${message.runId}: beginning it` },
    );
    if (begun.kind !== "ok") return ignore(log, `the run could not begin (${begun.kind})`);
    return { kind: "begun", run, fence, plan, context, startedAt };
  } catch (error) {
    if (error instanceof StoreUnavailableError) {
      deps.metrics.add(METRICS.storeUnavailable, 1, "Count", { step: "begin" });
      throw new TurnNotBegunError(message.runId, error);
    }
    throw error;
  }
}

function countRetry(deps: Pick<TurnDependencies, "metrics">, step: string) {
  return () => deps.metrics.add(METRICS.transientRetries, 1, "Count", { step });
}

function ignore(log: Logger, reason: string): Extract<TurnOutcome, { kind: "ignored" }> {
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
    deps.clock,
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
  const firstStopAt = Math.min(phaseDeadlineAt, ceilingAt);
  const graceMs = Math.min(timing.graceMs(seconds), Math.max(0, firstStopAt - deps.clock.now()));
  const { stopAt, reason } = agentTurnStop({
    phaseDeadlineAt,
    ceilingAt,
    agentTurnSeconds: seconds,
    maxRunSeconds: job.maxRunSeconds,
    finalizeSeconds: job.timeouts.finalizeSeconds,
    graceMs,
  });
  // The harness is told to stop a grace period before the hard stop, to return partial output.
  const phase = deadlineSignal(deps.clock, stopAt - graceMs - deps.clock.now(), reason);
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
      clock: deps.clock,
      secrets: deps.secrets,
      log: log.child({ harness: harness.name }),
    });
    work.catch(() => {}); // settled below, or abandoned past the grace
    return await settleWithin(deps.clock, work, signal, graceMs);
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

async function closeStartedPlugins(plugins: StartedPlugins, log: Logger): Promise<void> {
  const started = plugins.started.splice(0);
  await Promise.all(
    started.map(async ({ name, plugin }) => {
      try {
        await plugin.close();
      } catch (error) {
        log.warn("plugin close failed", { plugin: name, error: String(error) });
      }
    }),
  );
}
