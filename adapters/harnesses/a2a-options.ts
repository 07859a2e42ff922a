import { z } from "zod";
import {
  httpUrlSchema,
  nonSecretHeadersSchema,
  secretReferenceSchema,
  strictOptionsObject,
} from "#adapters/secrets/option-schemas.ts";
import type { HarnessDescriptor } from "#core/agents/harness.ts";

/** Options of the `a2a` harness (strict; the bearer token only through `authTokenRef`). */
export const a2aOptionsSchema = strictOptionsObject({
  url: httpUrlSchema.describe("The remote agent's JSON-RPC endpoint (the `url` of its agent card)."),
  headers: nonSecretHeadersSchema("authTokenRef")
    .default({})
    .describe("Non-secret HTTP headers sent with every request. Authorization belongs in `authTokenRef`."),
  authTokenRef: secretReferenceSchema
    .optional()
    .describe("Secret reference of a bearer token sent as `Authorization: Bearer <token>`."),
  pollIntervalMs: z
    .number()
    .int()
    .min(50)
    .max(60_000)
    .default(1_000)
    .describe("Pause between `tasks/get` polls while the remote task is not finished."),
});

export type A2aOptions = z.infer<typeof a2aOptionsSchema>;

/**
 * The `a2a` harness as the job schema knows it — its name and options — without its implementation
 * or SDK, so functions that only validate jobs (dispatch, sweep, job apply) do not bundle them.
 */
export const a2aDescriptor: HarnessDescriptor<A2aOptions> = {
  name: "a2a",
  description: "Sends the prompt to a remote agent over A2A JSON-RPC (message/send, polling tasks/get).",
  optionsSchema: a2aOptionsSchema,
};
