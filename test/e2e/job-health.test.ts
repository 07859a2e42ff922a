import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoJob, startTestRuntime, type TestRuntime } from "./support/local-runtime.ts";

let local: TestRuntime;
beforeAll(async () => {
  local = await startTestRuntime();
});
afterAll(async () => {
  await local?.stop();
});

/** The `broken` job, failing or not; two failures in a row make it unhealthy. */
function jobSet(fails: boolean) {
  return local.writeJobs("jobs.json", [
    demoJob({
      id: "broken",
      options: { output: "ok", fail: fails ? "the model endpoint said 503" : false },
      alarms: { consecutiveFailures: 2 },
    }),
    demoJob({ id: "fine" }),
  ]);
}

/** The runtime's log lines that carry a job-health notification. */
function healthLogLines(): { message: string; notification: { content: { description: string } } }[] {
  return readFileSync(join(local.stateDir, "logs", "agentcron.log"), "utf8")
    .split("\n")
    .filter((line) => line.includes('"notification"'))
    .map((line) => JSON.parse(line));
}

describe("job health in the local runtime and the CLI", () => {
  it("names a job that keeps failing in jobs list --unhealthy, with why and what to run, and logs the change", async () => {
    // Prepare
    await local.cli(["jobs", "apply", "-f", jobSet(true), "--yes"]);
    // Act
    for (let run = 0; run < 2; run++) await local.cli(["run", "broken", "--wait", "--timeout", "90"]);
    const unhealthy = await local.cli(["jobs", "list", "--unhealthy"]);
    const all = await local.cli(["--json", "jobs", "list"]);
    // Assess
    expect(unhealthy.code).toBe(0);
    expect(unhealthy.stdout).toMatch(/broken .*unhealthy/);
    expect(unhealthy.stdout).not.toMatch(/^fine /m);
    expect(unhealthy.stdout).toContain("its last 2 runs failed in a row (threshold 2; the latest failed)");
    expect(unhealthy.stdout).toContain("first: npx agentcron runs broken --status failed");
    expect(all.json).toMatchObject({
      jobs: [
        { jobId: "broken", health: "unhealthy", healthReasons: [{ code: "consecutive-failures" }] },
        { jobId: "fine", health: "healthy" },
      ],
    });
    expect(healthLogLines().map((line) => line.message)).toEqual([
      "agentcron-local: job broken is unhealthy",
    ]);
  });

  it("says the job is healthy again after two successful runs, and logs the recovery", async () => {
    // Prepare: the job is fixed.
    await local.cli(["jobs", "apply", "-f", jobSet(false), "--yes"]);
    // Act
    for (let run = 0; run < 2; run++) await local.cli(["run", "broken", "--wait", "--timeout", "90"]);
    const unhealthy = await local.cli(["jobs", "list", "--unhealthy"]);
    const shown = await local.cli(["jobs", "show", "broken"]);
    // Assess
    expect(unhealthy.stdout).toContain("No unhealthy job on");
    expect(shown.stdout).toMatch(/state\s+ok/);
    const lines = healthLogLines();
    expect(lines.map((line) => line.message)).toEqual([
      "agentcron-local: job broken is unhealthy",
      "agentcron-local: job broken is healthy again",
    ]);
    expect(lines[1]?.notification.content.description).toMatch(
      /^Job broken is healthy again after .+ \(it was unhealthy since .+: its last 2 runs failed in a row/,
    );
  });
});
