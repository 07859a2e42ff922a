/**
 * What `npm test` repeats about a failed step at its very end: CI shows only the tail of its log,
 * and a suite's own failure report scrolls away under the steps that ran after it (and, in
 * `.ci/run`, under the whole second Node version's run). Pure: text in, lines out.
 */
import { stripVTControlCharacters } from "node:util";

/** Keeps the last `limit` lines written to it (chunks may split lines anywhere). */
export class TailLines {
  private readonly lines: string[] = [];
  private partial = "";

  constructor(private readonly limit: number) {}

  write(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = parts.pop() ?? "";
    for (const line of parts) this.push(line);
  }

  /** Every kept line, the unterminated last one included. */
  all(): string[] {
    return this.partial === "" ? [...this.lines] : [...this.lines, this.partial].slice(-this.limit);
  }

  private push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.limit) this.lines.shift();
  }
}

/** A vitest report's header for one failed test or file: ` FAIL  <project> path > suite > test`. */
const FAIL_HEADER = /^\s*FAIL\s+\S/;
/** The separators vitest draws around its failure report (`⎯⎯⎯ Failed Tests 2 ⎯⎯⎯`). */
const SEPARATOR = /^\s*⎯{3,}/;
/** A source code frame (`  3| test(...)`), its caret line, or a stack frame: not the message. */
const FRAME = /^\s*(\d+\||\||❯|at\s)/;
/** vitest's closing counts: `Test Files  1 failed | 30 passed (31)`, `Tests  2 failed | ...`. */
const COUNTS = /^\s*(Test Files|Tests)\s+\S/;

/**
 * The lines worth repeating about a failed step's output: for a vitest report, each failed test's
 * header with the first lines of its error message, then the counts; for anything else (tsc,
 * biome), the output's end. At most `maxLines` lines.
 */
export function failureExcerpt(output: readonly string[], maxLines = 40): string[] {
  const lines = output.map((line) => stripVTControlCharacters(line));
  const excerpt: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    if (!FAIL_HEADER.test(line)) continue;
    excerpt.push(line.trim());
    let kept = 0;
    for (let next = index + 1; next < lines.length && kept < 3; next++) {
      const following = lines[next] ?? "";
      if (FAIL_HEADER.test(following) || SEPARATOR.test(following) || FRAME.test(following)) break;
      if (following.trim() === "") {
        if (kept > 0) break;
        continue;
      }
      excerpt.push(`  ${following.trim()}`);
      kept++;
    }
  }
  if (excerpt.length === 0) return clip(lastNonEmpty(lines, Math.min(maxLines, 25)), maxLines);
  const counts = lines.filter((line) => COUNTS.test(line)).map((line) => line.trim());
  return clip([...excerpt, ...counts.slice(-2)], maxLines);
}

function clip(lines: readonly string[], maxLines: number): string[] {
  return lines.length > maxLines
    ? [...lines.slice(0, maxLines - 1), `… and ${lines.length - maxLines + 1} more lines`]
    : [...lines];
}

function lastNonEmpty(lines: readonly string[], count: number): string[] {
  const trimmed = [...lines];
  while (trimmed.length > 0 && (trimmed[trimmed.length - 1] ?? "").trim() === "") trimmed.pop();
  return trimmed.slice(-count);
}
