import type { ValidationIssue } from "../errors.ts";

/**
 * Lambda's hard limit on a function's timeout. The turn function's timeout is derived from the
 * jobs' budgets and can never exceed this, so no job's ceiling may either.
 */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/**
 * Seconds the turn function keeps beyond a run's `maxRunSeconds`: time to abort the harness, close
 * plugins and write the outcome after the ceiling fires, before Lambda itself kills the invocation.
 */
export const CEILING_MARGIN_SECONDS = 30;

export interface TimeBudget {
  readonly setupSeconds: number;
  readonly runtimePluginsSeconds: number;
  readonly agentTurnSeconds: number;
  readonly finalizeSeconds: number;
  readonly maxRunSeconds: number;
  readonly leaseSeconds: number;
  readonly pluginTimeouts: readonly { readonly name: string; readonly timeoutSeconds: number }[];
}

/**
 * Checks DESIGN invariant 8: every budget fits inside the one that contains it —
 * plugins (initialised one after another) inside runtime-plugins, the four phases inside
 * maxRunSeconds, and maxRunSeconds plus the ceiling margin inside the turn function's timeout.
 * Returns one issue per violated rule, with the path of the field to change.
 */
export function checkTimeBudget(
  budget: TimeBudget,
  functionTimeoutSeconds = LAMBDA_MAX_TIMEOUT_SECONDS,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const pluginSum = budget.pluginTimeouts.reduce((sum, plugin) => sum + plugin.timeoutSeconds, 0);
  if (pluginSum > budget.runtimePluginsSeconds) {
    const parts = budget.pluginTimeouts.map((p) => `${p.name} ${p.timeoutSeconds}s`).join(" + ");
    issues.push({
      path: "timeouts.runtimePluginsSeconds",
      message:
        `${budget.runtimePluginsSeconds}s is less than the plugins' own timeouts (${parts} = ${pluginSum}s); ` +
        `plugins start one after another, so raise it to at least ${pluginSum} or lower the plugins' timeoutSeconds`,
    });
  }
  const phaseSum =
    budget.setupSeconds + budget.runtimePluginsSeconds + budget.agentTurnSeconds + budget.finalizeSeconds;
  if (phaseSum > budget.maxRunSeconds) {
    issues.push({
      path: "maxRunSeconds",
      message:
        `${budget.maxRunSeconds}s is less than the sum of the phase timeouts (setup ${budget.setupSeconds} + ` +
        `runtime-plugins ${budget.runtimePluginsSeconds} + agent-turn ${budget.agentTurnSeconds} + ` +
        `finalize ${budget.finalizeSeconds} = ${phaseSum}s); raise maxRunSeconds to at least ${phaseSum} or shorten a phase`,
    });
  }
  const ceilingLimit = functionTimeoutSeconds - CEILING_MARGIN_SECONDS;
  if (budget.maxRunSeconds > ceilingLimit) {
    issues.push({
      path: "maxRunSeconds",
      message:
        `${budget.maxRunSeconds}s does not fit in the turn function's ${functionTimeoutSeconds}s timeout ` +
        `(with ${CEILING_MARGIN_SECONDS}s kept to record the outcome); use at most ${ceilingLimit}s`,
    });
  }
  return issues;
}

/** How often a running turn renews its lease: three chances before it would expire. */
export function heartbeatIntervalMs(leaseSeconds: number): number {
  return Math.floor((leaseSeconds * 1000) / 3);
}
