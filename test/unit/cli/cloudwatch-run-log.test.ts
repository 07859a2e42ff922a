import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { CloudWatchRunLog } from "../../../cli/run-logs/cloudwatch-run-log.ts";

const RUN_ID = "01M80TRAKX1FEN49H9S9C7SF5N";
const logs = mockClient(CloudWatchLogsClient);
afterEach(() => logs.reset());

const event = (eventId: string, timestamp: number, message: string) => ({ eventId, timestamp, message });

describe("reading a run's lines from the turn function's log group", () => {
  it("asks for the run id in the log group from the run's start, page after page", async () => {
    // Prepare
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({
        events: [event("a", 1_000, `{"message":"begun","runId":"${RUN_ID}"}\n`)],
        nextToken: "page-2",
      })
      .resolvesOnce({ events: [event("b", 2_000, `{"message":"run succeeded","runId":"${RUN_ID}"}`)] });
    const log = new CloudWatchRunLog(
      new CloudWatchLogsClient({ region: "us-east-1" }),
      "/aws/lambda/agentcron-dev-turn",
      RUN_ID,
      500,
    );
    // Act
    const lines = await log.readNew();
    // Assess
    expect(lines.map((line) => line.record?.message)).toEqual(["begun", "run succeeded"]);
    const calls = logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input);
    expect(calls[0]).toMatchObject({
      logGroupName: "/aws/lambda/agentcron-dev-turn",
      filterPattern: `"${RUN_ID}"`,
      startTime: 500,
    });
    expect(calls[1]).toMatchObject({ nextToken: "page-2" });
  });

  it("when followed, reads on from the newest event it saw and returns each event once", async () => {
    // Prepare: the second read returns the newest event again, with one that arrived since.
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [event("a", 1_000, "first")] })
      .resolvesOnce({ events: [event("a", 1_000, "first"), event("b", 1_000, "second, same millisecond")] });
    const log = new CloudWatchRunLog(new CloudWatchLogsClient({ region: "us-east-1" }), "group", RUN_ID, 0);
    // Act
    const first = await log.readNew();
    const second = await log.readNew();
    // Assess
    expect(first.map((line) => line.text)).toEqual(["first"]);
    expect(second.map((line) => line.text)).toEqual(["second, same millisecond"]);
    expect(logs.commandCalls(FilterLogEventsCommand)[1]?.args[0].input.startTime).toBe(1_000);
  });
});
