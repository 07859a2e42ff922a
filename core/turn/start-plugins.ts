import type { PluginType, StartedPlugin } from "../agents/plugin.ts";
import type { AgentRegistry } from "../agents/registry.ts";
import type { SecretResolver } from "../agents/secrets.ts";
import type { AgentTool } from "../agents/tool.ts";
import type { Clock } from "../clock.ts";
import { deadlineSignal } from "../clock.ts";
import type { JobDefinition } from "../jobs/job-schema.ts";
import type { Logger } from "../logger.ts";
import type { PluginRecord } from "../runs/run-record.ts";
import { settleWithin } from "./deadline-signal.ts";
import { PluginInitError } from "./stop-reasons.ts";

/** A plugin's own init timeout passed (its `timeoutSeconds`). */
export class PluginTimeoutError extends Error {
  override name = "PluginTimeoutError";
  constructor(
    readonly plugin: string,
    readonly timeoutSeconds: number,
  ) {
    super(`plugin "${plugin}" did not start within its ${timeoutSeconds}s timeout`);
  }
}

export interface StartedPlugins {
  readonly tools: AgentTool[];
  readonly started: { readonly name: string; readonly plugin: StartedPlugin }[];
}

/** The plugins of a job as they are before the run starts any. */
export function pendingPluginRecords(job: Pick<JobDefinition, "plugins">): PluginRecord[] {
  return job.plugins.map((plugin, index) => ({
    name: plugin.name,
    type: plugin.type,
    index,
    required: plugin.required,
    state: "pending",
  }));
}

/**
 * The runtime-plugins phase. Plugins start one after another, each bounded by its own timeout (an
 * AbortSignal passed all the way down), so one slow plugin cannot eat the others' time and the
 * record always names the one in flight (field report 1). Each plugin's start is written, with its
 * deadline, before it starts (DESIGN invariant 3); its outcome after. An optional plugin that
 * fails or times out is recorded and left out; a required one ends the phase with PluginInitError.
 *
 * `record(plugins)` writes plugin records (fenced); the last outcome is returned unwritten so the
 * caller can fold it into the next phase transition.
 *
 * @throws PluginInitError when a required plugin fails; the phase's signal reason when it aborts.
 */
export async function startPlugins(params: {
  job: Pick<JobDefinition, "plugins">;
  registry: Pick<AgentRegistry, "pluginType">;
  secrets: SecretResolver;
  clock: Clock;
  log: Logger;
  /** Aborts at the phase deadline or when the run must stop. */
  phaseSignal: AbortSignal;
  record: (plugins: PluginRecord[]) => Promise<void>;
  started: StartedPlugins;
}): Promise<{ unwritten: PluginRecord[] }> {
  const records = pendingPluginRecords(params.job);
  let unwritten: PluginRecord[] = [];
  for (const [index, spec] of params.job.plugins.entries()) {
    const startedAt = params.clock.now();
    const deadlineAt = startedAt + spec.timeoutSeconds * 1000;
    const starting: PluginRecord = {
      ...(records[index] as PluginRecord),
      state: "starting",
      startedAt,
      deadlineAt,
    };
    records[index] = starting;
    await params.record([...unwritten, starting]);
    unwritten = [];

    const own = deadlineSignal(
      params.clock,
      spec.timeoutSeconds * 1000,
      new PluginTimeoutError(spec.name, spec.timeoutSeconds),
    );
    const signal = AbortSignal.any([params.phaseSignal, own.signal]);
    try {
      const pluginType: PluginType = params.registry.pluginType(spec.type);
      const start = pluginType.start({
        name: spec.name,
        // Validated when the job was read; parsed again here for the type's defaults.
        options: pluginType.optionsSchema.parse(spec.options),
        signal,
        deadlineAt,
        secrets: params.secrets,
        log: params.log.child({ plugin: spec.name }),
      });
      // A plugin that ignores its signal must not hold the phase; if it starts anyway, close it.
      start.then(
        (late) => {
          if (signal.aborted) void late.close();
        },
        () => {},
      );
      const plugin = await settleWithin(params.clock, start, signal);
      params.started.started.push({ name: spec.name, plugin });
      params.started.tools.push(...plugin.tools);
      records[index] = {
        ...starting,
        state: "ready",
        endedAt: params.clock.now(),
        toolCount: plugin.tools.length,
      };
      unwritten = [records[index] as PluginRecord];
    } catch (error) {
      // The plugin may give up a moment before our own timer (its SDK runs to the same deadline).
      const timedOut =
        (own.signal.aborted || params.clock.now() >= deadlineAt - 250) && !params.phaseSignal.aborted;
      const message = error instanceof Error ? error.message : String(error);
      records[index] = {
        ...starting,
        state: timedOut ? "timed-out" : "failed",
        endedAt: params.clock.now(),
        error: message,
      };
      unwritten = [records[index] as PluginRecord];
      if (params.phaseSignal.aborted) {
        await params.record(unwritten).catch(() => {});
        throw params.phaseSignal.reason;
      }
      if (spec.required) {
        await params.record(unwritten);
        const finished = records
          .filter((record) => record.state !== "pending")
          .map((record) => `${record.name} (${record.state})`);
        const neverStarted = records
          .filter((record) => record.state === "pending")
          .map((record) => record.name);
        throw new PluginInitError(spec.name, message, finished.slice(0, -1), neverStarted);
      }
      params.log.warn("optional plugin left out", {
        plugin: spec.name,
        state: records[index]?.state,
        error: message,
      });
    } finally {
      own.clear();
    }
  }
  return { unwritten };
}
