import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { identifyProcess } from "#local/processes/process-identity.ts";
import { runtimeLockPath } from "#local/runtime-lock.ts";
import { signalProcess } from "#test/support/agents/processes.ts";
import { rawRequest, sessionCookieOf } from "#test/support/console.ts";
import { CLI_BIN } from "./support/cli.ts";
import { demoJob, startTestRuntime, type TestRuntime } from "./support/local-runtime.ts";

let local: TestRuntime;
/** The CLI's temporary folder: where it copies the stored data, and must leave nothing. */
let cliTemp: string;
let runId: string;
/** A digest of every file of the runtime's data folder after it stopped. */
let dataBefore: string;

const digestOf = (dir: string) => {
  const hash = createHash("sha256");
  for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(join(dir, name)));
  return hash.digest("hex");
};
/** Pids of processes whose command line mentions `text` (a DynamoDB Local serving a copy there). */
const processesMentioning = (text: string) =>
  readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text);
      } catch {
        return false; // exited meanwhile
      }
    });
const cli = (args: readonly string[]) => local.cli(args, { env: { TMPDIR: cliTemp }, timeoutMs: 120_000 });

beforeAll(async () => {
  cliTemp = mkdtempSync(join(tmpdir(), "agentcron-cli-tmp-"));
  local = await startTestRuntime({ persistent: true });
  const jobs = local.writeJobs("jobs.json", [
    demoJob({ id: "nightly", options: { output: "report ready" } }),
  ]);
  expect((await local.cli(["jobs", "apply", "-f", jobs, "--yes"])).code).toBe(0);
  const ran = await local.cli(["--json", "run", "nightly", "--wait", "--timeout", "60"]);
  expect(ran.code).toBe(0);
  runId = (ran.json as { runId: string }).runId;
  // Stopped as Ctrl-C stops it: its data stays in <state dir>/data.
  await local.halt();
  dataBefore = digestOf(join(local.stateDir, "data"));
});
afterAll(async () => {
  await local?.stop();
  rmSync(cliTemp, { recursive: true, force: true });
});

describe("history of a stopped local runtime", () => {
  it("runs lists the runs from the stored data, and says so on stderr", async () => {
    // Act
    const result = await cli(["runs", "nightly"]);
    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("no local runtime is running in");
    expect(result.stderr).toContain("reading its stored data");
    expect(result.stdout).toMatch(new RegExp(`succeeded .* ${runId}`));
  });

  it("inspect shows a stored run's timeline and output", async () => {
    const result = await cli(["inspect", runId]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Run ${runId} · job nightly (v1) · succeeded`);
    expect(result.stdout).toContain("report ready");
  });

  it("jobs show and jobs list read the stored job, its stats and its last runs", async () => {
    const shown = await cli(["--json", "jobs", "show", "nightly"]);
    const listed = await cli(["jobs", "list"]);
    expect(shown.code).toBe(0);
    expect(shown.json).toMatchObject({
      target: expect.stringContaining("stored data of the local runtime"),
      job: { jobId: "nightly" },
    });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^nightly\s+rate\(1 hour\)\s+yes/m);
  });

  it("logs prints a stored run's log lines, and --follow stops at them", async () => {
    const result = await cli(["logs", runId, "--follow"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("writes no more lines");
    expect(result.stdout).toMatch(/run succeeded/);
  });

  it("while a live process holds the runtime lock (a runtime starting), reads nothing and says to retry", async () => {
    // This test's own process stands for a runtime that took the lock and is not up yet.
    const self = identifyProcess(process.pid);
    if (!self) throw new Error("cannot identify this process");
    const lock = runtimeLockPath(local.stateDir);
    writeFileSync(lock, `${JSON.stringify({ ...self, startedAt: "2026-11-29T20:00:00.000Z" })}\n`);
    try {
      const result = await cli(["runs", "nightly"]);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(
        `(pid ${process.pid}, started 2026-11-29T20:00:00.000Z) is starting or stopping`,
      );
      expect(result.stderr).not.toContain("reading its stored data");
    } finally {
      rmSync(lock, { force: true });
    }
  });

  it("a command that needs the runtime running says how to start it, and names what still works", async () => {
    const result = await cli(["run", "nightly"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("Start one with `npm start`");
    expect(result.stderr).toContain(
      "(The stopped runtime's stored history can be read: jobs list, jobs show, runs, inspect, logs and console.)",
    );
  });

  it("console shows the stored history read-only, says to start the runtime for each action, and leaves with Ctrl-C", async () => {
    const child = spawn(process.execPath, [CLI_BIN, "--state-dir", local.stateDir, "console"], {
      detached: true, // its own process group, as a terminal's Ctrl-C reaches it
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", AGENTCRON_CLI_REQUIRE_COMPILED: "1", TMPDIR: cliTemp },
    });
    let output = "";
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk;
      });
    }
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 120_000;
      while (!/http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.test(output) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(output)?.[0];
      if (!url) throw new Error(`agentcron console printed no URL:\n${output}`);
      const { origin } = new URL(url);
      const cookie = sessionCookieOf(await rawRequest(url));

      const jobs = await rawRequest(`${origin}/`, { headers: { cookie } });
      const run = await rawRequest(`${origin}/runs/${runId}`, { headers: { cookie } });
      const pause = await rawRequest(`${origin}/jobs/nightly/pause`, {
        method: "POST",
        headers: { cookie, origin, "content-type": "application/x-www-form-urlencoded" },
        body: "",
      });
      const afterPause = await rawRequest(`${origin}${String(pause.headers.location)}`, {
        headers: { cookie },
      });
      const post = (path: string, body: string) =>
        rawRequest(`${origin}${path}`, {
          method: "POST",
          headers: { cookie, origin, "content-type": "application/x-www-form-urlencoded" },
          body,
        });
      const runNow = await post("/jobs/nightly/run", "");
      const afterRunNow = await rawRequest(`${origin}${String(runNow.headers.location)}`, {
        headers: { cookie },
      });
      const deadLetters = await rawRequest(`${origin}/dead-letters`, { headers: { cookie } });
      const redrive = await post("/dead-letters/redrive", "queue=fires&max=10");
      const afterRedrive = await rawRequest(`${origin}${String(redrive.headers.location)}`, {
        headers: { cookie },
      });

      expect(output).toContain("agentcron console for the stored data of the local runtime");
      expect(jobs.status).toBe(200);
      expect(jobs.body).toContain("nightly");
      expect(run.status).toBe(200);
      expect(run.body).toContain("report ready");
      expect(pause.status).toBe(303);
      expect(afterPause.body).toContain("is not running; its stored data is only read here");
      // The queues live only while the runtime runs: each action that needs one says so.
      const queuesGone = "is not running, and its queues exist only while it runs: start it with npm start";
      expect(runNow.status).toBe(303);
      expect(afterRunNow.body).toContain(queuesGone);
      expect(deadLetters.body).toContain(queuesGone);
      expect(redrive.status).toBe(303);
      expect(afterRedrive.body).toContain(queuesGone);
    } finally {
      if (child.exitCode === null) signalProcess(-(child.pid ?? 0), "SIGINT");
    }
    expect(await exited).toBe(0);
  });

  it("leaves the runtime's data untouched, and no copy and no DynamoDB Local behind", () => {
    expect(digestOf(join(local.stateDir, "data"))).toBe(dataBefore);
    expect(readdirSync(cliTemp)).toEqual([]);
    expect(processesMentioning(cliTemp)).toEqual([]);
  });
});
