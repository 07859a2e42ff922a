import type { ValidationIssue } from "../errors.ts";

/** The phases of a run, in order. Each is bounded by its own timeout from the job. */
export const PHASES = ["setup", "runtime-plugins", "agent-turn", "finalize"] as const;
export type PhaseName = (typeof PHASES)[number];

export const RUN_STATUSES = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "stalled",
  "timed-out",
  "abandoned",
  "cancelled",
  /** Queued, but no turn began it before its start deadline (DESIGN invariant 9). */
  "not-started",
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type TerminalRunStatus = Exclude<RunStatus, "queued" | "running">;

/** Statuses that count as a failure in the job's failure rate and consecutive-failure count. */
export const FAILURE_STATUSES: ReadonlySet<RunStatus> = new Set([
  "failed",
  "stalled",
  "timed-out",
  "abandoned",
  // The job did not do its work: its operators must hear of it like of any other failure.
  "not-started",
]);

export function isActiveStatus(status: RunStatus): boolean {
  return status === "queued" || status === "running";
}

export type PhaseOutcome = "ok" | "failed" | "timed-out" | "cancelled" | "stalled" | "abandoned";

export interface PhaseRecord {
  readonly startedAt: number;
  readonly deadlineAt: number;
  readonly endedAt?: number;
  readonly outcome?: PhaseOutcome;
}

export type PluginState = "pending" | "starting" | "ready" | "failed" | "timed-out" | "skipped";

export interface PluginRecord {
  readonly name: string;
  readonly type: string;
  /** Position in the job's plugin list (they start in this order). */
  readonly index: number;
  readonly required: boolean;
  readonly state: PluginState;
  readonly startedAt?: number;
  readonly deadlineAt?: number;
  readonly endedAt?: number;
  readonly error?: string;
  readonly toolCount?: number;
}

export interface RunError {
  /** The error class name, e.g. `HarnessNotRegisteredError`, `PluginInitError`. */
  readonly class: string;
  readonly message: string;
  readonly phase?: PhaseName;
  readonly plugin?: string;
}

export type FireSource = "schedule" | "manual" | "buffered" | "retry";

export interface RunOutput {
  /** The first bytes of the agent's output (bounded). */
  readonly summary: string;
  readonly bytes: number;
  readonly truncated: boolean;
}

export interface RunRecord {
  readonly jobId: string;
  readonly runId: string;
  readonly fireKey: string;
  readonly source: FireSource;
  readonly scheduledAt: number;
  readonly createdAt: number;
  readonly status: RunStatus;
  readonly attempt: number;
  readonly retryOf?: string;
  /** Fires folded into this run while the job was busy (`buffer-one` / `replace`). */
  readonly coalescedFires: number;
  readonly jobVersion: number;
  /** The lease token this run holds (known once the turn begins); every write it makes is fenced by it. */
  readonly leaseToken?: number;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly phase?: PhaseName;
  readonly phases: Partial<Record<PhaseName, PhaseRecord>>;
  readonly plugins: Readonly<Record<string, PluginRecord>>;
  readonly error?: RunError;
  /** A person-readable account of why the run ended the way it did and what to check next. */
  readonly diagnostic?: string;
  readonly output?: RunOutput;
  readonly provider?: string;
  readonly model?: string;
  readonly usage?: { readonly inputTokens?: number; readonly outputTokens?: number };
  readonly toolCalls?: number;
  readonly lastHeartbeatAt?: number;
  readonly stopRequestedAt?: number;
  /** A queued run must begin by then, or it ends `not-started` (DESIGN invariant 9). */
  readonly startDeadlineAt?: number;
  /** Times the run was handed to the turns queue (the sweeper re-hands-off a run still queued). */
  readonly handoffs?: number;
  readonly lastHandoffAt?: number;
  /** The turn attempt that began the run: a retried begin recognises its own earlier success. */
  readonly beginAttemptId?: string;
  /** The attempt (the turn's finish, or a sweep) that ended the run, for the same reason. */
  readonly endAttemptId?: string;
}

export type FireOutcome = "run" | "skipped" | "buffered" | "rejected" | "missed";

/**
 * Why a fire ended as it did: `busy`/`replace` (skipped or buffered), `unknown-job`/`invalid-job`/
 * `job-disabled` (rejected), `late` (missed: it arrived after its start deadline), `never-arrived`
 * (missed: the sweeper found no fire for a time the job's schedule was due, see
 * core/schedules/missed-fires.ts).
 */
export type FireReason =
  | "busy"
  | "replace"
  | "unknown-job"
  | "invalid-job"
  | "job-disabled"
  | "late"
  | "never-arrived";

/** What the sweeper found of a job's schedule when one of its fires never arrived. */
export type ScheduleState = "enabled" | "disabled" | "missing" | "unknown";

/** What became of one fire (DESIGN invariant 4): exactly one of these per fire key. */
export interface FireRecord {
  readonly jobId: string;
  readonly fireKey: string;
  readonly source: FireSource;
  readonly scheduledAt: number;
  readonly receivedAt: number;
  readonly outcome: FireOutcome;
  readonly runId?: string;
  /** Why it was skipped, buffered or rejected, as a code (`busy`, `unknown-job`, ...). */
  readonly reason?: FireReason;
  /** The same, for a person: what happened and what to do. */
  readonly detail?: string;
  /** For skipped/buffered fires: the run that held the job, since when, and for how long. */
  readonly holderRunId?: string;
  readonly holderSince?: number;
  readonly issues?: readonly ValidationIssue[];
  /** A fire that never arrived: the state of the job's schedule when that was found. */
  readonly scheduleState?: ScheduleState;
  /** The dispatch attempt that wrote this record: a retried write recognises its own first attempt. */
  readonly attemptId?: string;
}
