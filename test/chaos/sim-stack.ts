import type { SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { createDynamoStore } from "#adapters/dynamodb/dynamo-store.ts";
import type { TableContext } from "#adapters/dynamodb/table-context.ts";
import { demoHarness } from "#adapters/harnesses/demo.ts";
import { builtInPluginTypes } from "#adapters/plugins/index.ts";
import { createRegistry } from "#adapters/registry.ts";
import { createSecretResolver } from "#adapters/secrets/secret-resolver.ts";
import type { QueueUrls } from "#adapters/sqs/create-queues.ts";
import { type QueueRole, queueName } from "#adapters/sqs/queue-definitions.ts";
import type { Harness } from "#core/agents/harness.ts";
import type { LifecycleEvent } from "#core/ports.ts";
import { armFireWatches } from "#core/schedules/arm-fire-watches.ts";
import { createDependencies } from "#functions/commons/dependencies.ts";
import {
  dispatchDependenciesOf,
  sweepDependenciesOf,
  turnDependenciesOf,
} from "#functions/commons/wiring.ts";
import { createDispatchHandler } from "#functions/handlers/dispatch-handler.ts";
import { createSweepHandler } from "#functions/handlers/sweep-handler.ts";
import { createTurnHandler } from "#functions/handlers/turn-handler.ts";
import { ensureQueues, ensureTable } from "#local/resources.ts";
import type { Emulators } from "./emulators.ts";
import { EventSourceMapping } from "./event-source-mapping.ts";
import type { History } from "./history.ts";
import type { ServiceOrigin } from "./origin.ts";
import { recordingHarness } from "./recording-harness.ts";
import type { ScenarioJob } from "./scenarios.ts";
import type { SimClock } from "./sim-clock.ts";
import { type InvocationTracker, SimFunction } from "./sim-function.ts";
import type { SimNetwork } from "./sim-network.ts";
import { CountingMetrics, simLogger } from "./sim-observers.ts";

/**
 * The deployed sizing (infra/functions.ts): dispatch's timeout and its event source (batch 10, at
 * most 5 at once), the turn's event source (batch 1; its concurrency is a scenario parameter,
 * deployed as 20), the sweeper's timeout. Written out here because importing the CDK constructs
 * costs seconds per run.
 */
export const DEPLOYED = {
  dispatchTimeoutSeconds: 30,
  dispatchBatchSize: 10,
  dispatchMaxConcurrency: 5,
  turnBatchSize: 1,
  sweepTimeoutSeconds: 60,
  sweepIntervalMs: 60_000,
} as const;

const TABLE_NAME = "agentcron-chaos";
const QUEUE_PREFIX = "agentcron-chaos";
const SWEEP_SCHEDULE: ServiceOrigin = { kind: "service", name: "sweep-schedule" };

export interface SimStack {
  /** The table, read directly (outside the simulated network) to set up and to check at the end. */
  readonly table: TableContext;
  readonly queues: QueueUrls;
  readonly queueNames: Record<QueueRole | `${QueueRole}Dlq`, string>;
  readonly mappings: readonly EventSourceMapping[];
  readonly metrics: CountingMetrics;
  readonly events: LifecycleEvent[];
  /** The SQS client of the simulated AWS services (EventBridge deliveries, event source mappings). */
  readonly serviceSqs: SQSClient;
  /**
   * Starts the sweeper's schedule: one invocation every simulated minute from `firstAt` (a rate
   * rule's phase is set by when it was created, not by the jobs' minutes).
   */
  startSweeper(firstAt: number): void;
  stopSweeper(): void;
}

/**
 * Builds the stack the way Lambda runs it: the table and queues from the stack's own definitions
 * (visibility timeouts 6× the function timeouts, maxReceiveCount and DLQs), the REAL handlers
 * wired through functions/commons/wiring.ts with clients whose requests go through the simulated
 * network, the sim clock, and a registry whose `demo` harness records each execution.
 */
export async function buildSimStack(options: {
  emulators: Emulators;
  clock: SimClock;
  network: SimNetwork;
  history: History;
  tracker: InvocationTracker;
  jobSpecs: readonly ScenarioJob[];
  turnTimeoutSeconds: number;
  turnMaxConcurrency: number;
  verbose: boolean;
}): Promise<SimStack> {
  const { emulators, clock, network, history, tracker } = options;
  const table: TableContext = { client: emulators.dynamoClient(), tableName: TABLE_NAME };
  await ensureTable(table.client, TABLE_NAME);
  const queues = await ensureQueues(emulators.sqsClient(), QUEUE_PREFIX, {
    dispatchSeconds: DEPLOYED.dispatchTimeoutSeconds,
    turnSeconds: options.turnTimeoutSeconds,
  });
  const direct = createDynamoStore(table);
  for (const spec of options.jobSpecs) await direct.jobs.putJob(spec, undefined, clock.now());
  // Expected fires, armed as a deploy arms them: the sweeper's missed-fire detection runs on every
  // pass, and must never call a fire that came (late, twice, through faults) "never arrived".
  await armFireWatches(
    direct.fireWatch,
    options.jobSpecs.map((spec) => ({
      id: spec.id,
      schedule: spec.schedule,
      enabled: true,
      startDeadlineSeconds: spec.startDeadlineSeconds,
    })),
    [],
    clock.now(),
  );

  const application = { dynamodb: emulators.dynamoClient(), sqs: emulators.sqsClient() };
  network.attach(application.dynamodb, "dynamodb");
  network.attach(application.sqs, "sqs");
  const serviceSqs = emulators.sqsClient();
  network.attach(serviceSqs, "sqs");

  const metrics = new CountingMetrics();
  const events: LifecycleEvent[] = [];
  const registry = createRegistry(
    [recordingHarness(demoHarness, history, clock) as Harness],
    builtInPluginTypes,
  );
  const deps = createDependencies(
    {
      tableName: TABLE_NAME,
      ...queues,
      turnFunctionTimeoutSeconds: options.turnTimeoutSeconds,
      serviceName: "agentcron-chaos",
    },
    {
      clients: application,
      clock,
      registry,
      metrics,
      // Lifecycle events are recorded in memory: the simulation has no EventBridge bus.
      events: { publish: async (published) => void events.push(...published) },
      log: simLogger(clock, options.verbose),
      secrets: createSecretResolver({ env: {} }),
    },
  );

  const sim = { clock, network, history, tracker };
  const dispatch = new SimFunction<SQSEvent, SQSBatchResponse>(
    "dispatch",
    DEPLOYED.dispatchTimeoutSeconds * 1000,
    createDispatchHandler(dispatchDependenciesOf(deps)),
    sim,
  );
  const turn = new SimFunction<SQSEvent, SQSBatchResponse>(
    "turn",
    options.turnTimeoutSeconds * 1000,
    createTurnHandler(turnDependenciesOf(deps)),
    sim,
  );
  const sweep = new SimFunction(
    "sweep",
    DEPLOYED.sweepTimeoutSeconds * 1000,
    createSweepHandler(sweepDependenciesOf(deps)),
    sim,
  );

  const queueNames = {
    fires: queueName(QUEUE_PREFIX, "fires"),
    firesDlq: queueName(QUEUE_PREFIX, "fires", true),
    turns: queueName(QUEUE_PREFIX, "turns"),
    turnsDlq: queueName(QUEUE_PREFIX, "turns", true),
  };
  const arnOf = (name: string) => emulators.fauxqs.inspectQueue(name)?.arn ?? name;
  const mappings = [
    new EventSourceMapping({
      queueName: queueNames.fires,
      queueUrl: queues.firesQueueUrl,
      queueArn: arnOf(queueNames.fires),
      batchSize: DEPLOYED.dispatchBatchSize,
      maxConcurrency: DEPLOYED.dispatchMaxConcurrency,
      fn: dispatch,
      sqs: serviceSqs,
      fauxqs: emulators.fauxqs,
      clock,
    }),
    new EventSourceMapping({
      queueName: queueNames.turns,
      queueUrl: queues.turnsQueueUrl,
      queueArn: arnOf(queueNames.turns),
      batchSize: DEPLOYED.turnBatchSize,
      maxConcurrency: options.turnMaxConcurrency,
      fn: turn,
      sqs: serviceSqs,
      fauxqs: emulators.fauxqs,
      clock,
    }),
  ];

  let sweeping = false;
  const tick = (at: number) => {
    clock.schedule(at, SWEEP_SCHEDULE, () => {
      if (!sweeping) return;
      // EventBridge invokes the sweeper asynchronously: a slow sweep may overlap the next one.
      void sweep.invoke(undefined, "sweep");
      tick(at + DEPLOYED.sweepIntervalMs);
    });
  };
  return {
    table,
    queues,
    queueNames,
    mappings,
    metrics,
    events,
    serviceSqs,
    startSweeper(firstAt) {
      sweeping = true;
      tick(firstAt);
    },
    stopSweeper() {
      sweeping = false;
    },
  };
}
