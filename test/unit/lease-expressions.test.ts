import { unmarshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, it } from "vitest";
import { ttlAfterDays } from "#adapters/dynamodb/keys.ts";
import {
  acquireLease,
  bufferOnLease,
  releaseLease,
  renewLease,
} from "#adapters/dynamodb/lease-expressions.ts";

describe("lease expressions", () => {
  it("acquires only a free lease, increments the token and keeps expiry in epoch ms with a TTL in epoch seconds", () => {
    const nowMs = Date.UTC(2026, 10, 22, 4, 0, 0);
    const update = acquireLease({ jobId: "job", runId: "run", fireKey: "job#t", nowMs, leaseSeconds: 60 });
    expect(update.ConditionExpression).toBe("attribute_not_exists(#holderRunId)");
    expect(update.UpdateExpression).toContain("#token = if_not_exists(#token, :zero) + :one");
    const values = unmarshall(update.ExpressionAttributeValues ?? {});
    expect(values[":expiresAt"]).toBe(nowMs + 60_000);
    // Garbage collection only, in seconds, a month after the lease was last used.
    expect(values[":ttl"]).toBe(ttlAfterDays(nowMs + 60_000, 30));
    expect(values[":ttl"] * 1000 - values[":expiresAt"]).toBe(30 * 86_400_000);
  });

  it("fences renewals and releases on the holder and its token", () => {
    const renew = renewLease({
      jobId: "j",
      runId: "r",
      token: 7,
      nowMs: 0,
      leaseSeconds: 30,
      phaseDeadlineAt: 10_000,
    });
    expect(renew.ConditionExpression).toBe("(#holderRunId = :runId AND #token = :token)");
    expect(unmarshall(renew.ExpressionAttributeValues ?? {})[":sweepAt"]).toBe(10_000);
    const release = releaseLease({ jobId: "j", runId: "r", token: 7, nowMs: 0 });
    expect(release.ConditionExpression).toBe("(#holderRunId = :runId AND #token = :token)");
  });

  it("lets an authority release a holder only while it is still overdue, so a heartbeat landing first wins", () => {
    expect(
      releaseLease({ jobId: "j", runId: "r", token: 1, nowMs: 5, overdue: "lease-expired" })
        .ConditionExpression,
    ).toContain("#expiresAt < :now");
    expect(
      releaseLease({ jobId: "j", runId: "r", token: 1, nowMs: 5, overdue: "phase-overdue" })
        .ConditionExpression,
    ).toContain("#phaseDeadlineAt < :now");
  });

  it("buffers only behind the same live holder, and requests a stop only for replace", () => {
    const buffer = bufferOnLease({
      jobId: "j",
      holderRunId: "h",
      scheduledAt: 1,
      nowMs: 2,
      requestStop: false,
      fireKey: "f",
    });
    expect(buffer.ConditionExpression).toBe("#holderRunId = :holder AND #expiresAt >= :now");
    expect(buffer.UpdateExpression).not.toContain("stopRequestedAt");
    const replace = bufferOnLease({
      jobId: "j",
      holderRunId: "h",
      scheduledAt: 1,
      nowMs: 2,
      requestStop: true,
      fireKey: "f",
    });
    expect(replace.UpdateExpression).toContain("#stopRequestedAt = if_not_exists(#stopRequestedAt, :now)");
  });
});
