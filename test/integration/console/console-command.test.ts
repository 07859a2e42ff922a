import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { writeRuntimeState } from "#local/runtime-state.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";
import { runCli } from "../../../cli/program.ts";

let env: TestEnvironment;
let stateDir: string;
let occupied: Server;

beforeAll(async () => {
  env = await createTestEnvironment();
  stateDir = mkdtempSync(join(tmpdir(), "agentcron-console-cmd-"));
  // A "running local runtime" whose state names this test's table and queues (this process is its pid).
  writeRuntimeState(
    {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      dynamodbEndpoint: inject("dynamodbEndpoint"),
      sqsEndpoint: inject("sqsEndpoint"),
      region: "us-east-1",
      tableName: env.tableName,
      queues: env.queues,
      serviceName: "agentcron-test",
      turnFunctionTimeoutSeconds: 900,
      logFile: join(stateDir, "agentcron.log"),
    },
    stateDir,
  );
  occupied = createServer();
  await new Promise<void>((resolve) => occupied.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await new Promise((resolve) => occupied?.close(resolve));
  rmSync(stateDir, { recursive: true, force: true });
  await env?.destroy();
});

describe("agentcron console", () => {
  it("exits 2 saying what to do when its --port is taken", async () => {
    const port = (occupied.address() as AddressInfo).port;
    let stderr = "";
    const code = await runCli(["--state-dir", stateDir, "console", "--port", String(port)], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      stdin: new PassThrough(),
      env: {},
    });

    expect(code).toBe(2);
    expect(stderr).toContain(
      `port ${port} on 127.0.0.1 is in use: pick another with --port, or leave it out for a free one`,
    );
  });
});
