import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { RunFence } from "#core/ports.ts";
import type { RunOutputRecord } from "#core/runs/run-output.ts";
import { toItem } from "./expressions.ts";
import { keys, ttlAfterDays } from "./keys.ts";
import { getItem } from "./reads.ts";
import type { TableContext } from "./table-context.ts";

/**
 * Writes a run's full output item (`OUTPUT#<runId>` in the job's partition). A plain put, not a
 * fenced transaction: the item belongs to this run alone, so a late writer can overwrite nothing
 * but its own output — and a transaction would double the write cost of up to 270 KB.
 */
export async function saveRunOutput(
  table: TableContext,
  fence: RunFence,
  output: RunOutputRecord,
  options: { nowMs: number; historyRetentionDays: number },
): Promise<void> {
  await table.client.send(
    new PutItemCommand({
      TableName: table.tableName,
      Item: toItem({
        ...keys.runOutput(fence.jobId, fence.runId),
        type: "run-output",
        jobId: fence.jobId,
        runId: fence.runId,
        savedAt: options.nowMs,
        ttl: ttlAfterDays(options.nowMs, options.historyRetentionDays),
        ...output,
      }),
    }),
  );
}

/** A run's full output, if it kept one. */
export async function getRunOutput(
  table: TableContext,
  jobId: string,
  runId: string,
): Promise<RunOutputRecord | undefined> {
  const item = await getItem(table, keys.runOutput(jobId, runId));
  if (!item || typeof item.text !== "string") return undefined;
  return {
    text: item.text,
    bytes: Number(item.bytes),
    truncated: item.truncated === true,
    ...(typeof item.stdoutTail === "string" ? { stdoutTail: item.stdoutTail } : {}),
    ...(typeof item.stderrTail === "string" ? { stderrTail: item.stderrTail } : {}),
  };
}
