import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { builtInCatalog } from "#adapters/catalog.ts";
import { createDynamoStore } from "#adapters/dynamodb/dynamo-store.ts";
import { createRuleInspector } from "#adapters/eventbridge/rule-inspector.ts";
import { createScheduleInspector } from "#adapters/eventbridge-scheduler/schedule-inspector.ts";
import { createPowertoolsLogger } from "#adapters/logging/powertools-logger.ts";
import { createSqsDeadLetters } from "#adapters/sqs/dead-letters.ts";
import { createSqsBacklog, createSqsQueue, createSqsRedelivery } from "#adapters/sqs/sqs-queue.ts";
import { systemClock } from "#core/clock.ts";
import type { ScheduleBackend } from "#core/jobs/schedule-backend.ts";
import type { ScheduleInspector } from "#core/ports.ts";
import type { SweepDependencies } from "#core/sweep/sweep.ts";
import type { JobSchedulesDependencies } from "../handlers/apply-jobs-handler.ts";
import type { DispatchHandlerDependencies } from "../handlers/dispatch-handler.ts";
import { readFunctionEnvironment } from "./environment.ts";
import { createLambdaBasics, createSqsClient, type WithLambdaLogger } from "./lambda-adapters.ts";
import { dispatchDependenciesOf, sweepDependenciesOf } from "./wiring.ts";

// Each Lambda entry builds exactly what it reads (FUNCTION_ENVIRONMENT), at cold start: a missing
// variable fails the start, naming it. These validate jobs against the descriptors' catalog, so they
// bundle no harness or plugin implementation (the turn's builder is turn-dependencies.ts).

/**
 * The dispatch function's dependencies, from its environment.
 * @throws ConfigurationError naming every missing variable.
 */
export function dispatchDependenciesFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): WithLambdaLogger<DispatchHandlerDependencies> {
  const config = readFunctionEnvironment("dispatch", env);
  const sqs = createSqsClient();
  const basics = createLambdaBasics(config, builtInCatalog);
  const deps = dispatchDependenciesOf({
    ...basics,
    turns: createSqsQueue(sqs, config.turnsQueueUrl),
    firesRedelivery: createSqsRedelivery(sqs, config.firesQueueUrl),
    firesDeadLetters: createSqsDeadLetters(sqs, config.firesDlqUrl),
  });
  return { ...deps, log: basics.log };
}

/**
 * The sweep function's dependencies, from its environment.
 * @throws ConfigurationError naming every missing variable.
 */
export function sweepDependenciesFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): WithLambdaLogger<SweepDependencies> {
  const config = readFunctionEnvironment("sweep", env);
  const sqs = createSqsClient();
  const basics = createLambdaBasics(config, builtInCatalog);
  const deps = sweepDependenciesOf({
    ...basics,
    fires: createSqsQueue(sqs, config.firesQueueUrl),
    turns: createSqsQueue(sqs, config.turnsQueueUrl),
    turnsBacklog: createSqsBacklog(sqs, config.turnsQueueUrl),
    scheduleInspector: scheduleInspectorFor(config.schedules, config.stage),
  });
  return { ...deps, log: basics.log };
}

/**
 * What the job-apply custom resource reads from the table: jobs, validated against the catalog.
 * @throws ConfigurationError naming every missing variable.
 */
export function applyJobsDependenciesFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): WithLambdaLogger<ReturnType<JobSchedulesDependencies["load"]>> {
  const config = readFunctionEnvironment("applyJobs", env);
  const store = createDynamoStore({ client: new DynamoDBClient({}), tableName: config.tableName });
  return {
    jobs: store.jobs,
    fireWatch: store.fireWatch,
    clock: systemClock,
    validation: {
      catalog: builtInCatalog,
      functionTimeoutSeconds: config.turnFunctionTimeoutSeconds,
      schedules: config.schedules,
    },
    log: createPowertoolsLogger({ serviceName: config.serviceName }),
  };
}

/** The sweeper's view of a job's schedule (missing, disabled, enabled) when one of its fires never comes. */
function scheduleInspectorFor(schedules: ScheduleBackend, stage: string): ScheduleInspector | undefined {
  // One retry of the SDK's own: this read only adds detail to a record that is written regardless.
  if (schedules === "scheduler")
    return createScheduleInspector(new SchedulerClient({ maxAttempts: 2 }), stage);
  if (schedules === "rules") return createRuleInspector(new EventBridgeClient({ maxAttempts: 2 }), stage);
  return undefined;
}
