import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { requiredLocalStackServices, waitForLocalStack } from "#infra/localstack/cdklocal-environment.ts";

// deploy:local's wait for LocalStack, against a fake health endpoint on loopback.
let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

/** Serves /_localstack/health; `statusOf` decides each service's state per request. */
async function fakeLocalStack(statusOf: (service: string, request: number) => string): Promise<string> {
  let requests = 0;
  server = createServer((request, response) => {
    if (request.url !== "/_localstack/health") {
      response.statusCode = 404;
      response.end();
      return;
    }
    requests++;
    const services = Object.fromEntries(
      requiredLocalStackServices("scheduler").map((service) => [service, statusOf(service, requests)]),
    );
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ version: "2026.09.0", services }));
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("waiting for LocalStack", () => {
  it("returns once every service the stage needs is available", async () => {
    // Lambda starts on the third poll.
    const endpoint = await fakeLocalStack((service, request) =>
      service === "lambda" && request < 3 ? "initializing" : "available",
    );

    const health = await waitForLocalStack({
      endpoint,
      services: requiredLocalStackServices("scheduler"),
      waitSeconds: 60,
      pollMs: 20,
    });

    expect(health.version).toBe("2026.09.0");
  });

  it("names the services that never came up and how to start LocalStack", async () => {
    const endpoint = await fakeLocalStack((service) => (service === "scheduler" ? "disabled" : "running"));

    const wait = waitForLocalStack({
      endpoint,
      services: requiredLocalStackServices("scheduler"),
      waitSeconds: 0.2,
      pollMs: 20,
    });

    await expect(wait).rejects.toThrow(
      /not ready: scheduler=disabled.*docker compose -f localstack-compose.yml up -d/,
    );
  });

  it("says no answer came when nothing listens", async () => {
    const endpoint = await fakeLocalStack(() => "available");
    server?.close();
    await new Promise((resolve) => setTimeout(resolve, 50));

    const wait = waitForLocalStack({ endpoint, services: ["s3"], waitSeconds: 0.2, pollMs: 20 });

    await expect(wait).rejects.toThrow(/was not healthy after 0.2s \(fetch failed/);
  });
});
