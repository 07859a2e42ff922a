import type { RunOutputRecord } from "#core/runs/run-output.ts";
import type { RunRecord } from "#core/runs/run-record.ts";
import type { Style } from "../output.ts";

const GUTTER = "  │ ";
/** Lines of a stream tail shown on a terminal: its end is what explains a failure. */
const TAIL_LINES_SHOWN = 20;

/**
 * A run's output, every line of it, each in a gutter so it reads apart from agentcron's own words:
 * the full output kept with the run when there is one (else the record's summary, saying it is
 * one), then the tail of stdout when the output was cut, and the tail of stderr. Control characters
 * an agent wrote (terminal escapes) are shown escaped, never played.
 */
export function renderRunOutput(
  run: Pick<RunRecord, "output">,
  kept: RunOutputRecord | undefined,
  style: Style,
): string[] {
  const lines: string[] = [];
  const text = kept?.text ?? run.output?.summary;
  if (text !== undefined && text !== "") {
    lines.push(...body(text));
    if (!kept && run.output?.truncated) {
      lines.push(
        style.dim(
          `  (the first ${Buffer.byteLength(text, "utf8")} of ${run.output.bytes} bytes: the run's summary)`,
        ),
      );
    }
  }
  if (kept?.truncated && kept.stdoutTail) lines.push(...tail("stdout", kept.stdoutTail, style));
  if (kept?.stderrTail) lines.push(...tail("stderr", kept.stderrTail, style));
  return lines;
}

/** The last lines of a stream tail, saying how many more the run keeps. */
function tail(stream: "stdout" | "stderr", text: string, style: Style): string[] {
  const all = body(text);
  const shown = all.slice(-TAIL_LINES_SHOWN);
  const hidden = all.length - shown.length;
  return [
    style.bold(`  ${stream}, its end:`) +
      (hidden > 0 ? style.dim(` (last ${shown.length} lines; ${hidden} more kept, --json has them)`) : ""),
    ...shown,
  ];
}

function body(text: string): string[] {
  return text
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => `${GUTTER}${visible(line)}`);
}

// C0 controls but tab, and DEL: an escape sequence in an agent's output must not move the cursor or
// recolour the terminal of whoever reads it.
const CONTROL = new RegExp(
  `[${String.fromCharCode(0)}-${String.fromCharCode(8)}${String.fromCharCode(11)}-${String.fromCharCode(31)}${String.fromCharCode(127)}]`,
  "g",
);

function visible(line: string): string {
  return line.replace(CONTROL, (character) => `\\x${character.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
