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
    /** The program to run (a path, or a name looked up on PATH). Never run through a shell. */
    command: z.string().min(1),
    /**
     * Its arguments, one element each (no shell quoting or expansion).
     * @default []
     */
    args: z.array(z.string()).default([]),
    /**
     * Working directory.
     * @default the runtime's working directory
     */
    cwd: z.string().min(1).optional(),
    /**
     * Non-secret variables for the child.
     * @default {}
     */
    env: z.record(environmentVariableNameSchema, z.string()).default({}),
    /**
     * Variables whose values are secrets: ENV_NAME → secret reference, resolved at each turn.
     * @default {}
     */
    envFromSecrets: z.record(environmentVariableNameSchema, secretReferenceSchema).default({}),
    /**
     * Runtime variables passed through besides HOME, PATH, LANG and the like. The rest of the
     * runtime's environment (including its AWS credentials) is not inherited.
     * @default []
     */
    inheritEnv: z.array(environmentVariableNameSchema).default([]),
    /**
     * Bytes of stdout kept as the turn's output; the rest is drained and dropped, and the output says so.
     * @default 1048576 (1 MiB)
     */
    maxOutputBytes: z
      .number()
      .int()
      .positive()
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    /**
     * Seconds between SIGTERM and SIGKILL when the turn is stopped. The turn's own grace period must
     * be longer for the partial output to be reported.
     * @default 5
     */
    killGraceSeconds: z.number().min(0).max(60).default(5),
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
