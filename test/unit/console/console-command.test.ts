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

describe("agentcron console", () => {
  it("is listed in the help", async () => {
    const result = await cli(["--help"]);
    expect(result.stdout).toMatch(/console \[options\]\s+the operator console in the browser/);
  });

  it("exits 2 for a bad --port before contacting any deployment", async () => {
    const result = await cli(["--state-dir", "/nonexistent/agentcron-state", "console", "--port", "http"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port must be a whole number from 1 to 65535, got "http"');
  });
});
