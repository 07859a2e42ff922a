import { z } from "zod";
import {
  environmentVariableNameSchema,
  secretReferenceSchema,
  strictOptionsObject,
} from "#adapters/secrets/option-schemas.ts";
import type { HarnessDescriptor } from "#core/agents/harness.ts";

/** Options of the `command` harness (strict; secrets only through `envFromSecrets`). */
export const commandOptionsSchema = strictOptionsObject(
  {
    command: z
      .string()
      .min(1)
      .describe("The program to run (a path, or a name looked up on PATH). Never run through a shell."),
    args: z
      .array(z.string())
      .default([])
      .describe("Its arguments, one element each (no shell quoting or expansion)."),
    cwd: z
      .string()
      .min(1)
      .optional()
      .describe("Working directory. Default: the runtime's working directory."),
    env: z
      .record(environmentVariableNameSchema, z.string())
      .default({})
      .describe("Non-secret variables for the child."),
    envFromSecrets: z
      .record(environmentVariableNameSchema, secretReferenceSchema)
      .default({})
      .describe("Variables whose values are secrets: ENV_NAME → secret reference, resolved at each turn."),
    inheritEnv: z
      .array(environmentVariableNameSchema)
      .default([])
      .describe(
        "Runtime variables passed through besides HOME, PATH, LANG and the like. The rest of the runtime's environment (including its AWS credentials) is not inherited.",
      ),
    maxOutputBytes: z
      .number()
      .int()
      .positive()
      .max(64 * 1024 * 1024)
      .default(1024 * 1024)
      .describe(
        "Bytes of stdout kept as the turn's output; the rest is drained and dropped, and the output says so.",
      ),
    killGraceSeconds: z
      .number()
      .min(0)
      .max(60)
      .default(5)
      .describe(
        "Seconds between SIGTERM and SIGKILL when the turn is stopped. The turn's own grace period must be longer for the partial output to be reported.",
      ),
  },
  {
    shell: "commands never run through a shell; put the program in command and each argument in args",
  },
);

export type CommandOptions = z.infer<typeof commandOptionsSchema>;

/**
 * The `command` harness as the job schema knows it — its name and options — without its implementation
 * or SDK, so functions that only validate jobs (dispatch, sweep, job apply) do not bundle them.
 */
export const commandDescriptor: HarnessDescriptor<CommandOptions> = {
  name: "command",
  description:
    "Runs a local CLI agent: prompt on stdin, stdout as output, killed as a process group on stop.",
  optionsSchema: commandOptionsSchema,
};
