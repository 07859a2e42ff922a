import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createStyle } from "../../../cli/output.ts";
import { FileRunLog } from "../../../cli/run-logs/file-run-log.ts";
import { formatLogLine, parseLogLine } from "../../../cli/run-logs/log-line.ts";

const plain = createStyle(false);
const scratch = mkdtempSync(join(tmpdir(), "agentcron-run-log-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("a run's log lines as `agentcron logs` prints them", () => {
  it("shows a JSON line as time, level, message and the fields not said elsewhere", () => {
    const line = parseLogLine(
      JSON.stringify({
        level: "WARN",
        message: "run failed",
        timestamp: "2026-11-22T05:13:16.250Z",
        service: "agentcron",
        jobId: "weekly-digest",
        runId: "01M80TRAKX1FEN49H9S9C7SF5N",
        error: { class: "PluginInitError" },
        toolCalls: 0,
      }),
      0,
    );
    expect(formatLogLine(line, plain)).toBe(
      '05:13:16.250 WARN  run failed error={"class":"PluginInitError"} toolCalls=0',
    );
  });

  it("shows a line that is not JSON as it is, at the time it was stored", () => {
    const line = parseLogLine("Task timed out after 75 seconds", Date.parse("2026-11-22T05:14:00Z"));
    expect(formatLogLine(line, plain)).toBe("05:14:00.000 Task timed out after 75 seconds");
  });

  it("reads a run's file from where it left off, holding back a line still being written", () => {
    const path = join(scratch, "01M80TRAKX1FEN49H9S9C7SF5N.log");
    const log = new FileRunLog(path);
    expect(log.readNew()).toEqual([]); // not written yet: the run is queued
    writeFileSync(path, '{"message":"one"}\n{"message":"tw');
    expect(log.readNew().map((line) => line.record?.message)).toEqual(["one"]);
    appendFileSync(path, 'o"}\n');
    expect(log.readNew().map((line) => line.record?.message)).toEqual(["two"]);
    expect(log.readNew()).toEqual([]);
  });
});
