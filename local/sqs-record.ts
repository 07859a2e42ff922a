import type { Message } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";

/**
 * A received SQS message as the Lambda event source mapping hands it to a function: the record the
 * handlers read (receive count, message attributes). Missing timestamps are taken as `nowMs`.
 */
export function sqsRecordOf(
  message: Message,
  source: { readonly queueArn: string; readonly senderId: string; readonly nowMs: number },
): SQSRecord {
  const attributes = message.Attributes ?? {};
  const now = String(source.nowMs);
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? now,
      SenderId: attributes.SenderId ?? source.senderId,
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? now,
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          stringValue: value.StringValue,
          dataType: value.DataType ?? "String",
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: source.queueArn,
    awsRegion: "us-east-1",
  };
}
