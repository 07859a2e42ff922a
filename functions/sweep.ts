// Lambda entry: the every-minute EventBridge rule → sweep.
import { sweepDependenciesFromEnvironment } from "./commons/lambda-dependencies.ts";
import { createSweepHandler } from "./handlers/sweep-handler.ts";

export const handler = createSweepHandler(sweepDependenciesFromEnvironment());
