import {
  type DynamoDBClient,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";

export type TransactionOutcome =
  | { readonly committed: true }
  | {
      readonly committed: false;
      /** Per item, in request order: the failed condition's old item (ALL_OLD) or `undefined`. */
      readonly failedConditions: readonly (FailedCondition | undefined)[];
    };

export interface FailedCondition {
  /** The item as it was when the condition failed; `undefined` if it did not exist. */
  readonly item: Record<string, unknown> | undefined;
}

/**
 * Runs a TransactWriteItems. A transaction cancelled only by failed conditions is an answer, not an
 * error: it comes back with the failing items' old values (every item asks for
 * ReturnValuesOnConditionCheckFailure = ALL_OLD), so the caller learns who holds a lease or what a
 * fire's previous outcome was from the failed write itself, without a second read. Conflicts with a
 * concurrent transaction are retried here; anything else is thrown.
 */
export async function transactWrite(
  client: DynamoDBClient,
  items: readonly TransactWriteItem[],
  options: { maxConflictRetries?: number } = {},
): Promise<TransactionOutcome> {
  const request = items.map(withOldValuesOnFailure);
  const maxRetries = options.maxConflictRetries ?? 5;
  for (let attempt = 0; ; attempt++) {
    try {
      await client.send(new TransactWriteItemsCommand({ TransactItems: request }));
      return { committed: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const codes = reasons.map((reason) => reason.Code ?? "None");
      const onlyConditions = codes.every((code) => code === "None" || code === "ConditionalCheckFailed");
      if (onlyConditions && codes.includes("ConditionalCheckFailed")) {
        return {
          committed: false,
          failedConditions: reasons.map((reason) =>
            reason.Code === "ConditionalCheckFailed"
              ? { item: reason.Item ? unmarshall(reason.Item) : undefined }
              : undefined,
          ),
        };
      }
      // TransactionConflict: another transaction touched one of these items at the same moment.
      const retryable = codes.some((code) => code === "TransactionConflict" || code === "ThrottlingError");
      if (!retryable || attempt >= maxRetries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt + Math.random() * 20));
    }
  }
}

function withOldValuesOnFailure(item: TransactWriteItem): TransactWriteItem {
  if (item.Put) return { Put: { ...item.Put, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } };
  if (item.Update) return { Update: { ...item.Update, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } };
  if (item.Delete) return { Delete: { ...item.Delete, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } };
  if (item.ConditionCheck) {
    return { ConditionCheck: { ...item.ConditionCheck, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } };
  }
  return item;
}
