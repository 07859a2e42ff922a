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
  if (run.status === "queued") {
    return {
      error: {
        class: "RunAbandonedError",
        message: "never started: no turn picked it up before its lease expired",
      },
      diagnostic:
        `run ${run.runId} was queued at ${describeTime(run.createdAt)} but no turn started it before its lease expired` +
        `${takenOverBy ? ` and run ${takenOverBy} took the job over` : ""}. ` +
        "Next: check the turns queue's dead-letter queue and the turn function's errors and throttles.",
    };
  }
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
      `${facts.join("; ")}. Its process is gone: it crashed, was killed, hit the function timeout, or its event loop was blocked. ` +
      `Next: the turn logs of run ${run.runId} around ${lastHeard !== undefined ? describeTime(lastHeard) : "its start"}.`,
  };
}

/**
 * A run found past its hard ceiling (`maxRunSeconds`) and never recorded as ended: its process was
 * stopped from outside (Lambda's timeout, the local runtime's kill) — typically a blocked event loop
 * (field report 2). Says so, with where it was.
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
  return {
    error: {
      ...where.error,
      class: "RunCeilingExceededError",
      message: `exceeded its ${maxRunSeconds}s ceiling (maxRunSeconds) in phase ${run.phase ?? "(none)"} and was stopped from outside`,
    },
    diagnostic:
      `run ${run.runId} started ${run.startedAt !== undefined ? describeTime(run.startedAt) : "?"} and passed its ${maxRunSeconds}s ceiling ` +
      "without recording an end: its process was stopped by the function timeout (a turn that blocks its event loop cannot stop itself). " +
      where.diagnostic,
  };
}
