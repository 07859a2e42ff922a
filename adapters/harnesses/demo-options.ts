import { z } from "zod";
import { strictOptionsObject } from "#adapters/secrets/option-schemas.ts";
import type { HarnessDescriptor } from "#core/agents/harness.ts";

/** Options of the `demo` harness: a deterministic, offline stand-in for a model. */
export const demoOptionsSchema = strictOptionsObject({
  output: z
    .string()
    .default("demo turn of {jobId} ({runId}): {prompt}")
    .describe(
      "The output. Placeholders: `{prompt}`, `{jobId}`, `{runId}`, `{tools}` (names of the tools the turn offers, comma-separated) and `{toolResults}` (one line per `callTools` result).",
    ),
  delayMs: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      'How long the turn "thinks"; the wait ends early when the turn is stopped (unless `ignoreAbort`).',
    ),
  fail: z
    .union([z.boolean(), z.string().min(1)])
    .default(false)
    .describe("Fail the turn: `true`, or the failure message."),
  failRate: z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe(
      "Share of runs that fail, decided by a hash of the run id: the same run id always gets the same outcome, so tests are reproducible.",
    ),
  callTools: z
    .array(z.strictObject({ tool: z.string().min(1), args: z.record(z.string(), z.unknown()).default({}) }))
    .default([])
    .describe(
      "Tools to call, in order, through the turn's tools (proves that plugins' tools reach the harness).",
    ),
  blockEventLoopMs: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      "Busy-loops synchronously for this long before anything else, blocking the event loop. It exists to simulate field report 2 (a hung session froze a whole gateway): tests use it to prove that a blocked turn is stopped by the process ceiling without delaying other runs.",
    ),
  ignoreAbort: z
    .boolean()
    .default(false)
    .describe(
      "Keep going after the turn's signal aborts (the delay runs to its end and the turn completes), to test the grace period and the hard ceiling.",
    ),
});

export type DemoOptions = z.infer<typeof demoOptionsSchema>;

/**
 * The `demo` harness as the job schema knows it — its name and options — without its implementation
 * or SDK, so functions that only validate jobs (dispatch, sweep, job apply) do not bundle them.
 */
export const demoDescriptor: HarnessDescriptor<DemoOptions> = {
  name: "demo",
  description:
    "Deterministic offline harness for the local quickstart and tests (templated output, delays, failures).",
  optionsSchema: demoOptionsSchema,
};
