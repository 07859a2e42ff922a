import { z } from "zod";
import {
  environmentVariableNameSchema,
  httpUrlSchema,
  nonSecretHeadersSchema,
  secretReferenceSchema,
  strictOptionsObject,
} from "#adapters/secrets/option-schemas.ts";
import type { PluginTypeDescriptor } from "#core/agents/plugin.ts";

const sharedShape = {
  /**
   * Bound on each tool call (the harness's own per-call bound and the turn's signal apply too).
   * @default 30
   */
  toolCallTimeoutSeconds: z.number().positive().max(3600).default(30),
  /** Allow-list of the server's tool names offered to the agent. @default all the server's tools */
  tools: z.array(z.string().min(1)).min(1).optional(),
};

const streamableHttpOptionsSchema = strictOptionsObject({
  transport: z.literal("streamable-http"),
  /** The server's MCP endpoint. */
  url: httpUrlSchema,
  /** Non-secret headers; a bearer token belongs in `authTokenRef`. @default {} */
  headers: nonSecretHeadersSchema("authTokenRef").default({}),
  /** Secret reference of a bearer token sent as `Authorization: Bearer <token>`. */
  authTokenRef: secretReferenceSchema.optional(),
  ...sharedShape,
});

const stdioOptionsSchema = strictOptionsObject(
  {
    transport: z.literal("stdio"),
    /** The server program; never run through a shell. */
    command: z.string().min(1),
    /** @default [] */
    args: z.array(z.string()).default([]),
    /** Non-secret variables for the server. @default {} */
    env: z.record(environmentVariableNameSchema, z.string()).default({}),
    /** ENV_NAME → secret reference, resolved at each start. @default {} */
    envFromSecrets: z.record(environmentVariableNameSchema, secretReferenceSchema).default({}),
    /** Runtime variables passed through besides HOME, PATH and the like. @default [] */
    inheritEnv: z.array(environmentVariableNameSchema).default([]),
    /** @default the runtime's working directory */
    cwd: z.string().min(1).optional(),
    ...sharedShape,
  },
  { shell: "MCP servers never run through a shell; put the program in command and each argument in args" },
);

/** Options of the `mcp` plugin type, discriminated on `transport` (each variant strict). */
export const mcpOptionsSchema = z.discriminatedUnion("transport", [
  streamableHttpOptionsSchema,
  stdioOptionsSchema,
]);

export type McpOptions = z.infer<typeof mcpOptionsSchema>;

/**
 * The `mcp` plugin type as the job schema knows it — its name and options — without its implementation
 * or SDK, so functions that only validate jobs (dispatch, sweep, job apply) do not bundle them.
 */
export const mcpDescriptor: PluginTypeDescriptor<McpOptions> = {
  type: "mcp",
  description:
    "Model Context Protocol server (Streamable HTTP or stdio); its tools become the agent's tools.",
  optionsSchema: mcpOptionsSchema,
};
