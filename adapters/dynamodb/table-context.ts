import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** What every DynamoDB adapter function needs: the client (injected, Powertools style) and the table. */
export interface TableContext {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}
