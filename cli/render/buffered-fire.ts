import type { FireRecord } from "#core/runs/run-record.ts";
import { describeTime } from "#core/time-format.ts";

/**
 * What `run` says of a fire that met a busy job: buffered until the job frees — and, with the
 * `replace` overlap policy, that the running run was asked to stop so that it frees soon.
 */
export function describeBufferedFire(
  fire: Pick<FireRecord, "reason" | "holderRunId" | "holderSince">,
): string {
  const holder = `run ${fire.holderRunId ?? "?"}`;
  const since = fire.holderSince !== undefined ? ` since ${describeTime(fire.holderSince)}` : "";
  if (fire.reason === "replace") {
    return (
      `The job is busy: ${holder} holds it${since}, and was asked to stop (overlap "replace"). ` +
      "The fire is buffered and runs once that run has stopped."
    );
  }
  return `The job is busy (${holder} holds it${since}): the fire is buffered and runs when the job frees.`;
}
