import type { ValidationIssue } from "./errors.ts";
import type { JobDefinition, JobSpec } from "./jobs/job-schema.ts";
import type { LeaseState } from "./leases/lease.ts";
import type { RunOutputRecord } from "./runs/run-output.ts";
import type {
  FireRecord,
  PhaseName,
  PhaseOutcome,
  PluginRecord,
  RunError,
  RunOutput,
  RunRecord,
  ScheduleState,
  TerminalRunStatus,
} from "./runs/run-record.ts";
import type { HealthReason, JobHealthState } from "./stats/job-health.ts";
import type { JobStats } from "./stats/job-stats.ts";

// Ports: what the core needs from the outside world. The adapters live in adapters/ (DynamoDB,
// SQS, EventBridge, CloudWatch EMF); the core never imports an SDK.

/**
 * Who owns a stored job (core/jobs/job-ownership.ts): the deployed job file, or whoever applied it
 * with the CLI. A deploy prunes only the file's jobs; an operator's pause or resume of a file job
 * is kept until the file changes that job's `enabled`.
 */
export interface JobOwnership {
  /** `file`: applied from the deployed jobs file (npm start, cdk deploy). `cli`: by `jobs apply`. */
  readonly managedBy?: "file" | "cli";
  /** An operator paused or resumed this file job: `enabled` was chosen when the file said `fileEnabled`. */
  readonly operatorEnabled?: {
    readonly enabled: boolean;
    readonly fileEnabled: boolean;
    readonly at: number;
  };
}

/** A job as stored: the user's spec (validated again on every read), versioned. */
export interface StoredJob extends JobOwnership {
  readonly jobId: string;
  readonly spec: JobSpec & Record<string, unknown>;
  /** Starts at 1; every change increments it. Runs record the version they ran. */
  readonly version: number;
  readonly specHash: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface JobStore {
  /** Strongly consistent read: DESIGN invariant 6 (fresh policy per run). */
  getJob(jobId: string): Promise<StoredJob | undefined>;
  listJobs(): Promise<StoredJob[]>;
  /**
   * Creates a job (`previous` undefined) or replaces `previous`, if the stored version is still
   * `previous.version`; the new version is one higher. `ownership` is stored with it (none: none).
   * @throws ConcurrentJobChangeError when someone else changed it in between.
   */
  putJob(
    spec: StoredJob["spec"],
    previous: StoredJob | undefined,
    nowMs: number,
    ownership?: JobOwnership,
  ): Promise<StoredJob>;
  /**
   * Replaces a job's ownership without changing its spec or version, if the version is still
   * `expectedVersion`.
   * @throws ConcurrentJobChangeError when someone else changed it in between.
   */
  setJobOwnership(jobId: string, expectedVersion: number, ownership: JobOwnership): Promise<void>;
  deleteJob(jobId: string, expectedVersion: number): Promise<void>;
}

/** A new run and the fire that caused it, created atomically with the lease acquisition. */
export interface RunStart {
  readonly fire: FireRecord;
  readonly run: RunRecord;
  /** The queued run's lease lasts until its start deadline; the heartbeat lease begins with the turn. */
  readonly startDeadlineAt: number;
  /** When the sweeper should first check that the run's turn began (and hand it off again if not). */
  readonly firstCheckAt: number;
  readonly historyRetentionDays: number;
  readonly nowMs: number;
  /**
   * The pending (buffered) fire the acquisition consumes, exactly as last seen on the free lease —
   * its fires are coalesced into this run. Without it, the acquisition requires that nothing is
   * pending. Either way a lease that moved on refuses the acquisition and answers `busy` with the
   * lease as it is now, so the caller tries again knowing it.
   */
  readonly consumePending?: { readonly bufferId: string; readonly count: number };
}

export type RunStartResult =
  | { readonly kind: "started" }
  | { readonly kind: "duplicate"; readonly previous: FireRecord }
  | { readonly kind: "busy"; readonly lease: LeaseState };

export type BufferResult =
  | { readonly kind: "buffered" }
  | { readonly kind: "duplicate"; readonly previous: FireRecord }
  | {
      readonly kind: "holder-changed";
      readonly lease: LeaseState | undefined;
    };

export interface DispatchStore {
  /** Writes the fire record, acquires the lease and creates the queued run — all or nothing. */
  startRunForFire(start: RunStart): Promise<RunStartResult>;
  /**
   * Records a fire that ends without a run (skipped, rejected or missed); idempotent per fire key —
   * a retry of a write that was applied answers `recorded` (the fire's `attemptId`).
   */
  recordFireWithoutRun(
    fire: FireRecord,
    historyRetentionDays: number,
  ): Promise<{ readonly kind: "recorded" } | { readonly kind: "duplicate"; readonly previous: FireRecord }>;
  /**
   * Coalesces a fire into the lease's pending fire while `holderRunId` still holds it; with
   * `requestStop` also asks the holder to stop (`replace`).
   */
  bufferFire(
    fire: FireRecord,
    options: { holderRunId: string; requestStop: boolean; historyRetentionDays: number; nowMs: number },
  ): Promise<BufferResult>;
  getRun(jobId: string, runId: string): Promise<RunRecord | undefined>;
  /**
   * Removes the pending fire `bufferId` from a lease that is free (a drain that was rejected), and
   * takes the lease out of the sweep index. Does nothing if the buffer changed or a run holds it.
   */
  dropPendingFire(jobId: string, bufferId: string): Promise<void>;
}

/** Identifies a run's right to write: DESIGN invariant 2 (fencing). */
export interface RunFence {
  readonly jobId: string;
  readonly runId: string;
  readonly token: number;
}

export interface PhaseChange {
  /** The phase that ends with this write, and how. */
  readonly end?: { readonly phase: PhaseName; readonly outcome: PhaseOutcome };
  /** The phase that starts, with its deadline — written before its work begins (invariant 3). */
  readonly start?: { readonly phase: PhaseName; readonly deadlineAt: number };
  /** Plugin records to write (e.g. one finishing and the next starting, in one request). */
  readonly plugins?: readonly PluginRecord[];
}

export type FencedWriteResult =
  | { readonly kind: "ok" }
  | { readonly kind: "lease-lost"; readonly lease: LeaseState | undefined }
  | { readonly kind: "run-not-active"; readonly run: RunRecord | undefined };

export interface RunEnd {
  readonly status: TerminalRunStatus;
  readonly phaseOutcome?: { readonly phase: PhaseName; readonly outcome: PhaseOutcome };
  readonly error?: RunError;
  readonly diagnostic?: string;
  readonly output?: RunOutput;
  readonly provider?: string;
  readonly model?: string;
  readonly usage?: RunRecord["usage"];
  readonly toolCalls?: number;
  readonly plugins?: readonly PluginRecord[];
}

export interface RunStore {
  /** Lease, run, job and stats of one run in one consistent read. */
  loadRunContext(
    jobId: string,
    runId: string,
  ): Promise<{
    job: StoredJob | undefined;
    lease: LeaseState | undefined;
    run: RunRecord | undefined;
    stats: JobStats | undefined;
  }>;
  /**
   * queued → running, with the setup phase written ahead and the heartbeat lease started. Refused
   * if the run is not queued, does not hold the lease, or its start deadline (the queued lease's
   * expiry) has passed.
   */
  beginRun(
    fence: RunFence,
    options: {
      nowMs: number;
      /** Stored with the begin: a retry that finds the run already begun by it answers `ok`. */
      attemptId: string;
      setupDeadlineAt: number;
      leaseSeconds: number;
      plugins: readonly PluginRecord[];
    },
  ): Promise<FencedWriteResult>;
  /** Records phase/plugin progress (fenced) and renews the lease. */
  recordProgress(
    fence: RunFence,
    change: PhaseChange,
    options: { nowMs: number; leaseSeconds: number; phaseDeadlineAt: number },
  ): Promise<FencedWriteResult>;
  /** Renews the lease; returns whether a stop was requested. */
  heartbeat(
    fence: RunFence,
    options: { nowMs: number; leaseSeconds: number; phaseDeadlineAt: number },
  ): Promise<
    | { readonly kind: "ok"; readonly stopRequestedAt?: number; readonly stopRequestedBy?: string }
    | { readonly kind: "lease-lost"; readonly lease: LeaseState | undefined }
  >;
  /** Ends the run, releases the lease and updates the job stats in one transaction (fenced). */
  finishRun(
    fence: RunFence,
    end: RunEnd,
    options: {
      nowMs: number;
      /** Stored with the end: a retry that finds the run already ended by it answers `ok`. */
      attemptId: string;
      statsBefore: JobStats;
      statsAfter: JobStats;
      historyRetentionDays: number;
    },
  ): Promise<FencedWriteResult | { readonly kind: "stats-conflict" }>;
  /**
   * Keeps a run's full output (and an agent process's stream tails) in an item of its own, written
   * before the run's end and expiring with it. Idempotent: a retry writes the same item again.
   */
  saveRunOutput(
    fence: RunFence,
    output: RunOutputRecord,
    options: { nowMs: number; historyRetentionDays: number },
  ): Promise<void>;
  getStats(jobId: string): Promise<JobStats | undefined>;
  /**
   * After a release: takes the lease out of the sweep index unless a fire is pending on it, in
   * which case the pending fire is returned for the caller to drain.
   */
  settleLease(jobId: string): Promise<{ readonly pending?: LeaseState["pending"] }>;
}

/** A run the sweeper found overdue, read consistently with its lease. */
export interface SweepCandidate {
  readonly lease: LeaseState;
  readonly run: RunRecord | undefined;
}

/** What ending a run by authority needs (the sweeper, and dispatch when it takes over). */
export type RunEndingStore = Pick<
  SweepStore,
  "getStats" | "endRunBySweeper" | "releaseOrphanedLease" | "settleLease"
>;

export interface SweepStore {
  /** Leases whose sweep time has passed: one index query per shard; cost grows with active runs only. */
  findOverdueLeases(nowMs: number): Promise<LeaseState[]>;
  /** Consistent re-read of a lease and the run holding it. */
  loadSweepCandidate(jobId: string): Promise<SweepCandidate | undefined>;
  /**
   * Ends a run that cannot end itself, on the authority of the sweeper (or of a dispatch taking
   * over an expired lease): the run, its lease — released, or handed over to `retry` — and the
   * job's stats in one transaction, conditioned on the run still being active, the lease still
   * held by it with `token` and still overdue (`overdue`), and the stats' version.
   */
  endRunBySweeper(
    run: { jobId: string; runId: string },
    end: RunEnd,
    options: {
      nowMs: number;
      /** Stored with the end: a retry that finds the run already ended by it answers `ended`. */
      attemptId: string;
      lease: { token: number; overdue: "lease-expired" | "phase-overdue" };
      /** A retry (retry-on-stall) to hand the lease to: queued, checked by the sweeper at `firstCheckAt`. */
      retry?: { run: RunRecord; firstCheckAt: number };
      statsBefore: JobStats;
      statsAfter: JobStats;
      historyRetentionDays: number;
    },
  ): Promise<
    | { readonly kind: "ended" }
    | { readonly kind: "conflict"; readonly on: "lease" | "run" | "stats" | "retry-run" }
  >;
  /**
   * Records when the sweeper should look at a queued run next and, with `handedOff`, that it was
   * handed to the turns queue again — while the run is still queued and holds the lease with
   * `token`. Answers false when it began (or ended) meanwhile.
   */
  recordHandoff(
    run: { jobId: string; runId: string },
    options: { token: number; nowMs: number; nextCheckAt: number; handedOff: boolean },
  ): Promise<boolean>;
  /** Pushes a lease's sweep time later (a pending fire whose drain was just sent). */
  postponeSweep(jobId: string, expectedBufferId: string, sweepAt: number): Promise<void>;
  /** Removes a free lease with nothing pending from the sweep index. */
  settleLease(jobId: string): Promise<{ readonly pending?: LeaseState["pending"] }>;
  getRun(jobId: string, runId: string): Promise<RunRecord | undefined>;
  /**
   * Records that a sweep completed (and what it did): `agentcron doctor` checks the sweeper ran in
   * the last few minutes from this, wherever the deployment runs.
   */
  recordSweep(report: Readonly<Record<string, unknown>>, nowMs: number): Promise<void>;
  /** Releases a lease whose holder has no active run record (nothing else would ever free it). */
  releaseOrphanedLease(jobId: string, runId: string, token: number, nowMs: number): Promise<void>;
  getStats(jobId: string): Promise<JobStats | undefined>;
}

export type ScheduleAction = "created" | "updated" | "enabled" | "disabled" | "deleted" | "unchanged";

/** What a schedule needs of a job: a stored job keeps its rule even if it no longer validates. */
export type ScheduledJob = Pick<JobDefinition, "id" | "schedule" | "enabled" | "description"> &
  Partial<
    Pick<
      JobDefinition,
      "timezone" | "flexibleWindowMinutes" | "startDeadlineSeconds" | "historyRetentionDays"
    >
  >;

export interface ScheduleChange {
  readonly jobId: string;
  /** The EventBridge rule's, the Scheduler schedule's or the local rule's name. */
  readonly ruleName: string;
  readonly action: ScheduleAction;
}

/**
 * Port: the schedules that fire jobs (EventBridge rules in AWS; the in-process scheduler locally).
 * One reconciler keeps them in step with the stored jobs, for both `cdk deploy` and the CLI.
 */
export interface Schedules {
  /**
   * Makes the schedules match `jobs` exactly: one per job, with its expression, enabled as the job
   * is, targeting the fires queue with the job's fire message; schedules of jobs not in `jobs` are
   * deleted. Running it twice changes nothing the second time.
   */
  reconcile(jobs: readonly ScheduledJob[], options?: ReconcileOptions): Promise<ScheduleChange[]>;
}

export interface ReconcileOptions {
  /** Compute the changes, make none. @default false */
  readonly dryRun?: boolean;
  /**
   * Start no request after this time (epoch ms): the reconcile then throws ReconcileIncompleteError
   * with what it did, and a next call finishes the rest. @default no deadline
   */
  readonly deadlineAt?: number;
  /** Called with each change as it is made (to log it then, not at the end). */
  readonly onChange?: (change: ScheduleChange) => void;
  /**
   * Skip the work an interrupted call already did: its ReconcileIncompleteError's `resumeAfter`.
   * @default start from the beginning
   */
  readonly resumeAfter?: string;
}

/** Why a message was refused, carried with it into its dead-letter queue. */
export interface Rejection {
  readonly reason: string;
  /** Each problem and its path in the message (empty when the body is not even JSON). */
  readonly issues: readonly ValidationIssue[];
  /** The consumer that refused it (`dispatch`, `turn`). */
  readonly rejectedBy: string;
  readonly atMs: number;
}

/**
 * Port: where a message that can never succeed goes — its dead-letter queue, right away, with the
 * reason attached (SQS's own redrive would retry it maxReceiveCount times and then say nothing).
 */
export interface DeadLetters {
  reject(body: string, rejection: Rejection): Promise<void>;
}

/** Port: a message queue (SQS in AWS and locally). */
export interface MessageQueue {
  send(body: string, attributes?: Readonly<Record<string, string>>): Promise<void>;
}

/** Port: how much work waits on a queue (SQS's approximate counts). */
export interface QueueBacklog {
  backlog(): Promise<{ readonly waiting: number; readonly inFlight: number }>;
}

/**
 * Port: a consumer's say over a message it received — make it visible again after `delaySeconds`
 * instead of the queue's visibility timeout (SQS ChangeMessageVisibility).
 */
export interface MessageRedelivery {
  retryAfter(receiptHandle: string, delaySeconds: number): Promise<void>;
}

export type MetricUnit = "Count" | "Milliseconds" | "Percent" | "None";

/** Port: metrics (CloudWatch EMF through Powertools). `jobId` becomes a dimension. */
export interface Metrics {
  add(name: string, value: number, unit: MetricUnit, dimensions?: Readonly<Record<string, string>>): void;
  /** Writes what was added (EMF lines); called at the end of each invocation. */
  flush(): void;
}

export interface RunLifecycleEvent {
  readonly type:
    | "run.started"
    | "run.succeeded"
    | "run.failed"
    | "run.stalled"
    | "run.timed-out"
    | "run.abandoned"
    | "run.cancelled"
    | "run.not-started";
  readonly jobId: string;
  readonly runId: string;
  readonly status: string;
  readonly phase?: PhaseName;
  readonly reason?: string;
  readonly at: number;
}

/** A fire the job's schedule was due to send never arrived (core/schedules/missed-fires.ts). */
export interface FireLifecycleEvent {
  readonly type: "fire.missed";
  readonly jobId: string;
  /** Fires have no run; present so code reading `runId` of any event needs no narrowing. */
  readonly runId?: undefined;
  readonly fireKey: string;
  readonly scheduledAt: number;
  readonly reason: "never-arrived";
  readonly scheduleState: ScheduleState;
  /** For a person: what is known and what to do. */
  readonly detail: string;
  readonly at: number;
}

export type LifecycleEvent = RunLifecycleEvent | FireLifecycleEvent;

/** Port: run and fire lifecycle events (EventBridge PutEvents in AWS). */
export interface LifecycleEvents {
  publish(events: readonly LifecycleEvent[]): Promise<void>;
}

/**
 * A job's expected next fire (DESIGN invariant 12): what the sweeper checks against the fires that
 * arrived. Kept per job beside its lease; indexed (sparsely) only while a fire is expected.
 */
export interface FireWatch {
  readonly jobId: string;
  readonly schedule: string;
  readonly timezone: string;
  readonly enabled: boolean;
  /** How long after its time a fire may still arrive: the start deadline, the flexible window, a margin. */
  readonly graceMs: number;
  readonly historyRetentionDays: number;
  /** What the expectation was computed from; re-arming with the same key keeps the expectation. */
  readonly timingKey: string;
  /** The next scheduled time a fire is expected for; absent when none is (paused, one-time done). */
  readonly expectedAt?: number;
  readonly armedAt: number;
  /** Scheduled time of the last fire found to have arrived. */
  readonly lastArrivedAt?: number;
  /** Scheduled time of the last fire recorded as never arrived, and why. */
  readonly lastMissedAt?: number;
  readonly lastMissedState?: ScheduleState;
  /** Fires recorded as never arrived, in all. */
  readonly missedCount: number;
  /** A one-time job: the scheduled time its one fire arrived (the job is done). */
  readonly oneTimeFiredAt?: number;
}

/** Port: where the expected fires are kept (beside each job's lease in the table). */
export interface FireWatchStore {
  /** The watches of these jobs (missing ones are absent from the map). */
  getWatches(jobIds: readonly string[]): Promise<Map<string, FireWatch>>;
  /** Stores a watch as given, due at `dueAt` (or out of the index when undefined). */
  putWatch(watch: FireWatch, dueAt: number | undefined): Promise<void>;
  deleteWatch(jobId: string): Promise<void>;
  /** Up to `limit` watches due at or before `nowMs` (a sparse index: cost grows with due jobs only). */
  findDueWatches(nowMs: number, limit: number): Promise<FireWatch[]>;
  /**
   * Replaces `previous` with `next` if it is unchanged since it was read (its expectation and timing).
   * @returns false when someone else moved it first (a re-arm, another sweep).
   */
  advanceWatch(previous: FireWatch, next: FireWatch, dueAt: number | undefined): Promise<boolean>;
  /** Scheduled times of the job's scheduled fires recorded in [fromMs, toMs] (fire keys sort by time). */
  scheduledFiresBetween(jobId: string, fromMs: number, toMs: number): Promise<number[]>;
}

/** Port: asks the schedule backend about one job's schedule (for a fire that never arrived). */
export interface ScheduleInspector {
  stateOf(jobId: string): Promise<ScheduleState>;
}

/** What a job's health verdict was made from: both only grow, so a newer verdict has larger ones. */
export interface HealthBasis {
  readonly runsEnded: number;
  readonly firesSkipped: number;
}

/** A job that is unhealthy, as stored while it is (a healthy job has no record). */
export interface UnhealthyJobRecord {
  readonly jobId: string;
  readonly reasons: readonly HealthReason[];
  /** When it became unhealthy. */
  readonly since: number;
  readonly updatedAt: number;
  readonly basis: HealthBasis;
}

/**
 * Port: each job's health state. Only unhealthy jobs have a record, so listing and counting them
 * costs O(unhealthy jobs), never O(all jobs). Transitions are conditional writes: of two writers
 * seeing the same transition, one makes it (and notifies).
 */
export interface JobHealthStore {
  /** The job's record if it is unhealthy (a strongly consistent read). */
  getUnhealthyJob(jobId: string): Promise<UnhealthyJobRecord | undefined>;
  /** Records the job as unhealthy unless it already is; true when this call made the change. */
  markUnhealthy(record: UnhealthyJobRecord): Promise<boolean>;
  /** Replaces the reasons of a job that is still unhealthy, unless a newer verdict is stored. */
  updateReasons(
    jobId: string,
    reasons: readonly HealthReason[],
    basis: HealthBasis,
    nowMs: number,
  ): Promise<void>;
  /**
   * Removes the job's record unless a newer verdict is stored; returns the record removed, or
   * undefined when this call changed nothing.
   */
  markHealthy(jobId: string, basis: HealthBasis): Promise<UnhealthyJobRecord | undefined>;
  /** Every unhealthy job (a deleted job's record goes with it). */
  listUnhealthyJobs(): Promise<UnhealthyJobRecord[]>;
  countUnhealthyJobs(): Promise<number>;
}

/** A job's health changed: what an operator is told. */
export interface JobHealthNotice {
  readonly jobId: string;
  /** The new state. */
  readonly state: JobHealthState;
  /** Why it is unhealthy; when it recovered, why it had been. */
  readonly reasons: readonly HealthReason[];
  readonly firstCommand: string;
  /** When it became unhealthy. */
  readonly since: number;
  readonly at: number;
}

/** Port: notifications to operators (the alarm topic in AWS, the log locally). */
export interface HealthNotifications {
  publish(notice: JobHealthNotice): Promise<void>;
}
