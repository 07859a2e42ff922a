import { describe, expect, it } from "vitest";
import { waitUntil } from "#test/support/wait.ts";

/** What the AWS SDK throws for a 500 from DynamoDB Local: an error carrying `$metadata`. */
function serviceError(message: string): Error {
  return Object.assign(new Error(message), { $metadata: { httpStatusCode: 500 } });
}

describe("the tests' waitUntil", () => {
  it("polls again after an AWS service error, and holds once the condition does", async () => {
    let calls = 0;
    await waitUntil(() => {
      calls++;
      if (calls < 3) throw serviceError("waiting for a lock");
      return true;
    }, 30_000);
    expect(calls).toBe(3);
  });

  it("fails at once on any other error", async () => {
    let calls = 0;
    const waiting = waitUntil(() => {
      calls++;
      throw new TypeError("a bug in the condition");
    }, 30_000);
    await expect(waiting).rejects.toThrow("a bug in the condition");
    expect(calls).toBe(1);
  });

  it("names the last service error when time runs out", async () => {
    const waiting = waitUntil(
      () => {
        throw serviceError("waiting for a lock");
      },
      0,
      "the run",
    );
    await expect(waiting).rejects.toThrow(
      "timed out after 0 ms waiting for the run (the last check failed: Error: waiting for a lock)",
    );
  });
});
