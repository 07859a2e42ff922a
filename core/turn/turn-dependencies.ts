import type { AgentRegistry } from "../agents/registry.ts";
import type { SecretResolver } from "../agents/secrets.ts";
import type { Clock } from "../clock.ts";
import type { JobValidationContext } from "../jobs/job-schema.ts";
import type { Logger } from "../logger.ts";
import type { LifecycleEvents, Metrics, RunStore } from "../ports.ts";
import type { HealthTracking } from "../stats/track-job-health.ts";
import type { TurnTiming } from "./turn-timing.ts";

/** What a turn needs. It sends nothing to a queue: buffered fires are drained by the sweeper. */
export interface TurnDependencies {
  readonly store: RunStore;
  readonly registry: AgentRegistry;
  readonly secrets: SecretResolver;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly events: LifecycleEvents;
  /** The job's health is re-evaluated when the run ends. */
  readonly health: HealthTracking;
  readonly log: Logger;
  readonly validation: JobValidationContext;
  readonly timing?: TurnTiming;
  /** Aborted when the process running the turn is shutting down: the run stops and records itself. */
  readonly shutdownSignal?: AbortSignal;
}
