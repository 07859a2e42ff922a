/**
 * Metric names, shared by the code that emits them and the CloudWatch alarms and dashboard that
 * read them (infra/). The core passes a `jobId` dimension where it knows the job; the metrics
 * adapter publishes every metric stage-wide and adds the per-job series only when the stage asks
 * for them (adapters/metrics/emf-metrics.ts).
 */
export const METRICS = {
  firesDispatched: "FiresDispatched",
  firesSkipped: "FiresSkipped",
  firesBuffered: "FiresBuffered",
  firesRejected: "FiresRejected",
  firesDuplicate: "FiresDuplicate",
  /** Fires that arrived after their start deadline (an outage, a backlog): recorded, not run. */
  firesMissed: "FiresMissed",
  /** Scheduled time → handoff to the turns queue. */
  dispatchLatency: "DispatchLatency",
  runsStarted: "RunsStarted",
  runsSucceeded: "RunsSucceeded",
  runsFailed: "RunsFailed",
  runsStalled: "RunsStalled",
  runsTimedOut: "RunsTimedOut",
  runsAbandoned: "RunsAbandoned",
  runsCancelled: "RunsCancelled",
  /** Queued runs that no turn began before their start deadline. */
  runsNotStarted: "RunsNotStarted",
  /** Turn messages the sweeper sent again for runs still queued (a lost or stuck handoff). */
  handoffsResent: "HandoffsResent",
  /** Store or queue calls retried after a transient error (throttling, 5xx, time-out). */
  transientRetries: "TransientRetries",
  /** Steps that gave up because the store stayed unavailable past their budget. */
  storeUnavailable: "StoreUnavailable",
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
  /**
   * 1 per run that ended as a failure, 0 per other ended run (no job dimension): its Average is the
   * share of the stage's runs that failed, its SampleCount how many ended.
   */
  failedRunRatio: "FailedRunRatio",
  /** Jobs whose health is unhealthy now (the sweeper counts them every minute). */
  unhealthyJobs: "UnhealthyJobs",
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
  "not-started": METRICS.runsNotStarted,
} as const;
