import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../cli/program.ts";

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: new PassThrough(),
    env: {},
  });
  return { code, stdout, stderr };
}

describe("agentcron harnesses", () => {
  it("lists every harness and plugin type of this build, without a deployment", async () => {
    const result = await cli(["harnesses"]);
    expect(result.code).toBe(0);
    for (const name of ["anthropic", "bedrock", "openai", "a2a", "command", "demo", "mcp"]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${name}\\s+\\S`, "m"));
    }
  });

  it("shows one harness's options with their types, defaults and meanings", async () => {
    const result = await cli(["harnesses", "command"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Options (agent.options)");
    expect(result.stdout).toContain("  command  non-empty string, required\n      The program to run");
    expect(result.stdout).toContain(
      "  envFromSecrets  object: environment variable name → secret reference, default {}",
    );
    expect(result.stdout).toContain("  killGraceSeconds  number 0-60, default 5");
  });

  it("shows each variant of a plugin type whose options depend on a discriminator", async () => {
    const result = await cli(["harnesses", "mcp"]);
    expect(result.stdout).toContain('With transport: "streamable-http":');
    expect(result.stdout).toContain('With transport: "stdio":');
  });

  it("gives the options as JSON Schema with --json", async () => {
    const result = await cli(["--json", "harnesses", "openai"]);
    expect(JSON.parse(result.stdout)).toMatchObject([
      {
        kind: "harness",
        name: "openai",
        options: { properties: { maxTokensField: { enum: ["max_completion_tokens", "max_tokens"] } } },
      },
    ]);
  });

  it("exits 2 for a name it does not know, suggesting the closest", async () => {
    const result = await cli(["harnesses", "antropic"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '"antropic" is neither a harness nor a plugin type of this build (did you mean "anthropic"?)',
    );
  });
});
