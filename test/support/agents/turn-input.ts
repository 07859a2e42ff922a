import { createSecretResolver } from "#adapters/secrets/secret-resolver.ts";
import type { HarnessTurnInput } from "#core/agents/harness.ts";
import type { AgentTool } from "#core/agents/tool.ts";
import { systemClock } from "#core/clock.ts";
import { silentLogger } from "#core/logger.ts";

/**
 * A turn input for a harness under test: real secret resolver over `env`, a fresh signal, a deadline
 * one minute out. Override anything.
 */
export function turnInput<Options>(
  options: Options,
  overrides: Partial<Omit<HarnessTurnInput<Options>, "options">> & { env?: Record<string, string> } = {},
): HarnessTurnInput<Options> {
  const { env = {}, ...rest } = overrides;
  return {
    jobId: "job-test",
    runId: "run-test",
    prompt: "What is the status of order 42?",
    tools: [] as readonly AgentTool[],
    signal: new AbortController().signal,
    deadlineAt: Date.now() + 60_000,
    clock: systemClock,
    secrets: createSecretResolver({ env }),
    log: silentLogger,
    options,
    ...rest,
  };
}
