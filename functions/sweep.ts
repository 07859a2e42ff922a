// Lambda entry: the every-minute EventBridge rule → sweep.
import { withLambdaContext } from "./commons/lambda-context.ts";
import { sweepDependenciesFromEnvironment } from "./commons/lambda-dependencies.ts";
import { createSweepHandler } from "./handlers/sweep-handler.ts";

const deps = sweepDependenciesFromEnvironment();

export const handler = withLambdaContext(deps.log, createSweepHandler(deps));
