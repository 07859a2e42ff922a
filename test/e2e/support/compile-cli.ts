import { buildCli } from "../../../cli/build.mjs";

/**
 * The e2e tests drive the compiled CLI, as `npx agentcron` runs it: compile it once from the
 * current sources before any test file starts, so parallel files do not each recompile it.
 */
export default async function setup() {
  await buildCli();
}
