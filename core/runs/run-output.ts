import { HarnessFailedError, type HarnessTurnResult } from "../agents/harness.ts";

/**
 * The most of a run's output kept with it, in an item of its own next to the run record (a
 * DynamoDB item holds at most 400 KB; this leaves room for the stream tails and the keys).
 */
export const RUN_OUTPUT_LIMIT_BYTES = 256 * 1024;

/** The most of each stream tail kept (a `command` agent's last stdout and stderr). */
export const STREAM_TAIL_LIMIT_BYTES = 8 * 1024;

/** A run's full output, as kept: what `inspect` and `run --wait` show. */
export interface RunOutputRecord {
  /** The output, every line, up to RUN_OUTPUT_LIMIT_BYTES; when cut, it ends with a marker saying so. */
  readonly text: string;
  /** The whole output's size in bytes (UTF-8), kept or not. */
  readonly bytes: number;
  readonly truncated: boolean;
  /** The end of what a local agent process wrote to stdout (the `command` harness). */
  readonly stdoutTail?: string;
  /** The end of what it wrote to stderr: the first thing to read when it failed. */
  readonly stderrTail?: string;
}

/**
 * What of a run's output to keep: the harness's result, or what it had when it was stopped
 * (`partial`), or — when it failed — what it produced before failing. Undefined when there is
 * nothing to keep.
 */
export function runOutputOf(
  produced: Partial<HarnessTurnResult> | undefined,
  failure: unknown,
): RunOutputRecord | undefined {
  const source = produced ?? (failure instanceof HarnessFailedError ? failure.partial : undefined);
  const output = source?.output;
  const stdoutTail = boundedTail(source?.streams?.stdoutTail);
  const stderrTail = boundedTail(source?.streams?.stderrTail);
  if (output === undefined && stdoutTail === undefined && stderrTail === undefined) return undefined;
  return {
    ...capOutput(output ?? ""),
    ...(stdoutTail === undefined ? {} : { stdoutTail }),
    ...(stderrTail === undefined ? {} : { stderrTail }),
  };
}

/** The first `limitBytes` of `output` (on a character boundary), with a marker when cut. */
export function capOutput(
  output: string,
  limitBytes = RUN_OUTPUT_LIMIT_BYTES,
): Pick<RunOutputRecord, "text" | "bytes" | "truncated"> {
  const bytes = Buffer.byteLength(output, "utf8");
  if (bytes <= limitBytes) return { text: output, bytes, truncated: false };
  // A cut through a multi-byte character decodes to U+FFFD at the end; drop it.
  const kept = Buffer.from(output, "utf8")
    .subarray(0, limitBytes)
    .toString("utf8")
    .replace(/\uFFFD+$/, "");
  const marker = `\n[output truncated: kept the first ${Buffer.byteLength(kept, "utf8")} of ${bytes} bytes]`;
  return { text: `${kept}${marker}`, bytes, truncated: true };
}

function boundedTail(tail: string | undefined): string | undefined {
  if (tail === undefined || tail === "") return undefined;
  const buffer = Buffer.from(tail, "utf8");
  if (buffer.length <= STREAM_TAIL_LIMIT_BYTES) return tail;
  // The end is what matters; a cut through a character at the start decodes to U+FFFD: drop it.
  return buffer
    .subarray(buffer.length - STREAM_TAIL_LIMIT_BYTES)
    .toString("utf8")
    .replace(/^\uFFFD+/, "");
}
