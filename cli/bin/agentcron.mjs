#!/usr/bin/env node
// The `agentcron` executable. It runs the compiled CLI (dist/cli, built by `npm run build:cli` and
// on `npm ci`), compiling it first when its sources changed since the last build. Without esbuild
// it falls back to running the TypeScript sources through tsx — correct, but a second or more
// slower at every call — and says so.
import { pathToFileURL } from "node:url";
import { buildCli, bundleState, ENTRY } from "../build.mjs";

const compiledOnly = process.env.AGENTCRON_CLI_REQUIRE_COMPILED === "1";
const { state, reason } = bundleState();
let compiled = state === "fresh";
if (!compiled) {
  try {
    if (state === "stale") process.stderr.write(`agentcron: recompiling the CLI (${reason})...\n`);
    await buildCli();
    compiled = true;
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    if (compiledOnly) {
      process.stderr.write(`agentcron: the compiled CLI is ${state} and could not be built: ${why}\n`);
      process.exit(70);
    }
    process.stderr.write(
      `agentcron: the compiled CLI is ${state} and could not be built (${why}); running from source, ` +
        "which is slower. Fix the build with `npm run build:cli` (after `npm ci`).\n",
    );
  }
}

if (compiled) {
  await import(pathToFileURL(ENTRY).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../main.ts", import.meta.url).href);
}
