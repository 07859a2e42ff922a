// Lambda entry: the fires queue → dispatch. Dependencies are built once per cold start.
import { dependenciesFromEnvironment } from "./commons/dependencies.ts";
import { dispatchDependenciesOf } from "./commons/wiring.ts";
import { createDispatchHandler } from "./handlers/dispatch-handler.ts";

export const handler = createDispatchHandler(dispatchDependenciesOf(dependenciesFromEnvironment()));
