import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

const READ_OPERATIONS = new Set([
  "GetItem",
  "BatchGetItem",
  "Query",
  "Scan",
  "TransactGetItems",
  "DescribeTable",
]);

/** Requests by DynamoDB operation (GetItem, TransactWriteItems, ...), and capacity where reported. */
export class RequestCounter {
  readonly requests = new Map<string, number>();
  readCapacity = 0;
  writeCapacity = 0;

  /** Counts every request the client sends and asks DynamoDB to report the capacity it consumed. */
  attach(client: DynamoDBClient): this {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName ?? "unknown").replace(/Command$/, "");
        this.requests.set(operation, (this.requests.get(operation) ?? 0) + 1);
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity ??= "TOTAL";
        const result = await next(args);
        const output = result.output as { ConsumedCapacity?: unknown };
        const isRead = READ_OPERATIONS.has(operation);
        for (const consumed of [output.ConsumedCapacity].flat()) {
          const units = consumed as
            | { ReadCapacityUnits?: number; WriteCapacityUnits?: number; CapacityUnits?: number }
            | undefined;
          // With ReturnConsumedCapacity=TOTAL only CapacityUnits comes back; attribute it by operation.
          this.readCapacity += units?.ReadCapacityUnits ?? (isRead ? (units?.CapacityUnits ?? 0) : 0);
          this.writeCapacity += units?.WriteCapacityUnits ?? (isRead ? 0 : (units?.CapacityUnits ?? 0));
        }
        return result;
      },
      { step: "initialize", name: "agentcronRequestCounter" },
    );
    return this;
  }

  reset(): void {
    this.requests.clear();
    this.readCapacity = 0;
    this.writeCapacity = 0;
  }

  total(kind: "read" | "write"): number {
    let total = 0;
    for (const [operation, count] of this.requests)
      if (READ_OPERATIONS.has(operation) === (kind === "read")) total += count;
    return total;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.requests].sort(([a], [b]) => a.localeCompare(b)));
  }
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
