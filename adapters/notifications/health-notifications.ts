import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { Logger } from "#core/logger.ts";
import type { HealthNotifications } from "#core/ports.ts";
import { healthMessageOf } from "./health-message.ts";

/**
 * Job-health notifications on the stage's alarm topic, beside the CloudWatch alarms' own: consumers
 * still subscribe to one topic. The client is injected (tests point it at the emulator).
 */
export function createSnsHealthNotifications(
  client: SNSClient,
  options: { topicArn: string; serviceName: string },
): HealthNotifications {
  return {
    async publish(notice) {
      const message = healthMessageOf(options.serviceName, notice);
      await client.send(
        new PublishCommand({
          TopicArn: options.topicArn,
          Subject: message.subject,
          Message: message.body,
          MessageAttributes: Object.fromEntries(
            Object.entries(message.attributes).map(([name, value]) => [
              name,
              { DataType: "String", StringValue: value },
            ]),
          ),
        }),
      );
    },
  };
}

/**
 * Job-health notifications as log lines: the local runtime has no alarm topic, and its log is where
 * an operator looks. The line carries the whole message.
 */
export function createLoggedHealthNotifications(log: Logger, serviceName: string): HealthNotifications {
  return {
    async publish(notice) {
      const message = healthMessageOf(serviceName, notice);
      const line = notice.state === "unhealthy" ? log.warn.bind(log) : log.info.bind(log);
      line(message.subject, {
        jobId: notice.jobId,
        notification: JSON.parse(message.body) as unknown,
      });
    },
  };
}
