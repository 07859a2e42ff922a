import type { z } from "zod";
import type { Logger } from "../logger.ts";
import type { SecretResolver } from "./secrets.ts";
import type { AgentTool } from "./tool.ts";

/** A plugin type (e.g. `mcp`) as the job schema knows it: name + options schema. */
export interface PluginTypeDescriptor<Options = unknown> {
  readonly type: string;
  readonly description: string;
  readonly optionsSchema: z.ZodType<Options>;
}

export interface PluginStartInput<Options = unknown> {
  /** The plugin's name in the job (unique within the job); prefixes its tools' names. */
  readonly name: string;
  readonly options: Options;
  /** Aborted at the plugin's own init timeout (`timeoutSeconds`) or when the run stops. */
  readonly signal: AbortSignal;
  readonly deadlineAt: number;
  readonly secrets: SecretResolver;
  readonly log: Logger;
}

export interface StartedPlugin {
  readonly tools: readonly AgentTool[];
  /** Releases connections/child processes; must not throw and must finish quickly. */
  close(): Promise<void>;
}

export interface PluginType<Options = unknown> extends PluginTypeDescriptor<Options> {
  /**
   * Initialises the plugin (connect, handshake, list tools) and honours `signal`: when it aborts,
   * start must reject promptly and leave nothing running.
   */
  start(input: PluginStartInput<Options>): Promise<StartedPlugin>;
}
