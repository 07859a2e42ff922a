import type { RunOutput } from "../runs/run-record.ts";

/** The most of an agent's output a run record keeps (DynamoDB items are capped at 400 KB). */
export const OUTPUT_SUMMARY_BYTES = 8_192;

/** The first bytes of the output (on a character boundary), its full size and whether it was cut. */
export function summarizeOutput(output: string, limitBytes = OUTPUT_SUMMARY_BYTES): RunOutput {
  const bytes = Buffer.byteLength(output, "utf8");
  if (bytes <= limitBytes) return { summary: output, bytes, truncated: false };
  let summary = Buffer.from(output, "utf8").subarray(0, limitBytes).toString("utf8");
  // A cut through a multi-byte character decodes to U+FFFD at the end; drop it.
  summary = summary.replace(/\uFFFD+$/, "");
  return { summary, bytes, truncated: true };
}
