import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { ConcurrentJobChangeError } from "#core/errors.ts";
import { specHashOf } from "#core/jobs/canonical-json.ts";
import type { JobStore, StoredJob } from "#core/ports.ts";
import { attributeValues, toItem } from "./expressions.ts";
import { keys } from "./keys.ts";
import { collectItems, partitionItems } from "./partition-items.ts";
import { getJob } from "./reads.ts";
import { jobFromItem } from "./records.ts";
import type { TableContext } from "./table-context.ts";

export function createJobRepository(table: TableContext): JobStore {
  return {
    getJob: (jobId) => getJob(table, jobId),

    async listJobs() {
      return (await collectItems(partitionItems(table, keys.job("any").pk))).map(jobFromItem);
    },

    async putJob(spec, previous, nowMs, ownership = {}) {
      const jobId = String(spec.id);
      const expectedVersion = previous?.version ?? 0;
      const stored: StoredJob = {
        jobId,
        spec,
        version: expectedVersion + 1,
        specHash: specHashOf(spec),
        createdAt: previous?.createdAt ?? nowMs,
        updatedAt: nowMs,
        ...(ownership.managedBy ? { managedBy: ownership.managedBy } : {}),
        ...(ownership.operatorEnabled ? { operatorEnabled: ownership.operatorEnabled } : {}),
      };
      try {
        await table.client.send(
          new PutItemCommand({
            TableName: table.tableName,
            Item: toItem({ ...keys.job(jobId), type: "job", ...stored }),
            ConditionExpression: expectedVersion === 0 ? "attribute_not_exists(#pk)" : "#version = :expected",
            ExpressionAttributeNames: expectedVersion === 0 ? { "#pk": "pk" } : { "#version": "version" },
            ExpressionAttributeValues:
              expectedVersion === 0 ? undefined : attributeValues({ ":expected": expectedVersion }),
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          throw new ConcurrentJobChangeError(
            `job ${jobId} changed while it was being written (expected version ${expectedVersion}); re-read and apply again`,
          );
        }
        throw error;
      }
      return stored;
    },

    async setJobOwnership(jobId, expectedVersion, ownership) {
      const set = [
        ...(ownership.managedBy ? ["#managedBy = :managedBy"] : []),
        ...(ownership.operatorEnabled ? ["#operatorEnabled = :operatorEnabled"] : []),
      ];
      const remove = [
        ...(ownership.managedBy ? [] : ["#managedBy"]),
        ...(ownership.operatorEnabled ? [] : ["#operatorEnabled"]),
      ];
      try {
        await table.client.send(
          new UpdateItemCommand({
            TableName: table.tableName,
            Key: attributeValues(keys.job(jobId)),
            UpdateExpression: [
              set.length ? `SET ${set.join(", ")}` : "",
              remove.length ? `REMOVE ${remove.join(", ")}` : "",
            ]
              .join(" ")
              .trim(),
            ConditionExpression: "#version = :expected",
            ExpressionAttributeNames: {
              "#version": "version",
              "#managedBy": "managedBy",
              "#operatorEnabled": "operatorEnabled",
            },
            ExpressionAttributeValues: attributeValues({
              ":expected": expectedVersion,
              ":managedBy": ownership.managedBy,
              ":operatorEnabled": ownership.operatorEnabled,
            }),
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          throw new ConcurrentJobChangeError(
            `job ${jobId} changed while its owner was being recorded (expected version ${expectedVersion}); re-read and apply again`,
          );
        }
        throw error;
      }
    },

    async deleteJob(jobId, expectedVersion) {
      try {
        await table.client.send(
          new DeleteItemCommand({
            TableName: table.tableName,
            Key: attributeValues(keys.job(jobId)),
            ConditionExpression: "#version = :expected",
            ExpressionAttributeNames: { "#version": "version" },
            ExpressionAttributeValues: attributeValues({ ":expected": expectedVersion }),
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          throw new ConcurrentJobChangeError(
            `job ${jobId} changed while it was being deleted; re-read and apply again`,
          );
        }
        throw error;
      }
      // A deleted job is no longer unhealthy: it must not keep the stage's jobs-unhealthy alarm up.
      await table.client.send(
        new DeleteItemCommand({ TableName: table.tableName, Key: attributeValues(keys.unhealthyJob(jobId)) }),
      );
    },
  };
}
