import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commandHarness, commandOptionsSchema } from "#adapters/harnesses/command.ts";
import { HarnessAbortedError, HarnessFailedError } from "#core/agents/harness.ts";
import { childScript } from "#test/support/agents/child-script.ts";
import { isProcessRunning, signalProcess } from "#test/support/agents/processes.ts";
import { turnInput } from "#test/support/agents/turn-input.ts";
import { waitUntil } from "#test/support/wait.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    cleanup();
  }
});

function scratchFile(name: string): string {
  const directory = mkdtempSync(join(tmpdir(), "agentcron-command-"));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  return join(directory, name);
}

/** Kills leftovers if an assertion failed before the harness did (tests must not leave processes). */
function killOnCleanup(pids: () => number[]) {
  cleanups.push(() => {
    for (const pid of pids()) {
      try {
        signalProcess(pid, "SIGKILL");
      } catch {
        // already gone: the expected case
      }
    }
  });
}

/** The pids a child wrote, once it has written them all (an empty or half-written file gives none). */
function readPids(file: string): number[] {
  try {
    const text = readFileSync(file, "utf8");
    return /^\d+( \d+)*\n?$/.test(text) ? text.trim().split(" ").map(Number) : [];
  } catch {
    return [];
  }
}

describe("command harness", () => {
  it("completes a child that writes 1 MB to stdout before reading its prompt from stdin", async () => {
    // Prepare
    const options = commandOptionsSchema.parse({
      command: process.execPath,
      args: [childScript("big-output-before-stdin.mjs")],
    });

    // Act
    const result = await commandHarness.run(turnInput(options, { prompt: "summarise the backlog" }));

    // Assess
    expect(result.stopReason).toBe("completed");
    expect(result.output).toHaveLength(1_000_000 + "\nPROMPT:summarise the backlog".length);
    expect(result.output.endsWith("\nPROMPT:summarise the backlog")).toBe(true);
  });

  it("keeps the first maxOutputBytes of stdout, notes the truncation and still drains the child", async () => {
    const options = commandOptionsSchema.parse({
      command: process.execPath,
      args: [childScript("big-output-before-stdin.mjs")],
      maxOutputBytes: 4096,
    });

    const result = await commandHarness.run(turnInput(options, { prompt: "p" }));

    const total = 1_000_000 + "\nPROMPT:p".length;
    expect(result.output).toBe(
      `${"x".repeat(4096)}\n[output truncated: kept the first 4096 of ${total} bytes]`,
    );
  });

  it("SIGKILLs a child that ignores SIGTERM once the grace has passed", async () => {
    // Prepare
    const pidFile = scratchFile("pid");
    killOnCleanup(() => readPids(pidFile));
    const options = commandOptionsSchema.parse({
      command: process.execPath,
      args: [childScript("ignore-sigterm.mjs"), pidFile],
      // Long enough for the child to be scheduled and say it ignores SIGTERM on a busy machine.
      killGraceSeconds: 3,
    });
    const controller = new AbortController();
    const running = commandHarness
      .run(turnInput(options, { signal: controller.signal }))
      .catch((error) => error);
    await waitUntil(() => readPids(pidFile).length === 1, 30_000, "the child to write its pid");
    const [pid] = readPids(pidFile);
    const abortedAt = Date.now();

    // Act
    controller.abort(new Error("maxRunSeconds ceiling reached"));
    const outcome = await running;

    // Assess
    expect(outcome).toBeInstanceOf(HarnessAbortedError);
    expect((outcome as HarnessAbortedError).partial.output).toContain("working...");
    expect((outcome as HarnessAbortedError).partial.output).toContain("got SIGTERM, ignoring it");
    // The grace was given: the harness did not return before it passed...
    expect(Date.now() - abortedAt).toBeGreaterThanOrEqual(2_900);
    // ...and then the child, which ignores SIGTERM and never exits by itself, was killed. Its exit is
    // reaped asynchronously, so wait for it — a slow machine only makes this take longer.
    await waitUntil(() => !isProcessRunning(pid ?? -1), 30_000, `pid ${pid} to be gone after SIGKILL`);
  });

  it("fails with the exit code and the tail of stderr when the child exits non-zero", async () => {
    const options = commandOptionsSchema.parse({
      command: process.execPath,
      args: [childScript("fail-with-stderr.mjs")],
    });

    const outcome = await commandHarness.run(turnInput(options)).catch((error) => error);

    expect(outcome).toBeInstanceOf(HarnessFailedError);
    expect((outcome as Error).message).toContain("exited with code 3");
    expect((outcome as Error).message).toContain("fatal: the agent configuration file is missing");
    expect((outcome as Error).message).not.toContain("debug line 0:");
  });

  it("kills the grandchildren too when the turn is stopped (the child leads its own process group)", async () => {
    // Prepare
    const pidFile = scratchFile("pids");
    killOnCleanup(() => readPids(pidFile));
    const options = commandOptionsSchema.parse({
      command: process.execPath,
      args: [childScript("spawn-grandchild.mjs"), pidFile, "wait"],
      killGraceSeconds: 1,
    });
    const controller = new AbortController();
    const running = commandHarness
      .run(turnInput(options, { signal: controller.signal }))
      .catch((error) => error);
    await waitUntil(() => readPids(pidFile).length === 2, 30_000, "the child to start its grandchild");
    const [childPid, grandchildPid] = readPids(pidFile);

    // Act
    controller.abort(new Error("replace requested"));
    const outcome = await running;

    // Assess
    expect(outcome).toBeInstanceOf(HarnessAbortedError);
    await waitUntil(
      () => !isProcessRunning(childPid ?? -1),
      30_000,
      `the child (pid ${childPid}) to be gone`,
    );
    await waitUntil(
      () => !isProcessRunning(grandchildPid ?? -1),
      30_000,
      `the grandchild (pid ${grandchildPid}) to be gone`,
    );
  });

  it("ends the background processes a child leaves behind when it exits", async () => {
    const pidFile = scratchFile("pids");
    killOnCleanup(() => readPids(pidFile));
    const options = commandOptionsSchema.parse({
      command: process.execPath,
      args: [childScript("spawn-grandchild.mjs"), pidFile, "exit"],
    });

    const result = await commandHarness.run(turnInput(options));

    const [, grandchildPid] = readPids(pidFile);
    expect(result.output).toBe("done, leaving a background process\n");
    await waitUntil(
      () => !isProcessRunning(grandchildPid ?? -1),
      30_000,
      `the background process (pid ${grandchildPid}) to be gone`,
    );
  });

  it("gives the child its prompt, env, envFromSecrets and run ids, but not the rest of the runtime's environment", async () => {
    // Prepare
    process.env.LEAKY_RUNTIME_SECRET = "must-not-leak";
    cleanups.push(() => {
      delete process.env.LEAKY_RUNTIME_SECRET;
    });
    const options = commandOptionsSchema.parse({
      command: process.execPath,
      args: [childScript("print-environment.mjs")],
      env: { AGENT_MODE: "print" },
      envFromSecrets: { AGENT_TOKEN: "env:CODING_AGENT_TOKEN" },
    });

    // Act
    const result = await commandHarness.run(
      turnInput(options, { prompt: "triage new issues", env: { CODING_AGENT_TOKEN: "tok-123" } }),
    );

    // Assess
    expect(JSON.parse(result.output)).toEqual({
      prompt: "triage new issues",
      env: {
        AGENT_TOKEN: "tok-123",
        AGENT_MODE: "print",
        AGENTCRON_JOB_ID: "job-test",
        AGENTCRON_RUN_ID: "run-test",
        LEAKY_RUNTIME_SECRET: null,
        PATH: process.env.PATH ?? null,
      },
    });
  });

  it("fails with a clear message when the command does not exist", async () => {
    const options = commandOptionsSchema.parse({ command: "/nonexistent/agentcron-agent" });

    await expect(commandHarness.run(turnInput(options))).rejects.toThrow(
      /Could not start command "\/nonexistent\/agentcron-agent": spawn \/nonexistent\/agentcron-agent ENOENT/,
    );
  });
});
