import { describe, expect, it } from "vitest";
import { HarnessFailedError } from "#core/agents/harness.ts";
import { capOutput, runOutputOf, STREAM_TAIL_LIMIT_BYTES } from "#core/runs/run-output.ts";

describe("what of a run's output is kept", () => {
  it("keeps an output within the limit as it is", () => {
    expect(capOutput("a\nb\nc", 10)).toEqual({ text: "a\nb\nc", bytes: 5, truncated: false });
  });

  it("cuts a longer output on a character boundary and says how much it kept", () => {
    // "é" is two bytes: a cut after 5 bytes would split the third one.
    const kept = capOutput("ééééé", 5);
    expect(kept).toEqual({
      text: "éé\n[output truncated: kept the first 4 of 10 bytes]",
      bytes: 10,
      truncated: true,
    });
  });

  it("keeps what a failed harness produced before failing, with its stream tails", () => {
    const failure = new HarnessFailedError("exited with code 3", {
      partial: {
        output: "half done\n",
        streams: { stdoutTail: "half done", stderrTail: "fatal: no config" },
      },
    });
    expect(runOutputOf(undefined, failure)).toEqual({
      text: "half done\n",
      bytes: 10,
      truncated: false,
      stdoutTail: "half done",
      stderrTail: "fatal: no config",
    });
  });

  it("prefers the result (or the partial output of a stopped turn) over the failure", () => {
    expect(runOutputOf({ output: "final" }, new Error("unrelated"))?.text).toBe("final");
  });

  it("keeps only the end of a stream tail longer than its limit", () => {
    const tail = `${"x".repeat(STREAM_TAIL_LIMIT_BYTES)}THE END`;
    const kept = runOutputOf({ output: "", streams: { stderrTail: tail } }, undefined);
    expect(Buffer.byteLength(kept?.stderrTail ?? "")).toBe(STREAM_TAIL_LIMIT_BYTES);
    expect(kept?.stderrTail?.endsWith("THE END")).toBe(true);
  });

  it("keeps nothing when nothing was produced", () => {
    expect(runOutputOf(undefined, new Error("setup failed"))).toBeUndefined();
  });
});
