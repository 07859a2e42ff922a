import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getRun } from "#adapters/dynamodb/reads.ts";
import { getRunOutput } from "#adapters/dynamodb/run-output.ts";
import { RUN_OUTPUT_LIMIT_BYTES } from "#core/runs/run-output.ts";
import { childScript } from "#test/support/agents/child-script.ts";
import { demoJob } from "#test/support/fixtures.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";
import { fireAndRunTurn } from "#test/support/turn-fixtures.ts";

let env: TestEnvironment;
beforeAll(async () => {
  env = await createTestEnvironment({ clock: "real" });
});
afterAll(async () => {
  await env.destroy();
});

/** A `command` job running `node -e SCRIPT`. */
function nodeCommandJob(id: string, script: string) {
  return demoJob({
    id,
    agent: { harness: "command", prompt: "x", options: { command: process.execPath, args: ["-e", script] } },
  });
}

describe("a run's full output, kept next to its record", () => {
  it("keeps every line of a multi-line output, beyond the record's summary", async () => {
    // Prepare: 400 lines, about 16 KB — twice the run record's summary.
    const lines = Array.from({ length: 400 }, (_, index) => `line ${index}: ${"·".repeat(30)}`);
    // Act
    const { message, outcome } = await fireAndRunTurn(
      env,
      demoJob({
        id: "many-lines",
        agent: { harness: "demo", prompt: "x", options: { output: lines.join("\n") } },
      }),
    );
    // Assess
    expect(outcome).toMatchObject({ kind: "ended", status: "succeeded" });
    const run = await getRun(env.store.table, message.jobId, message.runId);
    expect(run?.output?.truncated).toBe(true);
    const kept = await getRunOutput(env.store.table, message.jobId, message.runId);
    expect(kept).toMatchObject({ truncated: false, bytes: Buffer.byteLength(lines.join("\n")) });
    expect(kept?.text.split("\n")).toEqual(lines);
  });

  it("keeps the first 256 KB of a larger output and says it was truncated", async () => {
    // Act: a command agent that writes 300,000 bytes.
    const { message, outcome } = await fireAndRunTurn(
      env,
      nodeCommandJob("big-output", "process.stdout.write('y'.repeat(300000))"),
    );
    // Assess
    expect(outcome).toMatchObject({ kind: "ended", status: "succeeded" });
    const kept = await getRunOutput(env.store.table, message.jobId, message.runId);
    expect(kept).toMatchObject({ truncated: true, bytes: 300_000 });
    expect(kept?.text.startsWith("y".repeat(RUN_OUTPUT_LIMIT_BYTES))).toBe(true);
    expect(
      kept?.text.endsWith(`\n[output truncated: kept the first ${RUN_OUTPUT_LIMIT_BYTES} of 300000 bytes]`),
    ).toBe(true);
    expect(kept?.stdoutTail?.endsWith("yyyy")).toBe(true);
  });

  it("keeps the stdout and stderr tails of a command agent that failed", async () => {
    // Act: an agent that reports progress on stdout, logs on stderr and exits with code 3.
    const { message, outcome } = await fireAndRunTurn(
      env,
      demoJob({
        id: "failing-agent",
        agent: {
          harness: "command",
          prompt: "x",
          options: { command: process.execPath, args: [childScript("fail-after-progress.mjs")] },
        },
      }),
    );
    // Assess: failed, with its error; the run keeps what it wrote on both streams.
    expect(outcome).toMatchObject({
      kind: "ended",
      status: "failed",
      error: { class: "HarnessFailedError" },
    });
    const kept = await getRunOutput(env.store.table, message.jobId, message.runId);
    expect(kept?.text).toBe("step 0 done\nstep 1 done\nstep 2 done\n");
    expect(kept?.stdoutTail).toBe("step 0 done\nstep 1 done\nstep 2 done");
    expect(kept?.stderrTail?.endsWith("debug line 999\nfatal: the agent configuration file is missing")).toBe(
      true,
    );
    expect(kept?.stderrTail?.startsWith("debug line 0\n")).toBe(false); // a tail, bounded
  });
});
