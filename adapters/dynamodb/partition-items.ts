import { type AttributeValue, QueryCommand } from "@aws-sdk/client-dynamodb";
import { attributeValues } from "./expressions.ts";
import { plain } from "./records.ts";
import type { TableContext } from "./table-context.ts";

/**
 * The items of one partition — those whose sort key starts with `prefix`, or lies `between` two
 * keys (inclusive), when given — page after page, in sort-key order (`newestFirst` reverses it: run
 * ids are ULIDs, so that is time order). Callers stop iterating when they have enough; no page is
 * read that is not needed.
 */
export async function* partitionItems(
  table: TableContext,
  pk: string,
  options: {
    prefix?: string;
    between?: readonly [string, string];
    newestFirst?: boolean;
    pageSize?: number;
  } = {},
): AsyncGenerator<Record<string, unknown>> {
  const condition = options.between
    ? "#pk = :pk AND #sk BETWEEN :from AND :to"
    : options.prefix
      ? "#pk = :pk AND begins_with(#sk, :prefix)"
      : "#pk = :pk";
  const sortKeyed = options.between !== undefined || options.prefix !== undefined;
  let exclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const result = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: condition,
        ExpressionAttributeNames: sortKeyed ? { "#pk": "pk", "#sk": "sk" } : { "#pk": "pk" },
        ExpressionAttributeValues: attributeValues({
          ":pk": pk,
          ...(options.between
            ? { ":from": options.between[0], ":to": options.between[1] }
            : { ":prefix": options.prefix }),
        }),
        ScanIndexForward: !options.newestFirst,
        ConsistentRead: true,
        Limit: options.pageSize,
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    for (const item of result.Items ?? []) yield plain(item) as Record<string, unknown>;
    exclusiveStartKey = result.LastEvaluatedKey;
  } while (exclusiveStartKey);
}

/** Up to `limit` items of `partitionItems`, collected. */
export async function collectItems(
  items: AsyncIterable<Record<string, unknown>>,
  limit = Number.POSITIVE_INFINITY,
) {
  const collected: Record<string, unknown>[] = [];
  for await (const item of items) {
    if (collected.length >= limit) break;
    collected.push(item);
  }
  return collected;
}
