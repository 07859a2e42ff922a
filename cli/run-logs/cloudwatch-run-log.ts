import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { parseLogLine } from "./log-line.ts";
import type { RunLogLine } from "./run-log-source.ts";

/**
 * Reads a run's lines from a log group (the turn function's) with FilterLogEvents, filtered by the
 * run id: each call returns the events not returned before, oldest first. Events arrive in
 * CloudWatch a few seconds after they are written, so a follower keeps reading from the newest
 * time it saw (inclusive) and drops the events it already returned.
 */
export class CloudWatchRunLog {
  private readonly seen = new Set<string>();
  private from: number;

  constructor(
    private readonly client: CloudWatchLogsClient,
    readonly logGroupName: string,
    readonly runId: string,
    /** Epoch ms: no line of the run is older (its creation, less a minute of clock skew). */
    startTime: number,
  ) {
    this.from = startTime;
  }

  static create(
    config: { readonly region?: string; readonly endpoint?: string },
    logGroupName: string,
    runId: string,
    startTime: number,
  ): CloudWatchRunLog {
    return new CloudWatchRunLog(
      new CloudWatchLogsClient({ ...config, maxAttempts: 3 }),
      logGroupName,
      runId,
      startTime,
    );
  }

  async readNew(): Promise<RunLogLine[]> {
    const found: RunLogLine[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new FilterLogEventsCommand({
          logGroupName: this.logGroupName,
          // A quoted term matches the run id anywhere in the event: JSON lines and plain text alike.
          filterPattern: `"${this.runId}"`,
          startTime: this.from,
          nextToken,
        }),
      );
      for (const event of page.events ?? []) {
        const id = event.eventId ?? `${event.timestamp}:${event.message}`;
        if (this.seen.has(id) || event.message === undefined) continue;
        this.seen.add(id);
        found.push(parseLogLine(event.message.trimEnd(), event.timestamp ?? Date.now()));
        this.from = Math.max(this.from, event.timestamp ?? this.from);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return found.sort((a, b) => a.at - b.at);
  }

  close(): void {
    this.client.destroy();
  }
}
