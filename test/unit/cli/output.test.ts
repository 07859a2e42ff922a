import { describe, expect, it } from "vitest";
import { colourEnabled, createStyle, renderTable, visibleLength } from "../../../cli/output.ts";

describe("tables", () => {
  it("pads every column to its widest cell, right-aligns numbers and leaves no trailing spaces", () => {
    // Act
    const lines = renderTable(
      [{ header: "JOB" }, { header: "RUNS", align: "right" }, { header: "LAST" }],
      [
        ["inbox-triage", "7", "succeeded"],
        ["seo", "120", ""],
      ],
    );
    // Assess
    expect(lines).toEqual([
      "JOB           RUNS  LAST",
      "inbox-triage     7  succeeded",
      "seo            120",
    ]);
  });

  it("measures cells by what a terminal shows, not by their colour codes", () => {
    // Prepare
    const style = createStyle(true);
    // Act
    const lines = renderTable([{ header: "STATUS" }, { header: "RUN" }], [[style.red("failed"), "01J"]]);
    // Assess
    expect(visibleLength(style.red("failed"))).toBe(6);
    expect(lines[1]).toBe(`${style.red("failed")}  01J`);
  });
});

describe("colour", () => {
  it("is on for a terminal only", () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({}, {})).toBe(false);
  });

  it("is off whenever NO_COLOR is set to something, even on a terminal", () => {
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
  });

  it("writes no escape codes when off", () => {
    const style = createStyle(false);
    expect(style.red("x") + style.bold("y") + style.status("failed")).toBe("xyfailed");
  });
});
