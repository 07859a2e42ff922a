import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { connectTarget } from "../../cli/connect.ts";
import type { Deployment } from "../../cli/target.ts";
import type { TestEnvironment } from "./test-environment.ts";

/**
 * The deployment the CLI (and so the console) would connect to for this test environment's table
 * and queues on the shared emulators: a "local runtime" whose state names them, on the
 * environment's clock. Its `close` removes the state folder it made.
 */
export async function consoleDeploymentOf(env: TestEnvironment): Promise<Deployment> {
  const stateDir = mkdtempSync(join(tmpdir(), "agentcron-console-"));
  const deployment = await connectTarget(
    {
      kind: "local",
      stateDir,
      state: {
        pid: process.pid,
        startedAt: new Date().toISOString(),
        dynamodbEndpoint: inject("dynamodbEndpoint"),
        sqsEndpoint: inject("sqsEndpoint"),
        region: process.env.AWS_REGION ?? "us-east-1",
        tableName: env.tableName,
        queues: env.queues,
        serviceName: "agentcron-test",
        turnFunctionTimeoutSeconds: 900,
        logFile: join(stateDir, "agentcron.log"),
      },
    },
    env.clock,
  );
  return {
    ...deployment,
    close: async () => {
      try {
        await deployment.close();
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
      }
    },
  };
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * One HTTP request with exactly the headers given (Host included: the console checks it, and
 * fetch would not let a test forge it).
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpAnswer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? "GET",
        headers: { host: target.host, ...options.headers },
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8").on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    request.on("error", reject);
    if (options.body !== undefined) request.write(options.body);
    request.end();
  });
}

/** The session cookie the console sets (name=value), from a token exchange's answer. */
export function sessionCookieOf(answer: HttpAnswer): string {
  const setCookie = answer.headers["set-cookie"];
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return (first ?? "").split(";")[0] ?? "";
}
