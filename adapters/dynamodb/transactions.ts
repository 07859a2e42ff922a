import {
  type DynamoDBClient,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { TransientError } from "#core/errors.ts";

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
 * fire's previous outcome was from the failed write itself, without a second read. A transaction
 * cancelled by a conflict with a concurrent one, or by throttling, was not applied: it is raised
 * as a TransientError for the core to retry within its step's budget. Anything else is thrown.
 */
export async function transactWrite(
  client: DynamoDBClient,
  items: readonly TransactWriteItem[],
): Promise<TransactionOutcome> {
  const request = items.map(withOldValuesOnFailure);
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
    const passing = codes.find((code) => PASSING_CANCELLATIONS.has(code));
    if (passing) {
      throw new TransientError(
        `dynamodb TransactWriteItems was cancelled (${codes.join(", ")}); nothing was applied`,
        { service: "dynamodb", operation: "TransactWriteItems", code: passing, maybeApplied: false },
        { cause: error },
      );
    }
    throw error;
  }
}

/** Cancellation reasons a retry may fix: a concurrent transaction on the same items, throttling. */
const PASSING_CANCELLATIONS = new Set([
  "TransactionConflict",
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
]);

function withOldValuesOnFailure(item: TransactWriteItem): TransactWriteItem {
  if (item.Put) return { Put: { ...item.Put, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } };
  if (item.Update) return { Update: { ...item.Update, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } };
  if (item.Delete) return { Delete: { ...item.Delete, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } };
  if (item.ConditionCheck) {
    return { ConditionCheck: { ...item.ConditionCheck, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } };
  }
  return item;
}
