import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "#local/emulators/dynamodb-local.ts";
import { startSqsEmulator } from "#local/emulators/sqs-emulator.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    sqsEndpoint: string;
  }
}

/**
 * Starts DynamoDB Local and the SQS emulator on free loopback ports for the integration tests and
 * stops them afterwards. With AWS_ENDPOINT_URL set (e.g. LocalStack on 127.0.0.1:4566), starts
 * nothing and points the tests there instead: the suite runs unchanged against either.
 */
export default async function setup(project: TestProject) {
  const external = process.env.AWS_ENDPOINT_URL;
  if (external) {
    project.provide("dynamodbEndpoint", external);
    project.provide("sqsEndpoint", external);
    return;
  }
  const [dynamodb, sqs] = await Promise.all([startDynamoDbLocal(), startSqsEmulator()]);
  project.provide("dynamodbEndpoint", dynamodb.endpoint);
  project.provide("sqsEndpoint", sqs.endpoint);
  return async () => {
    await Promise.all([sqs.stop(), dynamodb.stop()]);
  };
}
