// Lambda entry: the fires queue → dispatch. Dependencies are built once per cold start, from exactly
// the variables dispatch declares (functions/commons/environment.ts FUNCTION_ENVIRONMENT).
import { withLambdaContext } from "./commons/lambda-context.ts";
import { dispatchDependenciesFromEnvironment } from "./commons/lambda-dependencies.ts";
import { createDispatchHandler } from "./handlers/dispatch-handler.ts";

const deps = dispatchDependenciesFromEnvironment();

export const handler = withLambdaContext(deps.log, createDispatchHandler(deps));
