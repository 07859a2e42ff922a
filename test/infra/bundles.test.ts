import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { BUNDLING } from "#infra/lambda-function.ts";

/** Bundles a Lambda entry as the stack does (infra/lambda-function.ts BUNDLING) and lists its packages. */
async function packagesIn(entry: string): Promise<Set<string>> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`../../${entry}`, import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: BUNDLING.target,
    mainFields: BUNDLING.mainFields,
    banner: { js: BUNDLING.banner ?? "" },
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const packages = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    if (match?.[1]) packages.add(match[1]);
  }
  return packages;
}

/** What only the turn runs: the LLM and MCP SDKs, and the secret stores it resolves references from. */
const TURN_ONLY_PACKAGES = [
  "@anthropic-ai/sdk",
  "openai",
  "@modelcontextprotocol/sdk",
  "@aws-sdk/client-bedrock-runtime",
  "@aws-sdk/client-secrets-manager",
  "@aws-sdk/client-ssm",
];

describe("the functions' bundles", () => {
  it("leave the LLM and MCP SDKs out of dispatch, sweep and job apply, which only validate jobs", async () => {
    for (const entry of ["functions/dispatch.ts", "functions/sweep.ts", "functions/apply-jobs.ts"]) {
      const packages = await packagesIn(entry);

      expect(
        TURN_ONLY_PACKAGES.filter((name) => packages.has(name)),
        entry,
      ).toEqual([]);
      expect(packages.has("zod"), entry).toBe(true);
    }
  });

  it("keep them in the turn, which runs the harnesses and plugins", async () => {
    const packages = await packagesIn("functions/turn.ts");

    expect(TURN_ONLY_PACKAGES.filter((name) => !packages.has(name))).toEqual([]);
  });
});
