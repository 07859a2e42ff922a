import { pluginProgress } from "#core/runs/diagnostics.ts";
import type { PhaseName, RunRecord } from "#core/runs/run-record.ts";
import { describeTime } from "#core/time-format.ts";

/** What the "Next:" hint needs besides the run. */
export interface NextActionContext {
  /** Where the turn logs are (a file locally, a log group in AWS). */
  readonly turnLogs: string;
  /** The job's stored spec, when it still exists (to name a plugin's server and the budgets). */
  readonly jobSpec?: Record<string, unknown>;
}

const PHASE_BUDGET_FIELD: Record<PhaseName, string> = {
  setup: "timeouts.setupSeconds",
  "runtime-plugins": "timeouts.runtimePluginsSeconds",
  "agent-turn": "timeouts.agentTurnSeconds",
  finalize: "timeouts.finalizeSeconds",
};

/**
 * The next thing to check for a run, derived from its status and error class — the operator's
 * first step, not a restatement of the error: a plugin that hung → its server; an unregistered
 * harness → the job or the build; abandoned → the turn logs and the DLQ; timed out → the budgets
 * or the prompt; cancelled → the overlap policy.
 */
export function nextAction(run: RunRecord, context: NextActionContext): string {
  const errorClass = run.error?.class ?? "";
  const logs = `the turn logs of run ${run.runId} (${context.turnLogs})`;
  const pluginName = run.error?.plugin ?? pluginProgress(run).inFlight[0]?.name;

  if (run.status === "succeeded") return "nothing: the run succeeded.";
  if (run.status === "queued") {
    const deadline =
      run.startDeadlineAt !== undefined
        ? ` until its start deadline ${describeTime(run.startDeadlineAt)}`
        : "";
    return `the run is waiting for a turn to pick it up${deadline}; the sweeper hands it off again if its handoff was lost. If it stays queued, check the turns queue and its DLQ (agentcron doctor, agentcron dlq list turns) and the turn function's errors and throttles.`;
  }
  if (run.status === "running") {
    const inFlight = pluginProgress(run).inFlight[0];
    if (run.phase === "runtime-plugins" && inFlight) {
      return `plugin "${inFlight.name}" is starting${inFlight.deadlineAt !== undefined ? ` (its deadline is ${describeTime(inFlight.deadlineAt)})` : ""}: if it does not get ready, check ${pluginServer(inFlight.name, context)}.`;
    }
    return `the run is in phase ${run.phase ?? "setup"}: follow it with \`agentcron run ${run.jobId} --wait\` or inspect it again; if it hangs, read ${logs}.`;
  }

  if (errorClass === "HarnessNotRegisteredError") {
    const harness = harnessOf(context);
    return `the job names harness${harness ? ` "${harness}"` : ""}, which this deployment does not register: fix the job's agent.harness and apply it (agentcron jobs apply -f jobs.json), or deploy a build that registers that harness. \`agentcron doctor\` lists every such job.`;
  }
  if (errorClass === "PluginTypeNotRegisteredError") {
    return "the job names a plugin type this deployment does not register: fix the job's plugins[].type and apply it, or deploy a build that registers it. `agentcron doctor` lists every such job.";
  }
  if (
    pluginName &&
    (errorClass === "PluginInitError" || run.status === "stalled" || run.phase === "runtime-plugins")
  ) {
    const index = pluginIndex(pluginName, context);
    const field = index !== undefined ? `plugins[${index}]` : "the plugin";
    return `check plugin "${pluginName}": ${pluginServer(pluginName, context)} — is it up and answering? If it is just slow, raise ${field}.timeoutSeconds (and timeouts.runtimePluginsSeconds); if the run can do without it, set ${field}.required to false.`;
  }
  if (errorClass === "SecretNotFoundError" || errorClass === "SecretUnavailableError") {
    return "a secret reference in the job did not resolve: check that the environment variable, Secrets Manager secret or SSM parameter it names exists and the turn can read it.";
  }
  if (errorClass === "JobNotRunnableError") {
    return `the job changed or was deleted after this run was queued: \`agentcron jobs show ${run.jobId}\`.`;
  }

  if (errorClass === "StoreUnavailableError") {
    return "the store (DynamoDB) stayed unavailable longer than the run could wait — not the agent's fault: check the table's throttling and errors in CloudWatch (agentcron doctor). The job runs again at its next fire.";
  }
  switch (run.status) {
    case "not-started":
      return `no turn began it before its start deadline: ${run.error?.message ?? "see the diagnostic"}. A waiting backlog means the turn function is saturated (raise its concurrency or spread the schedules); an idle queue means the handoffs were lost or the turn fails before beginning — check the turn function's errors and the turns DLQ (agentcron dlq list turns).`;
    case "abandoned":
      return `its process died without recording an end (a crash, a kill, out of memory or the function timeout): read ${logs}${run.lastHeartbeatAt !== undefined ? ` around ${describeTime(run.lastHeartbeatAt)}` : ""}, and check the turns dead-letter queue (agentcron dlq list turns).`;
    case "timed-out": {
      const phase = run.error?.phase ?? run.phase;
      const budget =
        errorClass === "PhaseTimeoutError" && phase
          ? PHASE_BUDGET_FIELD[phase]
          : "maxRunSeconds (and the phase timeouts)";
      if (errorClass === "RunCeilingExceededError") {
        return `it passed its ceiling without stopping itself — a blocked event loop, or its process was lost near the end: read ${logs}${run.lastHeartbeatAt !== undefined ? ` around ${describeTime(run.lastHeartbeatAt)}` : ""} before changing any budget.`;
      }
      return `the run used up its time: raise ${budget} within the turn function's timeout, or shorten the prompt or the work it asks for. ${capitalize(logs)} show where the time went.`;
    }
    case "stalled":
      return `phase ${run.error?.phase ?? run.phase ?? "?"} passed its deadline without ending: read ${logs} for what it was waiting on; retryOnStall retries such runs.`;
    case "cancelled":
      return errorClass === "RuntimeShutdownError"
        ? "the runtime running it shut down (Ctrl-C of the local runtime, or Lambda's shutdown): the job runs again at its next fire."
        : `a newer fire stopped it: the job's overlap policy is "replace". Use "buffer-one" (the default) if runs should finish before the next one starts.`;
    case "failed":
      return `the agent turn failed with ${errorClass || "an error"}: read the error above and ${logs}.`;
    default:
      return `read ${logs}.`;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function pluginSpecs(context: NextActionContext): Record<string, unknown>[] {
  const plugins = context.jobSpec?.plugins;
  return Array.isArray(plugins) ? (plugins as Record<string, unknown>[]) : [];
}

function pluginIndex(name: string, context: NextActionContext): number | undefined {
  const index = pluginSpecs(context).findIndex((plugin) => plugin.name === name);
  return index >= 0 ? index : undefined;
}

/** `its server at http://…` / `its stdio server "npx …"` / `its server`, from the job's plugin options. */
function pluginServer(name: string, context: NextActionContext): string {
  const plugin = pluginSpecs(context).find((candidate) => candidate.name === name);
  const options = (plugin?.options ?? {}) as Record<string, unknown>;
  const type = typeof plugin?.type === "string" ? `${plugin.type} ` : "";
  if (typeof options.url === "string") return `its ${type}server at ${options.url}`;
  if (typeof options.command === "string") {
    const args = Array.isArray(options.args) ? ` ${options.args.join(" ")}` : "";
    return `its ${type}stdio server "${options.command}${args}"`;
  }
  return `its ${type}server`;
}

function harnessOf(context: NextActionContext): string | undefined {
  const agent = context.jobSpec?.agent as { harness?: unknown } | undefined;
  return typeof agent?.harness === "string" ? agent.harness : undefined;
}
