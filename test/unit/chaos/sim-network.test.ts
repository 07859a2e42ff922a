import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { raiseTransientErrors } from "#adapters/aws/transient-errors.ts";
import { TransientError } from "#core/errors.ts";
import { NO_FAULTS } from "#test/chaos/faults.ts";
import { type Invocation, runAs } from "#test/chaos/origin.ts";
import { createPrng } from "#test/chaos/prng.ts";
import { SimClock } from "#test/chaos/sim-clock.ts";
import { SimNetwork } from "#test/chaos/sim-network.ts";

/**
 * A DynamoDB client whose requests never leave the process: its request handler answers `{}` and
 * counts what reached it (what the "server" applied). The simulated network under test sits above.
 */
function clientWithNetwork(network: SimNetwork) {
  const applied: string[] = [];
  const client = new DynamoDBClient({
    region: "us-east-1",
    credentials: { accessKeyId: "unit", secretAccessKey: "unit" },
    maxAttempts: 1,
    requestHandler: {
      async handle(request: { body?: string }) {
        applied.push(JSON.parse(String(request.body)).Key.pk.S);
        return {
          response: {
            statusCode: 200,
            headers: { "content-type": "application/x-amz-json-1.0" },
            body: new TextEncoder().encode("{}"),
          },
        };
      },
    } as never,
  });
  // As the store does: failures a retry may fix become TransientError, above the simulated network.
  raiseTransientErrors(client, "dynamodb");
  network.attach(client, "dynamodb");
  const get = (key: string) => client.send(new GetItemCommand({ TableName: "t", Key: { pk: { S: key } } }));
  return { get, applied };
}

function invocation(id: number): Invocation {
  return {
    kind: "invocation",
    id,
    fn: "dispatch",
    startedAt: 0,
    timeoutAt: 30_000,
    label: `#${id}`,
    state: "running",
  };
}

function networkOf(seed: number, rates = NO_FAULTS) {
  return new SimNetwork(new SimClock(0), createPrng(seed, "order"), createPrng(seed, "faults"), rates);
}

async function releaseAll(network: SimNetwork) {
  while (network.pendingCount > 0) await network.releaseOne();
}

describe("SimNetwork", () => {
  it("holds every request until the scheduler releases it, one at a time, in an order the seed decides", async () => {
    const orderOf = async (seed: number) => {
      const network = networkOf(seed);
      const { get, applied } = clientWithNetwork(network);
      const calls = ["a", "b", "c", "d", "e"].map((key) => runAs(invocation(1), () => get(key)));
      await new Promise((resolve) => setImmediate(resolve));
      const heldBeforeRelease = [...applied];
      await releaseAll(network);
      await Promise.all(calls);
      return { heldBeforeRelease, order: applied.join("") };
    };

    const first = await orderOf(3);
    const again = await orderOf(3);
    const orders = new Set(
      await Promise.all([1, 2, 3, 4, 5, 6].map(async (seed) => (await orderOf(seed)).order)),
    );

    expect(first.heldBeforeRelease).toEqual([]);
    expect(again.order).toBe(first.order);
    expect(orders.size).toBeGreaterThan(1);
  });

  it("throttles before sending: the application sees a TransientError that was not applied", async () => {
    const network = networkOf(1, { throttled: 1, ambiguous: 0, crash: 0 });
    const { get, applied } = clientWithNetwork(network);

    const call = runAs(invocation(1), () => get("a")).catch((error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    await releaseAll(network);
    const error = await call;

    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).detail.maybeApplied).toBe(false);
    expect(applied).toEqual([]);
    expect(network.counts.faults.throttled).toBe(1);
  });

  it("fails after applying: the request took effect, the application sees a TransientError that may have been applied", async () => {
    const network = networkOf(1, { throttled: 0, ambiguous: 1, crash: 0 });
    const { get, applied } = clientWithNetwork(network);

    const call = runAs(invocation(1), () => get("a")).catch((error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    await releaseAll(network);
    const error = await call;

    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).detail.maybeApplied).toBe(true);
    expect(applied).toEqual(["a"]);
  });

  it("never faults the simulated services' own requests", async () => {
    const network = networkOf(1, { throttled: 1, ambiguous: 0, crash: 0 });
    const { get, applied } = clientWithNetwork(network);

    const call = runAs({ kind: "service", name: "event-source" }, () => get("a"));
    await new Promise((resolve) => setImmediate(resolve));
    await releaseAll(network);
    await call;

    expect(applied).toEqual(["a"]);
  });

  it("drops a killed invocation's requests, and records one sent after its invocation returned", async () => {
    const network = networkOf(1);
    const { get, applied } = clientWithNetwork(network);
    const killed = invocation(1);
    const returned = invocation(2);

    let answered = false;
    void runAs(killed, () => get("pending")).then(() => (answered = true));
    await new Promise((resolve) => setImmediate(resolve));
    killed.state = "killed";
    network.dropRequestsOf(killed);
    void runAs(killed, () => get("after-kill")).then(() => (answered = true));
    returned.state = "returned";
    returned.endedAt = 0;
    const late = runAs(returned, () => get("late"));
    await new Promise((resolve) => setImmediate(resolve));
    await releaseAll(network);
    await late;

    expect(applied).toEqual(["late"]);
    expect(answered).toBe(false);
    expect(network.counts.dropped).toBe(2);
    expect(network.lateRequests).toEqual([
      { origin: "dispatch #2 (#2)", operation: "dynamodb:GetItem", at: 0, afterReturnMs: 0 },
    ]);
  });
});
