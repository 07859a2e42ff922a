import { describe, expect, it } from "vitest";
import { builtInRegistry } from "#adapters/registry.ts";
import { DEFAULT_ALARM_SETTINGS, validateJob } from "#core/jobs/job-schema.ts";
import type { RunStatus } from "#core/runs/run-record.ts";
import {
  evaluateJobHealth,
  firstCommandOf,
  type JobHealthPolicy,
  type JobHealthState,
} from "#core/stats/job-health.ts";
import { emptyStats, type JobStats, recordRunOutcome } from "#core/stats/job-stats.ts";

const POLICY: JobHealthPolicy = DEFAULT_ALARM_SETTINGS;

/** The stats after these runs ended, in order (the window is the policy's). */
function statsAfter(statuses: readonly RunStatus[], policy: JobHealthPolicy = POLICY): JobStats {
  return statuses.reduce(
    (stats, status, index) =>
      recordRunOutcome(stats, { status, runId: `run-${index}`, endedAt: index }, policy.failureRateWindow),
    emptyStats("nightly-report"),
  );
}

/** Health as it evolves over a sequence of run ends: the state after each. */
function healthOver(statuses: readonly RunStatus[], policy: JobHealthPolicy = POLICY): JobHealthState[] {
  let state: JobHealthState = "healthy";
  return statuses.map((_, index) => {
    state = evaluateJobHealth(statsAfter(statuses.slice(0, index + 1), policy), policy, state).state;
    return state;
  });
}

const times = <T>(count: number, value: T): T[] => Array.from({ length: count }, () => value);

describe("job health", () => {
  it("calls a job whose runs never complete unhealthy, even with a failure rate of 0 %", () => {
    // A `replace` job whose turns outlast its period: every run is cancelled by the next fire.
    const stats = statsAfter(times<RunStatus>(15, "cancelled"));

    const verdict = evaluateJobHealth(stats, POLICY, "healthy");

    expect(stats.failureRate).toBe(0);
    expect(verdict.state).toBe("unhealthy");
    expect(verdict.reasons.map((reason) => reason.code)).toEqual(["no-completed-run"]);
    expect(verdict.reasons[0]?.message).toBe("none of its last 10 runs completed (10 cancelled)");
    expect(verdict.reasons[0]?.firstCommand).toBe("npx agentcron runs nightly-report");
  });

  it("needs minRuns runs without a success before it says no run completed", () => {
    const cancelled = times<RunStatus>(POLICY.minRuns - 1, "cancelled");

    expect(evaluateJobHealth(statsAfter(cancelled), POLICY, "healthy").state).toBe("healthy");
    expect(evaluateJobHealth(statsAfter([...cancelled, "cancelled"]), POLICY, "healthy").state).toBe(
      "unhealthy",
    );
  });

  it("does not let one failure in a young job's history count as a 100 % failure rate", () => {
    // The old failure-rate alarm fired on a job's first failed run: 1 of 1 is 100 %.
    for (const history of [["failed"], ["succeeded", "failed"], ["failed", "succeeded", "failed"]] as const) {
      expect(evaluateJobHealth(statsAfter(history), POLICY, "healthy"), history.join(",")).toEqual({
        state: "healthy",
        reasons: [],
      });
    }
  });

  it("counts the failure rate once the window holds minRuns runs, even if the latest passed", () => {
    const stats = statsAfter(["failed", "succeeded", "failed", "failed", "succeeded"]);

    const verdict = evaluateJobHealth(stats, POLICY, "healthy");

    expect(verdict.state).toBe("unhealthy");
    expect(verdict.reasons).toEqual([
      {
        code: "failure-rate",
        message: "3 of its last 5 runs failed (60%, threshold 50%), even if the latest passed",
        firstCommand: "npx agentcron runs nightly-report",
      },
    ]);
  });

  it("names a failure streak and the status of the latest run to list", () => {
    const stats = statsAfter(["succeeded", "failed", "stalled", "timed-out"]);

    const verdict = evaluateJobHealth(stats, POLICY, "healthy");

    expect(verdict.reasons.map((reason) => reason.code)).toEqual(["consecutive-failures"]);
    expect(verdict.reasons[0]?.message).toBe(
      "its last 3 runs failed in a row (threshold 3; the latest timed out)",
    );
    expect(firstCommandOf("nightly-report", verdict.reasons)).toBe(
      "npx agentcron runs nightly-report --status timed-out",
    );
  });

  it("calls a job whose fires keep being skipped unhealthy until a run ends after the streak", () => {
    const running = { ...statsAfter(times<RunStatus>(3, "succeeded")), consecutiveSkips: 3 };

    const skipping = evaluateJobHealth(running, POLICY, "healthy");
    // The long run ends; the streak is reset only when the next fire starts a run.
    const longRunEnded = evaluateJobHealth(
      { ...recordRunOutcome(running, { status: "succeeded", runId: "long", endedAt: 9 }, 10) },
      POLICY,
      skipping.state,
    );
    const nextRunEnded = evaluateJobHealth(
      {
        ...recordRunOutcome(running, { status: "succeeded", runId: "next", endedAt: 10 }, 10),
        consecutiveSkips: 0,
      },
      POLICY,
      longRunEnded.state,
    );

    expect(skipping.reasons.map((reason) => reason.code)).toEqual(["consecutive-skips"]);
    expect(skipping.reasons[0]?.firstCommand).toBe("npx agentcron jobs show nightly-report");
    expect(longRunEnded.state).toBe("unhealthy");
    expect(nextRunEnded).toEqual({ state: "healthy", reasons: [] });
  });

  it("lists every reason that holds, the most serious first", () => {
    const stats = { ...statsAfter(times<RunStatus>(6, "abandoned")), consecutiveSkips: 4 };

    const verdict = evaluateJobHealth(stats, POLICY, "healthy");

    expect(verdict.reasons.map((reason) => reason.code)).toEqual([
      "consecutive-failures",
      "failure-rate",
      "no-completed-run",
      "consecutive-skips",
    ]);
  });

  it("recovers only after two successes in a row, so a rate at its threshold does not flap", () => {
    // Judged on the rate alone this job would flip at every run from the 6th to the 11th: 3 of 6
    // failed (50 %, unhealthy), 3 of 7 (43 %, healthy), 4 of 8 (unhealthy), 4 of 9 (healthy)...
    const history = ["failed", "succeeded", "failed", "succeeded", "succeeded", "failed"] as RunStatus[];
    history.push("succeeded", "failed", "succeeded", "failed", "succeeded", "succeeded");

    const states = healthOver(history);

    expect(states).toEqual([
      ...times<JobHealthState>(5, "healthy"),
      ...times<JobHealthState>(6, "unhealthy"),
      "healthy", // the second success in a row
    ]);
  });

  it("keeps an unhealthy job unhealthy, with no reason, while it recovers", () => {
    const stats = statsAfter(["failed", "failed", "failed", "succeeded"]);

    expect(evaluateJobHealth(stats, POLICY, "unhealthy")).toEqual({ state: "unhealthy", reasons: [] });
    expect(evaluateJobHealth(stats, POLICY, "healthy")).toEqual({ state: "healthy", reasons: [] });
  });

  it("takes its thresholds from the job's alarms block", () => {
    const strict: JobHealthPolicy = { ...POLICY, consecutiveFailures: 1, minRuns: 2, failureRateWindow: 4 };

    expect(evaluateJobHealth(statsAfter(["failed"], strict), strict, "healthy").state).toBe("unhealthy");
    expect(
      evaluateJobHealth(statsAfter(["cancelled", "cancelled"], strict), strict, "healthy").reasons,
    ).toEqual([expect.objectContaining({ code: "no-completed-run" })]);
  });
});

describe("a job's alarms block", () => {
  const context = { catalog: builtInRegistry.catalog };
  const job = (alarms: Record<string, unknown>) => ({
    id: "nightly-report",
    schedule: "rate(5 minutes)",
    agent: { harness: "demo", prompt: "go" },
    alarms,
  });

  it("defaults minRuns to 5", () => {
    const result = validateJob(job({}), context);

    expect(result.ok && result.job.alarms.minRuns).toBe(5);
  });

  it("refuses a minRuns larger than the window that holds the runs, with the path and the fix", () => {
    const result = validateJob(job({ failureRateWindow: 4, minRuns: 6 }), context);

    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toEqual([
      {
        path: "alarms.minRuns",
        message:
          "minRuns (6) is more than failureRateWindow (4): the window keeps only that many runs; lower minRuns or widen the window",
      },
    ]);
  });
});
