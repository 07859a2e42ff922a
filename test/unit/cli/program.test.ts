import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../cli/program.ts";

/** Runs the CLI in-process with captured output; nothing here reaches a deployment. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: new PassThrough(),
    env,
  });
  return { code, stdout, stderr };
}

const NO_RUNTIME = ["--state-dir", "/nonexistent/agentcron-state"];

describe("the agentcron command line", () => {
  it("exits 0 with help that documents targets and exit codes", async () => {
    const result = await cli(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("jobs");
    expect(result.stdout).toMatch(
      /Exit codes: 0 ok · 1 .*\s2 invalid .*\s3 deployment, job or run not found/s,
    );
  });

  it("exits 2 for an unknown command or option, or a bad option value, before contacting anything", async () => {
    const unknown = await cli(["frobnicate"]);
    const badOption = await cli(["jobs", "list", "--frob"]);
    const badSince = await cli([...NO_RUNTIME, "runs", "inbox", "--since", "yesterday"]);
    const badStatus = await cli([...NO_RUNTIME, "runs", "inbox", "--status", "broken"]);
    expect([unknown.code, badOption.code, badSince.code, badStatus.code]).toEqual([2, 2, 2, 2]);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(badSince.stderr).toContain('--since "yesterday" is not a time');
  });

  it("exits 2 when two targets are named", async () => {
    const result = await cli(["--local", "--stage", "dev", "jobs", "list"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("pass one target");
  });

  it("exits 3 and says how to start one when the local runtime named is not running", async () => {
    const result = await cli([...NO_RUNTIME, "doctor"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^agentcron: no local runtime is running with its state in \/nonexistent\/agentcron-state/,
    );
    expect(result.stderr).toContain("npm start");
  });

  it("answers --json errors with one JSON document on stdout, the message on stderr", async () => {
    const result = await cli([...NO_RUNTIME, "--json", "jobs", "list"]);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: { class: "NotFoundError", message: expect.stringContaining("no local runtime is running") },
      exitCode: 3,
    });
    expect(result.stderr).toContain("no local runtime is running");
  });
});
