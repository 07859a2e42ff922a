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
  toolCallTimeoutSeconds: z
    .number()
    .positive()
    .max(3600)
    .default(30)
    .describe("Bound on each tool call (the harness's own per-call bound and the turn's signal apply too)."),
  tools: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe("Allow-list of the server's tool names offered to the agent. Default: all the server's tools."),
};

const streamableHttpOptionsSchema = strictOptionsObject({
  transport: z.literal("streamable-http"),
  url: httpUrlSchema.describe("The server's MCP endpoint."),
  headers: nonSecretHeadersSchema("authTokenRef")
    .default({})
    .describe("Non-secret headers; a bearer token belongs in `authTokenRef`."),
  authTokenRef: secretReferenceSchema
    .optional()
    .describe("Secret reference of a bearer token sent as `Authorization: Bearer <token>`."),
  ...sharedShape,
});

const stdioOptionsSchema = strictOptionsObject(
  {
    transport: z.literal("stdio"),
    command: z.string().min(1).describe("The server program; never run through a shell."),
    args: z
      .array(z.string())
      .default([])
      .describe("Its arguments, one element each (no shell quoting or expansion)."),
    env: z
      .record(environmentVariableNameSchema, z.string())
      .default({})
      .describe("Non-secret variables for the server."),
    envFromSecrets: z
      .record(environmentVariableNameSchema, secretReferenceSchema)
      .default({})
      .describe("ENV_NAME → secret reference, resolved at each start."),
    inheritEnv: z
      .array(environmentVariableNameSchema)
      .default([])
      .describe("Runtime variables passed through besides HOME, PATH and the like."),
    cwd: z
      .string()
      .min(1)
      .optional()
      .describe("Working directory. Default: the runtime's working directory."),
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
