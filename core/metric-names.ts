/**
 * Metric names, shared by the code that emits them and the CloudWatch alarms and dashboard that
 * read them (infra/). Per-job metrics carry a `jobId` dimension.
 */
export const METRICS = {
  firesDispatched: "FiresDispatched",
  firesSkipped: "FiresSkipped",
  firesBuffered: "FiresBuffered",
  firesRejected: "FiresRejected",
  firesDuplicate: "FiresDuplicate",
  /** Scheduled time → handoff to the turns queue. */
  dispatchLatency: "DispatchLatency",
  runsStarted: "RunsStarted",
  runsSucceeded: "RunsSucceeded",
  runsFailed: "RunsFailed",
  runsStalled: "RunsStalled",
  runsTimedOut: "RunsTimedOut",
  runsAbandoned: "RunsAbandoned",
  runsCancelled: "RunsCancelled",
  leaseTakeovers: "LeaseTakeovers",
  phaseDuration: "PhaseDuration",
  harnessNotRegistered: "HarnessNotRegistered",
  /** Failure rate over the job's window, in percent, emitted when a run ends. */
  jobFailureRate: "JobFailureRate",
  consecutiveFailures: "ConsecutiveFailures",
  consecutiveSkips: "ConsecutiveSkips",
  /** One per completed sweep: the "sweeper not running" alarm watches for its absence. */
  sweepsCompleted: "SweepsCompleted",
  poisonMessages: "PoisonMessages",
} as const;

export const METRICS_NAMESPACE = "agentcron";

/** The count metric of each way a run can end. */
export const RUN_END_METRICS = {
  succeeded: METRICS.runsSucceeded,
  failed: METRICS.runsFailed,
  stalled: METRICS.runsStalled,
  "timed-out": METRICS.runsTimedOut,
  abandoned: METRICS.runsAbandoned,
  cancelled: METRICS.runsCancelled,
} as const;
