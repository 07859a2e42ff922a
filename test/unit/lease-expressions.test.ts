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
  it("acquires only a free lease with nothing pending, increments the token, and keeps a queued run's lease until its start deadline", () => {
    const nowMs = Date.UTC(2026, 10, 22, 4, 0, 0);
    const startDeadlineAt = nowMs + 900_000;
    const update = acquireLease({
      jobId: "job",
      runId: "run",
      fireKey: "job#t",
      nowMs,
      startDeadlineAt,
      firstCheckAt: nowMs + 60_000,
    });
    expect(update.ConditionExpression).toBe(
      "attribute_not_exists(#holderRunId) AND attribute_not_exists(#pendingBufferId)",
    );
    expect(update.UpdateExpression).toContain("#token = if_not_exists(#token, :zero) + :one");
    const values = unmarshall(update.ExpressionAttributeValues ?? {});
    // Waiting is not dying: the queued lease expires at the start deadline, in epoch ms...
    expect(values[":startDeadlineAt"]).toBe(startDeadlineAt);
    expect(values[":firstCheckAt"]).toBe(nowMs + 60_000);
    // ...and the TTL is garbage collection only, in seconds, a month after the lease was last used.
    expect(values[":ttl"]).toBe(ttlAfterDays(startDeadlineAt, 30));
    expect(values[":ttl"] * 1000 - values[":startDeadlineAt"]).toBe(30 * 86_400_000);
  });

  it("consumes exactly the pending fire it saw, so the run counts the fires it took off the lease", () => {
    const update = acquireLease({
      jobId: "job",
      runId: "run",
      fireKey: "job#buffered#b1",
      nowMs: 0,
      startDeadlineAt: 900_000,
      firstCheckAt: 60_000,
      consumePending: { bufferId: "b1", count: 176 },
    });
    expect(update.ConditionExpression).toBe(
      "attribute_not_exists(#holderRunId) AND #pendingBufferId = :bufferId AND #pendingCount = :count",
    );
    expect(update.UpdateExpression).toMatch(/REMOVE .*#pendingCount/);
    expect(unmarshall(update.ExpressionAttributeValues ?? {})[":count"]).toBe(176);
  });

  it("begins a queued run only while its lease (its start deadline) has not expired", () => {
    const begin = renewLease({
      jobId: "j",
      runId: "r",
      token: 1,
      nowMs: 5,
      leaseSeconds: 60,
      phaseDeadlineAt: 10_000,
      requireUnexpired: true,
    });
    expect(begin.ConditionExpression).toBe(
      "(#holderRunId = :runId AND #token = :token) AND #expiresAt >= :now",
    );
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
