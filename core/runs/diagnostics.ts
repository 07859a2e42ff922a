import type { LeaseState } from "../leases/lease.ts";
import { describeDuration, describeTime } from "../time-format.ts";
import type { PluginRecord, RunError, RunRecord } from "./run-record.ts";

export interface Diagnosis {
  readonly error: RunError;
  /** What happened, with the facts from the flight record, and the next thing to check. */
  readonly diagnostic: string;
}

/** Plugins by what became of them, in the job's order (field report 1: name the culprit). */
export function pluginProgress(run: Pick<RunRecord, "plugins">) {
  const plugins = Object.values(run.plugins).sort((a, b) => a.index - b.index);
  return {
    inFlight: plugins.filter((plugin) => plugin.state === "starting"),
    finished: plugins.filter((plugin) => plugin.state !== "starting" && plugin.state !== "pending"),
    neverStarted: plugins.filter((plugin) => plugin.state === "pending"),
  };
}

function pluginSummary(plugin: PluginRecord): string {
  const took =
    plugin.startedAt !== undefined && plugin.endedAt !== undefined
      ? `, ${describeDuration(plugin.endedAt - plugin.startedAt)}`
      : "";
  return `${plugin.name} (${plugin.state}${took})`;
}

function pluginFacts(run: RunRecord): { inFlight?: PluginRecord; text: string } {
  const { inFlight, finished, neverStarted } = pluginProgress(run);
  if (inFlight.length === 0 && finished.length === 0 && neverStarted.length === 0) return { text: "" };
  const parts: string[] = [];
  const current = inFlight[0];
  if (current) {
    const started = current.startedAt !== undefined ? ` since ${describeTime(current.startedAt)}` : "";
    const deadline =
      current.deadlineAt !== undefined && current.startedAt !== undefined
        ? ` with its own ${describeDuration(current.deadlineAt - current.startedAt)} timeout (deadline ${describeTime(current.deadlineAt)})`
        : "";
    parts.push(`plugin "${current.name}" (${current.type}) was in flight${started}${deadline}`);
  }
  parts.push(`finished: ${finished.map(pluginSummary).join(", ") || "none"}`);
  parts.push(`never started: ${neverStarted.map((plugin) => plugin.name).join(", ") || "none"}`);
  return { inFlight: current, text: parts.join("; ") };
}

/**
 * A run whose phase deadline passed (DESIGN invariant 3): names the phase, the in-flight plugin,
 * the plugins that finished and those never started — the facts field report 1 could not get.
 */
export function diagnoseStall(run: RunRecord, lease: LeaseState, nowMs: number): Diagnosis {
  const phase = lease.phase ?? run.phase;
  const phaseRecord = phase ? run.phases[phase] : undefined;
  const plugins = phase === "runtime-plugins" ? pluginFacts(run) : { text: "" };
  const deadline = lease.phaseDeadlineAt ?? phaseRecord?.deadlineAt;
  const facts = [
    `run ${run.runId} stalled in phase ${phase ?? "(none)"}`,
    phaseRecord ? `started ${describeTime(phaseRecord.startedAt)}` : "",
    deadline !== undefined
      ? `its deadline ${describeTime(deadline)} passed ${describeDuration(nowMs - deadline)} ago`
      : "",
    plugins.text,
    lease.heartbeatAt !== undefined ? `last heartbeat ${describeTime(lease.heartbeatAt)}` : "",
  ].filter(Boolean);
  const next = plugins.inFlight
    ? `Next: check plugin "${plugins.inFlight.name}" — it did not finish within its timeout — and the turn logs of run ${run.runId}.`
    : `Next: check the turn logs of run ${run.runId} for what phase ${phase ?? "?"} was waiting on.`;
  return {
    error: {
      class: "RunStalledError",
      message: `stalled in phase ${phase ?? "(none)"}${plugins.inFlight ? ` with plugin "${plugins.inFlight.name}" in flight` : ""}`,
      phase,
      plugin: plugins.inFlight?.name,
    },
    diagnostic: `${facts.join("; ")}. ${next}`,
  };
}

/**
 * A run whose lease expired without heartbeats: its process is gone. Says where it was (last
 * phase, in-flight plugin) and when it was last heard from.
 */
export function diagnoseAbandoned(
  run: RunRecord,
  lease: LeaseState | undefined,
  nowMs: number,
  takenOverBy?: string,
): Diagnosis {
  const phase = run.phase;
  const plugins = phase === "runtime-plugins" ? pluginFacts(run) : { text: "" };
  const lastHeard = lease?.holderRunId === run.runId ? lease.heartbeatAt : run.lastHeartbeatAt;
  const expiry = lease?.holderRunId === run.runId ? lease.expiresAt : undefined;
  const facts = [
    `run ${run.runId} stopped heartbeating during phase ${phase ?? "(none)"}`,
    plugins.text,
    lastHeard !== undefined
      ? `last heard from ${describeTime(lastHeard)} (${describeDuration(nowMs - lastHeard)} ago)`
      : "",
    expiry !== undefined ? `its lease expired ${describeTime(expiry)}` : "",
    takenOverBy ? `run ${takenOverBy} took the job over` : "",
  ].filter(Boolean);
  return {
    error: {
      class: "RunAbandonedError",
      message: `abandoned in phase ${phase ?? "(none)"}: its process stopped heartbeating`,
      phase,
      plugin: plugins.inFlight?.name,
    },
    diagnostic:
      `${facts.join("; ")}. It stopped heartbeating: it crashed, was killed, or its event loop is blocked (then the function timeout stops it). ` +
      `Next: the turn logs of run ${run.runId} around ${lastHeard !== undefined ? describeTime(lastHeard) : "its start"}.`,
  };
}

/**
 * A run found past its hard ceiling (`maxRunSeconds`) that never recorded an end, though its lease
 * still covered the ceiling: it did not stop itself there. Either its event loop was blocked (field
 * report 2 — a blocked turn cannot stop itself, and Lambda's timeout ends it) or its process was
 * lost near the end (a crash, a runtime outage). Says so, with where it was and when it was last
 * heard from — and does not blame the budget.
 */
export function diagnoseCeiling(
  run: RunRecord,
  lease: LeaseState,
  nowMs: number,
  maxRunSeconds: number,
): Diagnosis {
  const where =
    lease.phaseDeadlineAt !== undefined && lease.phaseDeadlineAt < nowMs
      ? diagnoseStall(run, lease, nowMs)
      : diagnoseAbandoned(run, lease, nowMs);
  const lastHeard = lease.holderRunId === run.runId ? lease.heartbeatAt : run.lastHeartbeatAt;
  return {
    error: {
      ...where.error,
      class: "RunCeilingExceededError",
      message: `passed its ${maxRunSeconds}s ceiling (maxRunSeconds) in phase ${run.phase ?? "(none)"} without stopping itself`,
    },
    diagnostic:
      `run ${run.runId} started ${run.startedAt !== undefined ? describeTime(run.startedAt) : "?"} and passed its ${maxRunSeconds}s ceiling ` +
      `without recording an end; it was last heard from ${lastHeard !== undefined ? describeTime(lastHeard) : "at its start"}. ` +
      "A turn whose event loop is blocked cannot stop itself (the function's timeout ends it), and a process lost near its end looks the same. " +
      where.diagnostic,
  };
}

/** What the turns queue held when a run could not start: its approximate counts. */
export interface TurnsBacklog {
  readonly waiting: number;
  readonly inFlight: number;
}

/**
 * A queued run that no turn began before its start deadline (DESIGN invariant 9): says how long it
 * waited, how often it was handed off, and what the turns queue looked like — a backlog (the turn
 * function is saturated) or an idle queue (the handoffs were lost, or the turn fails before it can
 * begin a run) — and what to do about either.
 */
export function diagnoseNotStarted(
  run: RunRecord,
  nowMs: number,
  backlog: TurnsBacklog | undefined,
): Diagnosis {
  const deadline = run.startDeadlineAt ?? nowMs;
  const window = describeDuration(Math.max(0, deadline - run.createdAt));
  const handoffs = run.handoffs ?? 1;
  const queue = backlog
    ? `turns queue: ${backlog.waiting} message${backlog.waiting === 1 ? "" : "s"} waiting, ${backlog.inFlight} in flight`
    : "turns queue: unknown";
  const next =
    backlog === undefined
      ? "Next: look at the turns queue's depth and age and the turn function's errors and throttles."
      : backlog.waiting > 0
        ? "Next: the turn function is saturated — raise its maximum concurrency (and the account's), spread the jobs' schedules, or give the job a longer startDeadlineSeconds."
        : "Next: the turns queue is idle, so the handoffs were lost or the turn fails before it begins a run — check the turn function's errors and throttles and the turns dead-letter queue.";
  return {
    error: {
      class: "RunNotStartedError",
      message: `not started within ${window}: ${queue}`,
    },
    diagnostic:
      `run ${run.runId} was queued at ${describeTime(run.createdAt)} and handed to the turns queue ${handoffs} time${handoffs === 1 ? "" : "s"}, ` +
      `but no turn began it before its start deadline ${describeTime(deadline)} (${window} after it was queued); ${queue}. ${next}`,
  };
}
