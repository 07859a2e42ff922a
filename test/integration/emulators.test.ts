import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("starting DynamoDB Local", () => {
  it("says that Java is missing and how to install it, when it is", () => {
    // Prepare: a process that cannot find any java (no JAVA_HOME, nothing on PATH but node's dir).
    const script = `
      import { startDynamoDbLocal } from "#local/emulators/dynamodb-local.ts";
      try { await startDynamoDbLocal(); console.log("STARTED"); } catch (error) { console.log(error.name + ": " + error.message); }
    `;
    // Act
    const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: process.cwd(),
      env: { PATH: "/nonexistent", HOME: process.env.HOME ?? "/tmp" },
      encoding: "utf8",
      // A Node + tsx start: a second when idle, many on a busy machine. The limit is for a hang.
      timeout: 100_000,
    });
    // Assess
    expect(result.stdout).toContain("DynamoDbLocalStartError: Java was not found");
    expect(result.stdout).toContain("openjdk-17-jre-headless");
    expect(result.stdout).toContain("JAVA_HOME");
  }, 120_000);
});
