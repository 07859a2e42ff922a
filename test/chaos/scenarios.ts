import type { JobSpec, OverlapPolicy } from "#core/jobs/job-schema.ts";
import type { SimSchedule } from "./eventbridge.ts";
import type { Prng } from "./prng.ts";

export type ScenarioName = "faults" | "backlog";
export const SCENARIOS: readonly ScenarioName[] = ["faults", "backlog"];

/** A job as a user writes it (what is stored). */
export type ScenarioJob = JobSpec & Record<string, unknown>;

/** What one simulation runs: the jobs (as a user writes them), their schedules and the stack's sizing. */
export interface Scenario {
  readonly name: ScenarioName;
  readonly jobs: readonly ScenarioJob[];
  /** When each job fires (the start deadline comes from the validated job). */
  readonly schedules: readonly Omit<SimSchedule, "startDeadlineMs">[];
  readonly totalFires: number;
  /** The turns event source mapping's maximum concurrency. */
  readonly turnMaxConcurrency: number;
}

/** The default number of scheduled fires of each scenario. */
export const DEFAULT_FIRES: Record<ScenarioName, number> = { faults: 500, backlog: 200 };
/** The turns event source's maximum concurrency: as deployed (20), and the backlog case's 5. */
export const DEFAULT_TURN_CONCURRENCY: Record<ScenarioName, number> = { faults: 20, backlog: 5 };

const MINUTE_MS = 60_000;
const OVERLAPS: readonly OverlapPolicy[] = ["skip", "buffer-one", "replace"];

/**
 * `faults`: 10–12 jobs on rate schedules of 1–10 minutes with every overlap policy; some retry on
 * stall, some run longer than their period (with budgets that allow it), some fail now and then
 * (legitimately, through the demo harness's `failRate`). Every budget is large enough for the work,
 * so a stall, a time-out or an abandoned run can only come from the engine.
 */
export function faultsScenario(
  random: Prng,
  startMs: number,
  totalFires: number,
  turnMaxConcurrency: number,
): Scenario {
  const count = random.int(10, 12);
  const jobs: ScenarioJob[] = [];
  const schedules: Scenario["schedules"][number][] = [];
  for (let index = 0; index < count; index++) {
    // The first three cover every policy; the rest are drawn.
    const overlap = index < OVERLAPS.length ? (OVERLAPS[index] as OverlapPolicy) : random.pick(OVERLAPS);
    const periodMinutes = random.int(1, 10);
    const periodMs = periodMinutes * MINUTE_MS;
    // A quarter of the jobs (with short periods) overrun their period: the next fires meet a busy job.
    const overruns = periodMinutes <= 5 && random.chance(0.3);
    const delayMs = overruns
      ? Math.round(periodMs * (1.2 + random.next()))
      : random.int(2_000, Math.min(periodMs / 2, 120_000));
    const failRate = random.chance(0.3) ? 0.2 : 0;
    const retryOnStall = random.chance(0.35) ? 1 : 0;
    const id = `job-${String(index).padStart(2, "0")}-${overlap}`;
    jobs.push(
      demoJob(id, {
        schedule: rateOf(periodMinutes),
        overlap,
        retryOnStall,
        delayMs,
        failRate,
        // The turn gets its delay plus room for retried writes before and after it.
        agentTurnSeconds: Math.ceil(delayMs / 1000) + 60,
      }),
    );
    schedules.push({ jobId: id, firstAt: startMs + periodMs, periodMs });
  }
  return { name: "faults", jobs, schedules, totalFires, turnMaxConcurrency };
}

/**
 * `backlog`: `totalFires` jobs all due in the same minute, one fire each, with few turns allowed at
 * once — the runs wait their turn for minutes. Their start deadline (an hour) is long enough for the
 * backlog to drain, so every run must start.
 */
export function backlogScenario(
  random: Prng,
  startMs: number,
  totalFires: number,
  turnMaxConcurrency: number,
): Scenario {
  const jobs: ScenarioJob[] = [];
  const schedules: Scenario["schedules"][number][] = [];
  const startDeadlineSeconds = 3600;
  for (let index = 0; index < totalFires; index++) {
    const id = `backlog-${String(index).padStart(3, "0")}`;
    const delayMs = random.int(5_000, 40_000);
    jobs.push(
      demoJob(id, {
        schedule: "rate(1 hour)",
        overlap: random.pick(OVERLAPS),
        retryOnStall: random.chance(0.3) ? 1 : 0,
        delayMs,
        failRate: random.chance(0.2) ? 0.2 : 0,
        agentTurnSeconds: Math.ceil(delayMs / 1000) + 60,
        startDeadlineSeconds,
      }),
    );
    schedules.push({ jobId: id, firstAt: startMs + MINUTE_MS, periodMs: 60 * MINUTE_MS });
  }
  return { name: "backlog", jobs, schedules, totalFires, turnMaxConcurrency };
}

function demoJob(
  id: string,
  options: {
    schedule: string;
    overlap: OverlapPolicy;
    retryOnStall: number;
    delayMs: number;
    failRate: number;
    agentTurnSeconds: number;
    startDeadlineSeconds?: number;
  },
): ScenarioJob {
  return {
    id,
    schedule: options.schedule,
    agent: {
      harness: "demo",
      prompt: `simulated work of ${id}`,
      options: { delayMs: options.delayMs, failRate: options.failRate },
    },
    timeouts: { setupSeconds: 10, agentTurnSeconds: options.agentTurnSeconds, finalizeSeconds: 15 },
    overlap: options.overlap,
    retryOnStall: options.retryOnStall,
    ...(options.startDeadlineSeconds ? { startDeadlineSeconds: options.startDeadlineSeconds } : {}),
  };
}

function rateOf(minutes: number): string {
  return minutes === 1 ? "rate(1 minute)" : `rate(${minutes} minutes)`;
}
