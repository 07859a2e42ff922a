// Lambda entry: the every-minute EventBridge rule → sweep.
import { dependenciesFromEnvironment } from "./commons/dependencies.ts";
import { sweepDependenciesOf } from "./commons/wiring.ts";
import { createSweepHandler } from "./handlers/sweep-handler.ts";

export const handler = createSweepHandler(sweepDependenciesOf(dependenciesFromEnvironment()));
