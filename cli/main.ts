// `agentcron`: the operator CLI (docs/cli.md). Run it with `npx agentcron` (cli/bin/agentcron.mjs)
// or `npm run agentcron --`.
import { runCli } from "./program.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// `agentcron runs x | head`: the reader went away; stop quietly, as command-line tools do.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
