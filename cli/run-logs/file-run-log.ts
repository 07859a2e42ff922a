import { closeSync, openSync, readSync, statSync } from "node:fs";
import { parseLogLine } from "./log-line.ts";
import type { RunLogLine } from "./run-log-source.ts";

/**
 * Reads a run's log file (the local runtime's `<runId>.log`) from where it left off: each call
 * returns the complete lines written since the last one. A file that does not exist yet (the run is
 * still queued) has no lines.
 */
export class FileRunLog {
  private offset = 0;
  private partial = "";

  constructor(readonly path: string) {}

  readNew(): RunLogLine[] {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return [];
    }
    if (size <= this.offset) return [];
    const buffer = Buffer.alloc(size - this.offset);
    const fd = openSync(this.path, "r");
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const text = this.partial + buffer.toString("utf8");
    const lines = text.split("\n");
    // The last piece is a line still being written (or "" after a newline): kept for next time.
    this.partial = lines.pop() ?? "";
    const now = Date.now();
    return lines.filter((line) => line !== "").map((line) => parseLogLine(line, now));
  }
}
