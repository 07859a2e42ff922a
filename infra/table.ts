import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { createTableInput, TABLE_SCHEMA } from "#adapters/dynamodb/table-definition.ts";

export interface AgentcronTableProps {
  /**
   * What happens to the table when the stack is deleted. RETAIN also turns on deletion protection.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The one table (jobs, leases, runs, fire keys, stats), built from the same definition the tests
 * and the local runtime create their tables from: keys, attribute types, both indexes and their
 * projections come from `createTableInput`, the TTL attribute from `TABLE_SCHEMA`.
 *
 * - On-demand: load follows the schedules, which come in bursts at the top of the minute.
 * - Point-in-time recovery: run history and job definitions are operator data.
 * - Encrypted with the AWS-managed key (aws/dynamodb): every use of the key is in CloudTrail, and
 *   there is no key policy to keep in step with the functions' roles (a customer key would need one).
 * - TTL on `ttl` is garbage collection only; liveness never depends on it (DESIGN invariant 1).
 */
export class AgentcronTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: AgentcronTableProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    // The physical name is left to CloudFormation: a retained table keeps its name, and a fixed
    // name would make redeploying the stage fail on the table left behind.
    const definition = createTableInput("agentcron");
    const attribute = (name: string): dynamodb.Attribute => ({
      name,
      type: attributeTypeOf(definition, name),
    });
    const keyOf = (
      keySchema: readonly { AttributeName?: string; KeyType?: string }[],
      keyType: "HASH" | "RANGE",
    ) => {
      const name = keySchema.find((key) => key.KeyType === keyType)?.AttributeName;
      return name === undefined ? undefined : attribute(name);
    };

    const partitionKey = keyOf(definition.KeySchema ?? [], "HASH");
    if (!partitionKey) throw new Error("the table definition has no partition key");
    this.table = new dynamodb.Table(this, "Table", {
      partitionKey,
      sortKey: keyOf(definition.KeySchema ?? [], "RANGE"),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
    });

    for (const index of definition.GlobalSecondaryIndexes ?? []) {
      const indexPartitionKey = keyOf(index.KeySchema ?? [], "HASH");
      if (!index.IndexName || !indexPartitionKey)
        throw new Error("an index of the table definition has no name or key");
      this.table.addGlobalSecondaryIndex({
        indexName: index.IndexName,
        partitionKey: indexPartitionKey,
        sortKey: keyOf(index.KeySchema ?? [], "RANGE"),
        projectionType: projectionTypeOf(index.Projection?.ProjectionType),
      });
    }
  }
}

function attributeTypeOf(
  definition: ReturnType<typeof createTableInput>,
  name: string,
): dynamodb.AttributeType {
  const type = definition.AttributeDefinitions?.find(
    (attribute) => attribute.AttributeName === name,
  )?.AttributeType;
  switch (type) {
    case "S":
      return dynamodb.AttributeType.STRING;
    case "N":
      return dynamodb.AttributeType.NUMBER;
    case "B":
      return dynamodb.AttributeType.BINARY;
    default:
      throw new Error(`the table definition does not declare the type of attribute ${name}`);
  }
}

function projectionTypeOf(type: string | undefined): dynamodb.ProjectionType {
  switch (type) {
    case "ALL":
      return dynamodb.ProjectionType.ALL;
    case "KEYS_ONLY":
      return dynamodb.ProjectionType.KEYS_ONLY;
    default:
      throw new Error(`unsupported index projection ${type ?? "(none)"} in the table definition`);
  }
}
