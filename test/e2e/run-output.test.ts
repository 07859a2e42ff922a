import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childScript } from "#test/support/agents/child-script.ts";
import { waitUntil } from "#test/support/wait.ts";
import { runAgentcron } from "./support/cli.ts";
import { demoJob, startTestRuntime, type TestRuntime } from "./support/local-runtime.ts";

let local: TestRuntime;
beforeAll(async () => {
  local = await startTestRuntime();
  const file = local.writeJobs("jobs.json", [
    demoJob({ id: "report", options: { output: "Report for {jobId}\n- 3 urgent\n- 12 routine\nDone." } }),
    demoJob({
      id: "broken-agent",
      agent: {
        harness: "command",
        prompt: "x",
        options: { command: process.execPath, args: [childScript("fail-after-progress.mjs")] },
      },
    }),
    demoJob({ id: "slow", options: { output: "slow done", delayMs: 8_000 } }),
  ]);
  const applied = await local.cli(["jobs", "apply", "-f", file, "--yes"]);
  if (applied.code !== 0) throw new Error(`jobs apply failed: ${applied.stderr}`);
});
afterAll(async () => {
  await local?.stop();
});

describe("a run's output and logs through the CLI", () => {
  it("prints every line of the output with run --wait and inspect", async () => {
    // Act
    const ran = await local.cli(["run", "report", "--wait"], { timeoutMs: 120_000 });
    const runId = /Run (\w{26}) succeeded/.exec(ran.stdout)?.[1] ?? "";
    const inspected = await local.cli(["inspect", runId]);
    // Assess
    expect(ran.code).toBe(0);
    for (const text of [inspected.stdout, ran.stdout]) {
      expect(text).toContain("│ Report for report\n");
      expect(text).toContain("│ - 3 urgent\n");
      expect(text).toContain("│ - 12 routine\n");
      expect(text).toContain("│ Done.\n");
    }
  });

  it("keeps the stdout and the end of stderr of a failed command run, and shows them", async () => {
    // Act
    const ran = await local.cli(["run", "broken-agent", "--wait"], { timeoutMs: 120_000 });
    const runId = /run (\w{26}) failed/.exec(ran.stderr)?.[1] ?? "";
    const inspected = await local.cli(["--json", "inspect", runId]);
    // Assess
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain("│ step 2 done\n");
    expect(ran.stdout).toMatch(/stderr, its end: \(last 20 lines; \d+ more kept, --json has them\)\n/);
    expect(ran.stdout).toContain("│ fatal: the agent configuration file is missing\n");
    expect(inspected.json).toMatchObject({
      run: { status: "failed", error: { class: "HarnessFailedError" } },
      output: {
        text: "step 0 done\nstep 1 done\nstep 2 done\n",
        stdoutTail: "step 0 done\nstep 1 done\nstep 2 done",
      },
    });
    const stderrTail = (inspected.json as { output: { stderrTail: string } }).output.stderrTail;
    expect(stderrTail.endsWith("debug line 999\nfatal: the agent configuration file is missing")).toBe(true);
  });

  it("shows a run's log lines, and follows a running one until it ends", async () => {
    // Prepare: a run that takes 8 s.
    const fired = await local.cli(["--json", "run", "slow"]);
    const runId = (fired.json as { runId: string }).runId;
    await waitUntil(
      async () => (await local.run("slow", runId))?.status === "running",
      60_000,
      "the slow run to begin",
    );
    // Act: follow it while it runs, then read its lines after it ended.
    const followed = await local.cli(["logs", runId, "--follow"], { timeoutMs: 120_000 });
    const read = await runAgentcron(["--state-dir", local.stateDir, "--json", "logs", runId]);
    // Assess: --follow returned by itself once the run had ended, having printed its turn's lines.
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain(`Following run ${runId}`);
    expect(followed.stdout).toMatch(/INFO +run succeeded/);
    expect(followed.stdout).toContain(`Run ${runId} succeeded.`);
    const document = read.json as { lines: { record?: { message?: string; runId?: string } }[] };
    expect(document.lines.map((line) => line.record?.message)).toContain("run succeeded");
    expect(
      document.lines.every((line) => line.record?.runId === undefined || line.record.runId === runId),
    ).toBe(true);
  });

  it("refuses --follow with --json, and says so", async () => {
    const refused = await local.cli(["--json", "logs", "01M80TRAKX1FEN49H9S9C7SF5N", "--follow"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--follow");
  });
});
