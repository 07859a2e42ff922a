import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoopbackServer, startLoopbackServer } from "#test/support/agents/loopback-server.ts";
import { waitUntil } from "#test/support/wait.ts";
import { demoJob, startTestRuntime, type TestRuntime } from "./support/local-runtime.ts";

let local: TestRuntime;
let silentMcpServer: LoopbackServer;
beforeAll(async () => {
  [local, silentMcpServer] = await Promise.all([startTestRuntime(), startLoopbackServer(() => "hang")]);
});
afterAll(async () => {
  await local?.stop();
  await silentMcpServer?.close();
});

/** A plugin whose server accepts `initialize` and never answers it. */
function silentSearchPlugin(timeoutSeconds: number) {
  return {
    name: "search",
    type: "mcp",
    options: { transport: "streamable-http", url: `${silentMcpServer.url}/mcp` },
    timeoutSeconds,
  };
}

/** The job set of this file; `flakyFails` decides whether the `flaky` job's turns fail. */
function jobSet(flakyFails: boolean) {
  return local.writeJobs("jobs.json", [
    demoJob({
      id: "flaky",
      options: { output: "ok", fail: flakyFails ? "the model endpoint said 503" : false },
    }),
    demoJob({ id: "needs-search", plugins: [silentSearchPlugin(8)] }),
    // Stuck in its plugin for 5 minutes: longer than this file runs, so it is stuck whenever the CLI
    // looks, however long the CLI takes to start; the runtime's stop at the end cancels it.
    demoJob({ id: "stuck-on-search", plugins: [silentSearchPlugin(300)] }),
  ]);
}

describe("agentcron run, runs, inspect, jobs show and doctor, against the local runtime", () => {
  it("run --wait of a failing job follows it to its end and exits 1 with the error and what to check", async () => {
    // Prepare
    const applied = await local.cli(["jobs", "apply", "-f", jobSet(true), "--yes"]);

    // Act
    const result = await local.cli(["run", "flaky", "--wait", "--timeout", "100"]);

    // Assess
    expect(applied.code).toBe(0);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/queued, waiting for a turn/);
    expect(result.stderr).toMatch(/run [0-9A-Z]{26} failed in [\d.]+m?s: HarnessFailedError/);
    expect(result.stderr).toContain("error:      the model endpoint said 503");
    expect(result.stderr).toMatch(/Next: the agent turn failed with HarnessFailedError/);
  });

  it("jobs show reports the failure rate over the window even after the last run passed", async () => {
    // Prepare: the job is fixed, and its next run succeeds.
    await local.cli(["jobs", "apply", "-f", jobSet(false), "--yes"]);
    const passed = await local.cli(["run", "flaky", "--wait", "--timeout", "100"]);

    // Act
    const shown = await local.cli(["jobs", "show", "flaky"]);
    const json = await local.cli(["--json", "jobs", "show", "flaky"]);
    const history = await local.cli(["runs", "flaky", "--status", "failed"]);

    // Assess
    expect(passed.code).toBe(0);
    expect(passed.stdout).toMatch(/Run [0-9A-Z]{26} succeeded/);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/Job flaky · v2 · enabled/);
    expect(shown.stdout).toContain("failure rate          50% (1 of the last 2 runs; window 10)");
    expect(shown.stdout).toMatch(/recent outcomes\s+failed succeeded/);
    expect(shown.stdout).toMatch(/consecutive failures\s+0/);
    expect(shown.stdout).toMatch(/last run\s+succeeded/);
    expect(json.json).toMatchObject({
      failureRate: { rate: 0.5, runs: 2, window: 10 },
      stats: { consecutiveFailures: 0 },
    });
    expect(history.stdout.trim().split("\n")).toHaveLength(3);
    expect(history.stdout).toMatch(/failed .*HarnessFailedError: the model endpoint said 503/);
  });

  it("inspect names the plugin a run is stuck on while it hangs, then charts how the run ended and says to check that plugin's server", async () => {
    // Prepare: two runs whose search plugin never gets an answer. One stays stuck for longer than
    // the test (what `inspect` sees while it hangs cannot race the plugin's timeout); the other's
    // plugin times out after 8 s, and the run fails.
    const stuckFire = await local.cli(["--json", "run", "stuck-on-search"]);
    const fired = await local.cli(["--json", "run", "needs-search"]);
    const stuckRunId = (stuckFire.json as { runId: string }).runId;
    const runId = (fired.json as { runId: string }).runId;
    await waitUntil(
      async () => (await local.run("stuck-on-search", stuckRunId))?.plugins.search?.state === "starting",
      60_000,
      "the stuck run's search plugin to be in flight",
    );

    // Act
    const whileStuck = await local.cli(["inspect", stuckRunId]);
    await waitUntil(
      async () => (await local.run("needs-search", runId))?.status === "failed",
      60_000,
      "the run to fail",
    );
    const afterwards = await local.cli(["inspect", runId]);
    const json = await local.cli(["--json", "inspect", runId]);

    // Assess
    expect(stuckFire.code).toBe(0);
    expect(fired.code).toBe(0);
    expect(whileStuck.code).toBe(0);
    expect(whileStuck.stdout).toMatch(/Run [0-9A-Z]{26} · job stuck-on-search \(v1\) · running/);
    expect(whileStuck.stdout).toMatch(/runtime-plugins\s+│ *▒+/);
    expect(whileStuck.stdout).toMatch(/… search\s+mcp\s+starting \(in flight\)\s+\S+\s+5m00s/);
    expect(whileStuck.stdout).toContain(`Next: plugin "search" is starting`);
    expect(whileStuck.stdout).toContain(`check its mcp server at ${silentMcpServer.url}/mcp`);

    expect(afterwards.stdout).toMatch(/· failed/);
    expect(afterwards.stdout).toMatch(/runtime-plugins\s+│ *█+.*\d+\.\ds of 1[23](\.\d)?s\s+failed/);
    expect(afterwards.stdout).toMatch(/ {4}search\s+│ *█+\|?.*of 8s\s+timed-out/);
    expect(afterwards.stdout).toMatch(/agent-turn\s+│\s+│\s+not reached/);
    expect(afterwards.stdout).toMatch(/✗ search\s+mcp\s+timed-out/);
    expect(afterwards.stdout).toContain("PluginInitError in runtime-plugins (plugin search)");
    expect(afterwards.stdout).toContain(
      `Next: check plugin "search": its mcp server at ${silentMcpServer.url}/mcp`,
    );
    expect(json.json).toMatchObject({
      run: { status: "failed", error: { class: "PluginInitError", plugin: "search" } },
    });
  });

  it("doctor passes on a healthy deployment, then finds a stored job whose harness is not registered", async () => {
    // Prepare
    const healthy = await local.cli(["doctor"]);
    // Written straight to the table (as an older build, or a hand edit, would), bypassing validation.
    await local.runtime.deps.store.jobs.putJob(
      { id: "ghost-job", schedule: "rate(1 hour)", agent: { harness: "ghost", prompt: "boo" } },
      undefined,
      Date.now(),
    );

    // Act
    const doctor = await local.cli(["doctor"]);
    const json = await local.cli(["--json", "doctor"]);

    // Assess
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toContain("No problems found.");
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain(
      '✗ job ghost-job names harness "ghost", which this build does not register',
    );
    expect(doctor.stdout).toMatch(
      /- agent\.harness: "ghost" is not a registered harness; use one of: .*demo/,
    );
    expect(doctor.stdout).toContain("✗ rule local-ghost-job (job ghost-job) is missing");
    expect(doctor.stdout).toMatch(/✓ the other 3 jobs validate/);
    expect(doctor.stdout).toContain("2 problems found.");
    expect(
      (json.json as { checks: { check: string; status: string }[] }).checks.filter(
        (check) => check.status === "failed",
      ),
    ).toEqual([
      expect.objectContaining({ check: "jobs-validate" }),
      expect.objectContaining({ check: "rules" }),
    ]);
  });
});
