import { builtInRegistry } from "#adapters/registry.ts";
import { createSecretResolver } from "#adapters/secrets/secret-resolver.ts";
import { createSqsDeadLetters } from "#adapters/sqs/dead-letters.ts";
import { createSqsRedelivery } from "#adapters/sqs/sqs-queue.ts";
import type { TurnHandlerDependencies } from "../handlers/turn-handler.ts";
import { readFunctionEnvironment } from "./environment.ts";
import { createLambdaBasics, createSqsClient, type WithLambdaLogger } from "./lambda-adapters.ts";
import { turnDependenciesOf } from "./wiring.ts";

/**
 * The turn function's dependencies, from its environment: the only function with the harness
 * registry (complete at module load, DESIGN invariant 7) and the secret resolver, and so the only
 * bundle with the LLM and MCP SDKs.
 * @throws ConfigurationError naming every missing variable.
 */
export function turnDependenciesFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): WithLambdaLogger<TurnHandlerDependencies> {
  const config = readFunctionEnvironment("turn", env);
  const sqs = createSqsClient();
  const basics = createLambdaBasics(config, builtInRegistry.catalog);
  const deps = turnDependenciesOf({
    ...basics,
    registry: builtInRegistry,
    secrets: createSecretResolver(),
    turnsRedelivery: createSqsRedelivery(sqs, config.turnsQueueUrl),
    turnsDeadLetters: createSqsDeadLetters(sqs, config.turnsDlqUrl),
  });
  return { ...deps, log: basics.log };
}
