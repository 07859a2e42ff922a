import { describe, expect, it } from "vitest";
import { createStyle } from "../../../cli/output.ts";
import { renderRunOutput } from "../../../cli/render/run-output.ts";

const plain = createStyle(false);

describe("a run's output as the CLI shows it", () => {
  it("shows every line of the kept output, each in a gutter", () => {
    const lines = renderRunOutput(
      { output: { summary: "first", bytes: 17, truncated: false } },
      { text: "first\nsecond\nthird\n", bytes: 19, truncated: false },
      plain,
    );
    expect(lines).toEqual(["  │ first", "  │ second", "  │ third"]);
  });

  it("falls back on the record's summary, every line of it, and says when it is only the start", () => {
    const lines = renderRunOutput(
      { output: { summary: "a\nb", bytes: 9000, truncated: true } },
      undefined,
      plain,
    );
    expect(lines).toEqual(["  │ a", "  │ b", "  (the first 3 of 9000 bytes: the run's summary)"]);
  });

  it("adds the end of stdout when the output was cut, and the end of stderr", () => {
    const lines = renderRunOutput(
      { output: undefined },
      {
        text: "head\n[output truncated: kept the first 4 of 99 bytes]",
        bytes: 99,
        truncated: true,
        stdoutTail: "…tail",
        stderrTail: "warning: x\nfatal: y",
      },
      plain,
    );
    expect(lines).toEqual([
      "  │ head",
      "  │ [output truncated: kept the first 4 of 99 bytes]",
      "  stdout, its end:",
      "  │ …tail",
      "  stderr, its end:",
      "  │ warning: x",
      "  │ fatal: y",
    ]);
  });

  it("shows terminal control characters an agent wrote escaped, never played", () => {
    const lines = renderRunOutput(
      { output: undefined },
      { text: "\x1b[2Jcleared?", bytes: 13, truncated: false },
      plain,
    );
    expect(lines).toEqual(["  │ \\x1b[2Jcleared?"]);
  });

  it("shows the last 20 lines of a long stream tail and says how many more are kept", () => {
    const stderrTail = Array.from({ length: 30 }, (_, index) => `debug ${index}`).join("\n");
    const lines = renderRunOutput(
      { output: undefined },
      { text: "", bytes: 0, truncated: false, stderrTail },
      plain,
    );
    expect(lines[0]).toBe("  stderr, its end: (last 20 lines; 10 more kept, --json has them)");
    expect(lines.slice(1)).toEqual(Array.from({ length: 20 }, (_, index) => `  │ debug ${index + 10}`));
  });
});
