import type { OverlapPolicy } from "#core/jobs/job-schema.ts";
import { startEmulators } from "./emulators.ts";
import { DEFAULT_QUIRK_RATES, SimEventBridge } from "./eventbridge.ts";
import { DEFAULT_FAULT_RATES, NO_FAULTS } from "./faults.ts";
import { leasesSettled, readFinalState } from "./final-state.ts";
import { observeHandoffs } from "./handoff-observer.ts";
import { History } from "./history.ts";
import { checkInvariants } from "./invariants.ts";
import { describeJob, prepareScenario } from "./prepared-scenario.ts";
import { createPrng } from "./prng.ts";
import type { ScenarioName } from "./scenarios.ts";
import { runUntilQuiet } from "./scheduler.ts";
import { SimClock } from "./sim-clock.ts";
import { InvocationTracker } from "./sim-function.ts";
import { SimNetwork } from "./sim-network.ts";
import { buildSimStack } from "./sim-stack.ts";
import { simulateTimeAndRandomness } from "./simulated-globals.ts";
import { type Summary, summarize } from "./summary.ts";

export interface SimulationOptions {
  readonly seed: number;
  readonly scenario: ScenarioName;
  /** Scheduled fires, in all. */
  readonly fires: number;
  /** The turns event source mapping's maximum concurrency. */
  readonly turnMaxConcurrency: number;
  /** Inject faults into the application's requests (off: a baseline). */
  readonly faults: boolean;
  /** Share of dispatch and sweep requests after which the invocation crashes (0: none). */
  readonly crashRate: number;
  /** Print the engine's warnings and errors with simulated time. */
  readonly verbose: boolean;
}

/** Simulated time starts here: a fixed instant, so a seed replays exactly. */
export const SIM_START_MS = Date.UTC(2026, 10, 23, 0, 0, 0);

/**
 * One simulation: starts DynamoDB Local and fauxqs, builds the stack on simulated time, lets the
 * scenario's schedules fire through the real handlers under the fault model until the engine is
 * quiet, then reads the table and queues and checks every invariant over the history.
 */
export async function runSimulation(options: SimulationOptions): Promise<Summary> {
  const wallStartedAt = performance.now();
  const emulators = await startEmulators();
  const clock = new SimClock(SIM_START_MS);
  const restoreGlobals = simulateTimeAndRandomness(clock, options.seed);
  const history = new History();
  const onUnhandled = (error: unknown) => history.crashed("unhandled rejection", clock.now(), error);
  const onUncaught = (error: unknown) => history.crashed("uncaught exception", clock.now(), error);
  process.on("unhandledRejection", onUnhandled);
  process.on("uncaughtException", onUncaught);
  try {
    const { scenario, jobs, turnTimeoutSeconds } = prepareScenario({ ...options, startMs: SIM_START_MS });
    const network = new SimNetwork(
      clock,
      createPrng(options.seed, "network-order"),
      createPrng(options.seed, "faults"),
      options.faults
        ? { ...DEFAULT_FAULT_RATES, crash: options.crashRate }
        : { ...NO_FAULTS, crash: options.crashRate },
    );
    const tracker = new InvocationTracker();
    network.crash = (invocation) => tracker.kill(invocation, "crash");
    const stack = await buildSimStack({
      emulators,
      clock,
      network,
      history,
      tracker,
      jobSpecs: scenario.jobs,
      turnTimeoutSeconds,
      turnMaxConcurrency: scenario.turnMaxConcurrency,
      verbose: options.verbose,
    });
    const handoffs = observeHandoffs(
      { queueUrl: stack.queues.turnsQueueUrl, queueName: stack.queueNames.turns },
      emulators.fauxqs,
    );
    network.observer = handoffs.observe;
    const deadlineOf = new Map(jobs.map((job) => [job.id, job.startDeadlineSeconds * 1000]));
    const eventBridge = new SimEventBridge({
      clock,
      sqs: stack.serviceSqs,
      firesQueueUrl: stack.queues.firesQueueUrl,
      schedules: scenario.schedules.map((schedule) => ({
        ...schedule,
        startDeadlineMs: deadlineOf.get(schedule.jobId) ?? 0,
      })),
      totalFires: scenario.totalFires,
      quirks: DEFAULT_QUIRK_RATES,
      random: createPrng(options.seed, "eventbridge"),
      history,
    });
    const jobIds = jobs.map((job) => job.id);
    eventBridge.start();
    stack.startSweeper(SIM_START_MS + createPrng(options.seed, "sweep-phase").int(1, 60_000));
    const longestDeadlineMs = Math.max(...deadlineOf.values());
    const quiesced = await runUntilQuiet({
      clock,
      network,
      tracker,
      mappings: stack.mappings,
      firesDone: () => eventBridge.done,
      settled: () => leasesSettled(stack.table, jobIds),
      // Long enough for a run that waited its whole start deadline, ran the longest turn, and whose
      // message then came back after the turns queue's visibility timeout (6× the function's).
      limitAfterLastFireMs: longestDeadlineMs + 7 * turnTimeoutSeconds * 1000 + 30 * 60_000,
      onTimerError: (error) => history.crashed("timer callback threw", clock.now(), error),
    });
    stack.stopSweeper();

    const state = await readFinalState(stack.table, jobIds, emulators.fauxqs, {
      work: [stack.queueNames.fires, stack.queueNames.turns],
      deadLetter: [stack.queueNames.firesDlq, stack.queueNames.turnsDlq],
    });
    const results = checkInvariants({
      deliveries: [...history.deliveries.values()],
      executions: history.executions,
      lateRequests: network.lateRequests,
      crashes: history.crashes,
      overlapOf: new Map<string, OverlapPolicy>(jobs.map((job) => [job.id, job.overlap])),
      startDeadlineMsOf: deadlineOf,
      quiesced,
      state,
    });
    return summarize({
      seed: options.seed,
      scenario: options.scenario,
      faults: options.faults,
      crashRate: options.crashRate,
      jobs: jobs.length,
      jobSet: jobs.map(describeJob),
      turnMaxConcurrency: scenario.turnMaxConcurrency,
      simulatedMs: clock.now() - SIM_START_MS,
      wallMs: Math.round(performance.now() - wallStartedAt),
      history,
      network: network.counts,
      fingerprint: network.fingerprint(),
      timers: { ...clock.counts, leftAtEnd: clock.leftoverTimers() },
      metrics: stack.metrics,
      handoffs: handoffs.counts,
      state,
      results,
    });
  } finally {
    process.off("unhandledRejection", onUnhandled);
    process.off("uncaughtException", onUncaught);
    restoreGlobals();
    await emulators.stop();
  }
}
