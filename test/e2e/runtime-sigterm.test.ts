import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { signalProcess } from "#test/support/agents/processes.ts";
import { waitUntil } from "#test/support/wait.ts";
import { runAgentcron } from "./support/cli.ts";
import { descendantsOf, killAll, startRuntimeProcess, waitUntilAllGone } from "./support/runtime-process.ts";

const directory = mkdtempSync(join(tmpdir(), "agentcron-sigterm-"));
const leftovers = new Set<number>();
afterAll(() => {
  killAll(leftovers);
  rmSync(directory, { recursive: true, force: true });
});

describe("SIGTERM to `npm start`", () => {
  it("stops as cleanly as Ctrl-C when `timeout` ends it: the turn in flight is recorded cancelled and no tsx, node or java is left", async () => {
    // Prepare: `timeout 900 npm start` with a long turn in flight.
    const stateDir = join(directory, "state");
    const jobs = join(directory, "jobs.json");
    writeFileSync(
      jobs,
      JSON.stringify({
        jobs: [
          {
            id: "long-turn",
            schedule: "rate(1 day)",
            agent: { harness: "demo", prompt: "x", options: { delayMs: 300_000 } },
            timeouts: { agentTurnSeconds: 400 },
          },
        ],
      }),
    );
    const runtime = startRuntimeProcess(stateDir, ["--jobs", jobs], "timeout-npm-start");
    if (runtime.child.pid) leftovers.add(runtime.child.pid);
    await runtime.running();
    const fired = await runAgentcron(["--state-dir", stateDir, "--json", "run", "long-turn"]);
    const runId = (fired.json as { runId?: string }).runId ?? "";
    await waitUntil(
      async () =>
        (
          (await runAgentcron(["--state-dir", stateDir, "--json", "inspect", runId])).json as {
            run?: { phase?: string };
          }
        )?.run?.phase === "agent-turn",
      90_000,
      "the turn to reach its agent turn",
    );
    // npm, sh, tsx, the runtime's node, its guardian, DynamoDB Local's wrapper and JVM, the turn.
    const everything = descendantsOf(runtime.child.pid ?? 0);
    for (const pid of everything) leftovers.add(pid);

    // Act: what `timeout` does when its time is up (or it is sent SIGTERM): SIGTERM to npm and to
    // its whole process group.
    signalProcess(runtime.child.pid, "SIGTERM");
    await runtime.exited;

    // Assess
    await waitUntilAllGone(everything, "every process of `npm start` to exit");
    expect(runtime.output()).toContain("running turn(s) stop and record themselves as cancelled");
    expect(runtime.output()).toContain("agentcron: stopped");
    expect(runtime.output()).not.toContain("second signal");
    const recorded = readFileSync(join(stateDir, "logs", "agentcron.log"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { message?: string; runId?: string; error?: { class?: string } });
    expect(recorded).toContainEqual(
      expect.objectContaining({
        message: "run cancelled",
        runId,
        error: expect.objectContaining({ class: "RuntimeShutdownError" }),
      }),
    );
  }, 420_000); // its own steps add up past the default 180 s on a busy machine
});
