import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord } from "#core/runs/run-record.ts";
import { waitUntil } from "#test/support/wait.ts";
import { demoJob, startTestRuntime, type TestRuntime } from "./support/local-runtime.ts";

let local: TestRuntime;
beforeAll(async () => {
  local = await startTestRuntime();
});
afterAll(async () => {
  await local?.stop();
});

describe("agentcron jobs apply, against the local runtime", () => {
  it("lists every problem of a malformed jobs file with its path, applies nothing, and exits 2", async () => {
    // Prepare
    const file = local.writeJobs("malformed.json", [
      demoJob({ id: "bad-cron", schedule: "cron(0 25 * * ? *)" }),
      { ...demoJob({ id: "no-harness" }), agent: { harness: "gpt-magic", prompt: "x" } },
      demoJob({ id: "budgets", timeouts: { agentTurnSeconds: 120 }, maxRunSeconds: 60 }),
      demoJob({ id: "bad-cron", schedule: "rate(1 hour)" }),
    ]);

    // Act
    const text = await local.cli(["jobs", "apply", "-f", file, "--yes"]);
    const json = await local.cli(["--json", "jobs", "apply", "-f", file, "--yes"]);
    const listed = await local.cli(["--json", "jobs", "list"]);

    // Assess
    expect(text.code).toBe(2);
    expect(text.stderr).toContain("is invalid (4 problems); nothing was applied");
    expect(text.stderr).toMatch(/- jobs\[0\]\.schedule: cron field 2 \(hours\) "25"/);
    expect(text.stderr).toMatch(/- jobs\[1\]\.agent\.harness: "gpt-magic" is not a registered harness/);
    expect(text.stderr).toMatch(/- jobs\[2\]\.maxRunSeconds: 60s is less than the sum of the phase timeouts/);
    expect(text.stderr).toMatch(/- jobs\[3\]\.id: duplicate id "bad-cron"/);
    expect(json.code).toBe(2);
    expect((json.json as { issues: { path: string }[] }).issues.map((issue) => issue.path)).toEqual([
      "jobs[0].schedule",
      "jobs[1].agent.harness",
      "jobs[2].maxRunSeconds",
      "jobs[3].id",
    ]);
    expect(listed.code).toBe(0);
    expect(listed.json).toMatchObject({ jobs: [] });
  });

  it("says at which line and column a jobs file stops being JSON, and what to write instead", async () => {
    // Prepare: a comma missing after "id".
    const file = join(local.stateDir, "broken.json");
    writeFileSync(file, '{\n  "jobs": [\n    { "id": "a"\n      "schedule": "rate(1 hour)" }\n  ]\n}\n');

    // Act
    const text = await local.cli(["jobs", "apply", "-f", file, "--yes"]);
    const json = await local.cli(["--json", "jobs", "apply", "-f", file, "--yes"]);

    // Assess
    expect(text.code).toBe(2);
    expect(text.stderr).toContain(
      [
        "broken.json is not valid JSON; nothing was applied:",
        "line 3, column 16: expected ',' between two properties (a missing comma?)",
        '  3 |     { "id": "a"',
        "    |                ^",
      ].join("\n"),
    );
    expect(json.json).toMatchObject({ ok: false, issues: [{ path: "(file)", line: 3, column: 16 }] });
  });

  it("names the field a misspelt one meant and why a value is out of bounds", async () => {
    // Prepare
    const file = local.writeJobs("typos.json", [
      { ...demoJob({ id: "typos" }), overlapp: "skip", timeouts: { agentTurnSeconds: 5000 } },
    ]);

    // Act
    const result = await local.cli(["jobs", "apply", "-f", file, "--yes"]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('- jobs[0].overlapp: unknown field "overlapp"; did you mean "overlap"?');
    expect(result.stderr).toMatch(
      /- jobs\[0\]\.timeouts\.agentTurnSeconds: 5000 is too big: use at most 900 — a run happens inside one invocation of the turn function, and Lambda stops a function after 900 s/,
    );
  });

  it("shows the diff, refuses to apply unconfirmed without a terminal, applies with --yes, then has nothing to change", async () => {
    // Prepare
    const file = local.writeJobs("jobs.json", [
      demoJob({
        id: "every-minute",
        schedule: "cron(* * * * ? *)",
        options: { output: "tick {runId}", delayMs: 500 },
      }),
      demoJob({ id: "hourly", schedule: "rate(1 hour)" }),
    ]);

    // Act
    const unconfirmed = await local.cli(["jobs", "apply", "-f", file]);
    const dryRun = await local.cli(["jobs", "apply", "-f", file, "--dry-run"]);
    const listedBefore = await local.cli(["--json", "jobs", "list"]);
    const applied = await local.cli(["jobs", "apply", "-f", file, "--yes"]);
    const again = await local.cli(["jobs", "apply", "-f", file, "--yes"]);
    const listed = await local.cli(["jobs", "list"]);

    // Assess
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("Pass --yes to apply");
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toContain("Dry run: nothing was applied.");
    expect(listedBefore.json).toMatchObject({ jobs: [] });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/\+ every-minute\s+create \(v1\)/);
    expect(applied.stdout).toMatch(/\+ local-every-minute\s+create \(job every-minute\)/);
    expect(applied.stdout).toContain(
      "Applied: 2 created, 0 updated, 0 deleted, 0 unchanged; 2 schedule rules changed.",
    );
    expect(again.stdout).toMatch(/= every-minute\s+unchanged \(v1\)/);
    expect(again.stdout).toContain("Nothing to change.");
    expect(listed.stdout).toMatch(/every-minute\s+cron\(\* \* \* \* \? \*\)\s+yes\s+in \d+m?s/);
    expect(listed.stdout).toMatch(/hourly\s+rate\(1 hour\)\s+yes\s+in 5\d?m\d\ds/);
  });

  it("fires a job on its schedule, and the run succeeds", async () => {
    // Act: the local scheduler fires cron(* * * * ? *) at the next whole minute, as EventBridge would.
    let scheduled: RunRecord | undefined;
    await waitUntil(
      async () => {
        scheduled = (await local.runs("every-minute")).find(
          (run) => run.source === "schedule" && run.status === "succeeded",
        );
        return scheduled !== undefined;
      },
      150_000, // the next whole minute, then a turn's process start (seconds on a busy machine)
      "a scheduled run of every-minute to succeed",
    );
    const history = await local.cli(["--json", "runs", "every-minute", "--status", "succeeded"]);
    const listed = await local.cli(["jobs", "list"]);

    // Assess
    expect(history.code).toBe(0);
    // every-minute keeps firing: on a slow machine another run may have ended by the time the
    // CLI reads, so find this one rather than taking the newest.
    const runs = (history.json as { runs: RunRecord[] }).runs;
    const run = runs.find((candidate) => candidate.runId === scheduled?.runId);
    expect(run).toMatchObject({ runId: scheduled?.runId, source: "schedule", status: "succeeded" });
    expect((run?.scheduledAt ?? 1) % 60_000).toBe(0);
    expect(run?.output?.summary).toBe(`tick ${scheduled?.runId}`);
    expect(listed.stdout).toMatch(
      /every-minute\s+\S+ \S+ \S+ \S+ \? \S+\)\s+yes\s+in \d+m?s\s+succeeded\s+0% of [1-9]\d*/,
    );
  });
});
