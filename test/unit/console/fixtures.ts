import type { JobDefinition } from "#core/jobs/job-schema.ts";
import type { StoredJob } from "#core/ports.ts";
import type { RunRecord } from "#core/runs/run-record.ts";
import type { JobStats } from "#core/stats/job-stats.ts";
import type { JobState } from "../../../cli/job-state.ts";
import type { RunInspection } from "../../../cli/operations/run-inspection.ts";

export const T0 = Date.UTC(2026, 10, 22, 4, 0, 0);

/** A run that failed because plugin "search" did not start within its 3 s timeout. */
export const pluginFailure: RunRecord = {
  jobId: "inbox",
  runId: "01JZ0000000000000000000000",
  fireKey: "inbox#manual#x",
  source: "manual",
  scheduledAt: T0,
  createdAt: T0 - 1_000,
  status: "failed",
  attempt: 1,
  coalescedFires: 1,
  jobVersion: 3,
  startedAt: T0,
  endedAt: T0 + 4_200,
  phase: "finalize",
  phases: {
    setup: { startedAt: T0, deadlineAt: T0 + 10_000, endedAt: T0 + 100, outcome: "ok" },
    "runtime-plugins": {
      startedAt: T0 + 100,
      deadlineAt: T0 + 30_000,
      endedAt: T0 + 4_100,
      outcome: "failed",
    },
    finalize: { startedAt: T0 + 4_100, deadlineAt: T0 + 19_100, endedAt: T0 + 4_200, outcome: "ok" },
  },
  plugins: {
    search: {
      name: "search",
      type: "mcp",
      index: 0,
      required: true,
      state: "timed-out",
      startedAt: T0 + 1_100,
      deadlineAt: T0 + 4_100,
      endedAt: T0 + 4_100,
      error: 'plugin "search" did not start within its 3s timeout <b>',
    },
  },
  error: {
    class: "PluginInitError",
    message: 'required plugin "search" did not start',
    phase: "runtime-plugins",
    plugin: "search",
  },
  diagnostic: "search hung in initialize",
};

/** A run in its agent turn, 6 s in. */
export const runningRun: RunRecord = {
  ...pluginFailure,
  runId: "01JZ0000000000000000000001",
  status: "running",
  endedAt: undefined,
  phase: "agent-turn",
  phases: {
    setup: { startedAt: T0, deadlineAt: T0 + 10_000, endedAt: T0 + 100, outcome: "ok" },
    "agent-turn": { startedAt: T0 + 100, deadlineAt: T0 + 5_000 },
  },
  plugins: {},
  error: undefined,
  diagnostic: undefined,
  lastHeartbeatAt: T0 + 5_000,
};

export function inspectionOf(run: RunRecord, nowMs: number): RunInspection {
  return { run, nextContext: { turnLogs: "the log" }, next: 'check plugin "search"', nowMs };
}

const storedJob: StoredJob = {
  jobId: "inbox",
  spec: {
    id: "inbox",
    schedule: "cron(0/30 * * * ? *)",
    agent: { harness: "demo", prompt: "Triage <the> inbox" },
  } as StoredJob["spec"],
  version: 3,
  specHash: "h",
  createdAt: T0 - 86_400_000,
  updatedAt: T0 - 3_600_000,
};

export const definition: JobDefinition = {
  id: "inbox",
  schedule: "cron(0/30 * * * ? *)",
  timezone: "UTC",
  enabled: true,
  agent: { harness: "demo", prompt: "Triage <the> inbox", options: {} },
  plugins: [],
  timeouts: { setupSeconds: 10, runtimePluginsSeconds: 5, agentTurnSeconds: 600, finalizeSeconds: 15 },
  maxRunSeconds: 630,
  startDeadlineSeconds: 300,
  leaseSeconds: 60,
  overlap: "buffer-one",
  retryOnStall: 0,
  historyRetentionDays: 30,
  alarms: {
    failureRateThreshold: 0.5,
    failureRateWindow: 10,
    consecutiveFailures: 3,
    consecutiveSkips: 3,
    minRuns: 5,
  },
};

export function statsOf(overrides: Partial<JobStats>): JobStats {
  return {
    jobId: "inbox",
    runsEnded: 4,
    consecutiveFailures: 0,
    consecutiveSkips: 0,
    recentOutcomes: ["succeeded", "succeeded", "succeeded", "succeeded"],
    failureRate: 0,
    firesSkipped: 0,
    firesBuffered: 0,
    firesRejected: 0,
    firesMissed: 0,
    lastStatus: "succeeded",
    lastRunId: "01JZ0000000000000000000009",
    lastEndedAt: T0 - 60_000,
    ...overrides,
  };
}

export function jobStateOf(overrides: Partial<JobState> = {}): JobState {
  return { stored: storedJob, job: definition, issues: [], enabled: true, stats: statsOf({}), ...overrides };
}
