import type { JobHealthNotice } from "#core/ports.ts";
import { describeDuration, describeTime } from "#core/time-format.ts";

/** Message attributes subscribers can filter on (an SNS subscription filter policy). */
export const HEALTH_MESSAGE_ATTRIBUTES = {
  kind: "agentcron.kind",
  jobId: "agentcron.jobId",
  state: "agentcron.state",
} as const;

/** The `agentcron.kind` of a job-health message (CloudWatch's own alarm messages have none). */
export const JOB_HEALTH_KIND = "job-health";

/** A job-health notification as it goes on the alarm topic. */
export interface HealthMessage {
  /** The SNS subject: at most 100 characters, one line. */
  readonly subject: string;
  /** The SNS message body (JSON). */
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * The notification for a job that became unhealthy or recovered, for the topic the CloudWatch alarms
 * publish to. The body is the custom-notification JSON of Amazon Q Developer in chat applications
 * (formerly AWS Chatbot) — a title, a description, next steps — so a chat channel subscribed to the
 * topic shows it as is; `metadata.additionalContext` carries the same facts as plain fields (job,
 * state, reasons, first command) for any other consumer. Every message names the job, why, and the
 * first command to run.
 */
export function healthMessageOf(serviceName: string, notice: JobHealthNotice): HealthMessage {
  const unhealthy = notice.state === "unhealthy";
  const title = unhealthy
    ? `${serviceName}: job ${notice.jobId} is unhealthy`
    : `${serviceName}: job ${notice.jobId} is healthy again`;
  const reasons = notice.reasons.map((reason) => reason.message);
  const description = unhealthy
    ? `Job ${notice.jobId} is unhealthy: ${reasons.join("; ")}. First: ${notice.firstCommand}`
    : `Job ${notice.jobId} is healthy again after ${describeDuration(notice.at - notice.since)} (it was unhealthy since ${describeTime(notice.since)}: ${reasons.join("; ") || "no reason recorded"}). Its last runs succeeded. First: ${notice.firstCommand}`;
  const nextSteps = unhealthy
    ? [...new Set([notice.firstCommand, ...notice.reasons.map((reason) => reason.firstCommand)])]
    : [notice.firstCommand];
  const body = {
    version: "1.0",
    source: "custom",
    id: `${serviceName}/${notice.jobId}/${notice.state}/${notice.at}`,
    content: {
      textType: "client-markdown",
      title,
      description,
      nextSteps,
    },
    metadata: {
      threadId: `${serviceName}/job-health/${notice.jobId}`,
      summary: title,
      eventType: unhealthy ? "JobUnhealthy" : "JobHealthy",
      additionalContext: {
        kind: JOB_HEALTH_KIND,
        service: serviceName,
        jobId: notice.jobId,
        state: notice.state,
        reasons: notice.reasons.map((reason) => reason.code).join(","),
        since: new Date(notice.since).toISOString(),
        at: new Date(notice.at).toISOString(),
        firstCommand: notice.firstCommand,
      },
    },
  };
  return {
    subject: oneLine(title).slice(0, 100),
    body: JSON.stringify(body),
    attributes: {
      [HEALTH_MESSAGE_ATTRIBUTES.kind]: JOB_HEALTH_KIND,
      [HEALTH_MESSAGE_ATTRIBUTES.jobId]: notice.jobId,
      [HEALTH_MESSAGE_ATTRIBUTES.state]: notice.state,
    },
  };
}

/** SNS subjects are one line of printable ASCII. */
function oneLine(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, " ");
}
