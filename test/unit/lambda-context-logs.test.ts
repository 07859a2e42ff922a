import type { Context } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createPowertoolsLogger } from "#adapters/logging/powertools-logger.ts";
import { withLambdaContext } from "#functions/commons/lambda-context.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

/** The JSON lines Powertools Logger writes to stdout while `act` runs. */
async function linesWrittenBy(act: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const written: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  await act();
  vi.restoreAllMocks();
  return written
    .join("")
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const context = {
  functionName: "agentcron-dev-dispatch",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:agentcron-dev-dispatch",
  memoryLimitInMB: "256",
  awsRequestId: "c6af9ac6-7b61-11e6-9a41-93e812345678",
} as Context;

describe("Lambda context in log lines", () => {
  it("puts the invocation's request id and function on every line, the run loggers' too", async () => {
    // Prepare
    const log = createPowertoolsLogger({ serviceName: "agentcron-dev", logLevel: "INFO" });
    const handler = withLambdaContext(log, async (_event: unknown) => {
      log.child({ jobId: "inbox-triage", runId: "01RUN" }).info("run started");
    });

    // Act
    const lines = await linesWrittenBy(() => handler({}, context));

    // Assess
    expect(lines).toEqual([
      expect.objectContaining({
        message: "run started",
        jobId: "inbox-triage",
        function_name: "agentcron-dev-dispatch",
        function_request_id: "c6af9ac6-7b61-11e6-9a41-93e812345678",
        cold_start: expect.any(Boolean),
      }),
    ]);
  });
});
