import { describe, expect, it } from "vitest";
import { runAgentcron } from "./support/cli.ts";

describe("the agentcron executable", () => {
  it("runs the compiled CLI, not the TypeScript sources", async () => {
    const result = await runAgentcron(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^agentcron \d+\.\d+\.\d+ \(compiled \d{4}-\d\d-\d\dT[\d:.]+Z\)$/m);
    expect(result.stderr).toBe("");
  });

  it("prints its help, with every command, without a deployment", async () => {
    const result = await runAgentcron(["--help"]);
    expect(result.code).toBe(0);
    for (const command of ["jobs", "run", "runs", "inspect", "doctor", "dlq"]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
  });
});
