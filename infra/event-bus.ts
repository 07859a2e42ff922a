import * as events from "aws-cdk-lib/aws-events";
import { Construct } from "constructs";
import { LIFECYCLE_EVENT_SOURCE } from "#adapters/events/eventbridge-events.ts";

export interface LifecycleBusProps {
  /** @example "agentcron-dev-runs" */
  readonly eventBusName: string;
}

/**
 * The bus for run lifecycle events (`source: "agentcron"`, detail-type `Run Succeeded`, `Run
 * Stalled`, ...). Its own bus, not the default one, so consumers' rules and permissions concern
 * agentcron's events only.
 */
export class LifecycleBus extends Construct {
  readonly bus: events.EventBus;
  /** The `source` every event on the bus carries; consumers' rules match on it. */
  readonly eventSource = LIFECYCLE_EVENT_SOURCE;

  constructor(scope: Construct, id: string, props: LifecycleBusProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, "Bus", {
      eventBusName: props.eventBusName,
      description: "agentcron run lifecycle events",
    });
  }
}
