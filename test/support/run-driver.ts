import { newAttemptId } from "#core/ids.ts";
import type { RunFence } from "#core/ports.ts";
import type { PhaseName, PluginRecord } from "#core/runs/run-record.ts";
import type { TestEnvironment } from "./test-environment.ts";

/**
 * Plays the part of a turn process against the real store, one fenced write at a time — what the
 * turn handler does, without a harness — so the run engine's rules can be tested in isolation.
 */
export class RunDriver {
  private constructor(
    private readonly env: TestEnvironment,
    readonly fence: RunFence,
    private readonly leaseSeconds: number,
  ) {}

  /** Reads the lease the way the turn's setup does and begins the run (queued → running). */
  static async begin(
    env: TestEnvironment,
    jobId: string,
    runId: string,
    options: { leaseSeconds?: number; setupSeconds?: number; plugins?: PluginRecord[] } = {},
  ) {
    const context = await env.store.runs.loadRunContext(jobId, runId);
    const token = context.lease?.token ?? 0;
    const driver = new RunDriver(env, { jobId, runId, token }, options.leaseSeconds ?? 60);
    const result = await env.store.runs.beginRun(driver.fence, {
      nowMs: env.clock.now(),
      attemptId: newAttemptId(env.clock.now()),
      setupDeadlineAt: env.clock.now() + (options.setupSeconds ?? 10) * 1000,
      leaseSeconds: driver.leaseSeconds,
      plugins: options.plugins ?? [],
    });
    if (result.kind !== "ok") throw new Error(`could not begin run ${runId}: ${result.kind}`);
    return driver;
  }

  /** A driver for a run that lost (or never had) its lease, to prove its writes are refused. */
  static stale(env: TestEnvironment, fence: RunFence, leaseSeconds = 60) {
    return new RunDriver(env, fence, leaseSeconds);
  }

  enterPhase(phase: PhaseName, seconds: number, from?: PhaseName, plugins?: PluginRecord[]) {
    const deadlineAt = this.env.clock.now() + seconds * 1000;
    return this.env.store.runs.recordProgress(
      this.fence,
      { end: from ? { phase: from, outcome: "ok" } : undefined, start: { phase, deadlineAt }, plugins },
      { nowMs: this.env.clock.now(), leaseSeconds: this.leaseSeconds, phaseDeadlineAt: deadlineAt },
    );
  }

  plugins(plugins: PluginRecord[], phaseDeadlineAt: number) {
    return this.env.store.runs.recordProgress(
      this.fence,
      { plugins },
      { nowMs: this.env.clock.now(), leaseSeconds: this.leaseSeconds, phaseDeadlineAt },
    );
  }

  heartbeat(phaseDeadlineAt = this.env.clock.now() + 600_000) {
    return this.env.store.runs.heartbeat(this.fence, {
      nowMs: this.env.clock.now(),
      leaseSeconds: this.leaseSeconds,
      phaseDeadlineAt,
    });
  }

  /** Ends the run as succeeded (or `status`), releasing the lease and updating stats. */
  async finish(status: "succeeded" | "failed" | "cancelled" = "succeeded", window = 10) {
    const { recordRunOutcome, emptyStats } = await import("#core/stats/job-stats.ts");
    const statsBefore =
      (await this.env.store.runs.getStats(this.fence.jobId)) ?? emptyStats(this.fence.jobId);
    const nowMs = this.env.clock.now();
    return this.env.store.runs.finishRun(
      this.fence,
      { status, error: status === "failed" ? { class: "HarnessFailedError", message: "boom" } : undefined },
      {
        nowMs,
        attemptId: newAttemptId(nowMs),
        statsBefore,
        statsAfter: recordRunOutcome(
          statsBefore,
          { status, runId: this.fence.runId, endedAt: nowMs },
          window,
        ),
        historyRetentionDays: 30,
      },
    );
  }
}
