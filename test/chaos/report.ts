import type { ScenarioName } from "./scenarios.ts";
import type { Summary } from "./summary.ts";

/** Violations shown per invariant in the human report (--json has them all). */
const SHOWN_PER_INVARIANT = 15;

/** The command that replays a simulation. */
export function reproduceCommand(
  summary: Pick<Summary, "seed" | "scenario" | "faults" | "crashRate" | "turnMaxConcurrency">,
  fires: number,
): string {
  const scenario = summary.scenario as ScenarioName;
  const extra = [
    summary.faults ? "" : " --no-faults",
    summary.crashRate > 0 ? ` --crash-rate ${summary.crashRate}` : "",
    (scenario === "backlog" ? summary.turnMaxConcurrency !== 5 : summary.turnMaxConcurrency !== 20)
      ? ` --turn-concurrency ${summary.turnMaxConcurrency}`
      : "",
  ].join("");
  return `npm run chaos -- --seed ${summary.seed} --fires ${fires} --scenario ${scenario}${extra}`;
}

/** The summary for a person: what ran, what the engine did, and every invariant with its count. */
export function formatReport(summary: Summary, fires: number): string {
  const lines: string[] = [];
  const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
  lines.push(
    `chaos: scenario ${summary.scenario}, seed ${summary.seed}, ${summary.jobs} jobs, turn concurrency ${summary.turnMaxConcurrency}${summary.faults ? "" : ", no faults"}${summary.crashRate > 0 ? `, crash rate ${summary.crashRate}` : ""}`,
    ...(summary.jobSet.length <= 12 ? summary.jobSet.map((job) => `    ${job}`) : []),
    `  simulated ${minutes(summary.simulatedMs)} in ${(summary.wallMs / 1000).toFixed(1)} s of wall time; fingerprint ${summary.fingerprint}`,
    `  fires: ${summary.fires.scheduled} scheduled, ${summary.fires.deliveries} deliveries (${entries(summary.fires.quirks)})`,
    `  fire outcomes: ${entries(summary.fires.outcomes)}`,
    `  runs: ${summary.runs.total} (${summary.runs.retries} retries): ${entries(summary.runs.byStatus)}`,
    `  harness executions: ${entries(summary.harness)}`,
    `  requests: ${summary.requests.application} by the handlers, ${summary.requests.services} by the simulated services, ${summary.requests.dropped} dropped (killed invocations)`,
    `  injected faults: ${entries(summary.injectedFaults)}`,
    `  engine: ${entries(summary.engine)}`,
    `  turn messages: ${summary.handoffs.sent} sent by the handlers; for a run whose earlier message still waited in the queue: ${entries(summary.handoffs.whileWaiting) || "none"}`,
    `  invocations: ${entries(summary.invocations)}; threw: ${entries(summary.invocationsThatThrew)}; killed: ${entries(summary.kills) || "none"}`,
    `  timers: ${summary.timers.set} set by invocations, ${summary.timers.discarded} discarded with killed invocations, ${summary.timers.firedAfterReturn} fired after their invocation returned, ${summary.timers.leftAtEnd} left at the end`,
    `  dead letters: ${summary.deadLetters}`,
    "invariants:",
  );
  for (const [id, count] of Object.entries(summary.invariants)) {
    lines.push(`  ${count === 0 ? "ok  " : "FAIL"} ${String(count).padStart(4)}  ${id}`);
  }
  const failing = Object.entries(summary.violations);
  if (failing.length === 0) {
    lines.push("all invariants hold.");
    return lines.join("\n");
  }
  lines.push("violations:");
  for (const [id, violations] of failing) {
    lines.push(`  ${id} (${violations.length}):`);
    for (const violation of violations.slice(0, SHOWN_PER_INVARIANT)) lines.push(`    - ${violation}`);
    if (violations.length > SHOWN_PER_INVARIANT)
      lines.push(`    ... and ${violations.length - SHOWN_PER_INVARIANT} more (--json lists all)`);
  }
  lines.push(`reproduce: ${reproduceCommand(summary, fires)}`);
  return lines.join("\n");
}

function entries(record: Record<string, number>): string {
  return Object.entries(record)
    .map(([key, value]) => `${key} ${value}`)
    .join(", ");
}

/** The summary in one line, for CI logs. */
export function oneLineSummary(summary: Summary): string {
  const violations = Object.values(summary.invariants).reduce((sum, count) => sum + count, 0);
  return [
    `chaos ${summary.scenario} seed ${summary.seed}: ${summary.fires.scheduled} fires (${entries(summary.fires.outcomes)})`,
    `runs ${entries(summary.runs.byStatus)}`,
    `faults ${entries(summary.injectedFaults)}`,
    `retries ${summary.engine.transientRetries}, re-handoffs ${summary.engine.handoffsResent}`,
    `${violations} violations`,
    `simulated ${(summary.simulatedMs / 60_000).toFixed(0)} min in ${(summary.wallMs / 1000).toFixed(0)} s`,
    `fingerprint ${summary.fingerprint}`,
  ].join("; ");
}
