import { type Harness, HarnessAbortedError, HarnessFailedError } from "#core/agents/harness.ts";
import type { Clock } from "#core/clock.ts";
import type { HarnessEnding, History } from "./history.ts";
import { currentOrigin } from "./origin.ts";

/**
 * The real `demo` harness, unchanged, with each execution recorded in the history: which run, when
 * it started and ended (simulated time), and how it ended — returned, threw HarnessFailedError
 * (`failRate`), was aborted, or threw anything else.
 */
export function recordingHarness<Options>(
  harness: Harness<Options>,
  history: History,
  clock: Clock,
): Harness<Options> {
  return {
    name: harness.name,
    description: harness.description,
    optionsSchema: harness.optionsSchema,
    async run(input) {
      const origin = currentOrigin();
      const execution = history.harnessStarted({
        jobId: input.jobId,
        runId: input.runId,
        invocation: origin?.kind === "invocation" ? origin : undefined,
        startedAt: clock.now(),
      });
      const end = (ending: HarnessEnding, error?: unknown) => {
        // A killed invocation's execution was closed at the kill; its process never got further.
        if (execution.endedAt !== undefined) return;
        execution.endedAt = clock.now();
        execution.ending = ending;
        if (error instanceof Error) execution.errorClass = error.name;
      };
      try {
        const result = await harness.run(input);
        end("returned");
        return result;
      } catch (error) {
        end(
          error instanceof HarnessFailedError
            ? "failed"
            : error instanceof HarnessAbortedError
              ? "aborted"
              : "threw",
          error,
        );
        throw error;
      }
    },
  };
}
