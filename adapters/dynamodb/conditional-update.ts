import { ConditionalCheckFailedException, type Update, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { attributeNames, attributeValues } from "./expressions.ts";
import type { ItemKey } from "./keys.ts";
import { plain } from "./records.ts";
import type { TableContext } from "./table-context.ts";

/** An UpdateItem without its table. */
export type UpdateSpec = Omit<Update, "TableName">;

export type ConditionalUpdateResult =
  | { readonly applied: true }
  /** The condition failed: `old` is the item as it was (undefined if there was none). */
  | { readonly applied: false; readonly old: Record<string, unknown> | undefined };

/** An update spec from expressions whose `#names` name their attributes. */
export function updateSpec(
  key: ItemKey,
  update: string,
  condition: string,
  values?: Readonly<Record<string, unknown>>,
): UpdateSpec {
  return {
    Key: attributeValues(key),
    UpdateExpression: update,
    ConditionExpression: condition,
    ExpressionAttributeNames: attributeNames([update, condition]),
    ExpressionAttributeValues: values ? attributeValues(values) : undefined,
  };
}

/**
 * Runs a conditional UpdateItem whose failed condition is an answer, not an error ("someone else
 * already did it", or "not in the state I expected"): it comes back with the item's old values,
 * read from the failed write itself.
 */
export async function conditionalUpdate(
  table: TableContext,
  spec: UpdateSpec,
): Promise<ConditionalUpdateResult> {
  try {
    await table.client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        ...spec,
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return { applied: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { applied: false, old: plain(error.Item) };
  }
}
