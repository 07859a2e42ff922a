import type { Update } from "@aws-sdk/client-dynamodb";

/** An Update without its table: the store adds `TableName`. */
export type LeaseUpdate = Omit<Update, "TableName">;

import { attributeNames, attributeValues, usedAttributeValues } from "./expressions.ts";
import { keys, sweepShardOf, ttlAfterDays } from "./keys.ts";

// The lease logic (DESIGN invariants 1 and 2), as DynamoDB expressions. Everything that takes,
// renews, hands over or gives back a job's lease is built here.
//
// - Liveness is `expiresAt` (epoch ms) compared with the caller's clock *in the condition*; the
//   `ttl` attribute (epoch seconds) is garbage collection only, because DynamoDB deletes expired
//   items lazily and keeps returning them until it does.
// - A lease is acquired only when free. Taking over an expired lease is two steps: the expired
//   holder's run is ended (abandoned, or stalled) and its lease released in one transaction
//   conditioned on `expiresAt < :now` (so a heartbeat that lands first wins), then the now-free
//   lease is acquired. Every takeover is therefore recorded on the run it took over from.
// - Every acquisition increments `token`. Every write a run makes is conditioned on
//   `holderRunId = :runId AND token = :token`, so a run that lost its lease cannot write over its
//   successor. Run ids are unique, so even a lease item garbage-collected and recreated (token back
//   to 1) cannot let a stale run through.

/** How long a lease item outlives its last use before TTL may collect it (job deleted, say). */
const LEASE_GC_DAYS = 30;

/** The lease is free: never held, or released. */
export const LEASE_IS_FREE = "attribute_not_exists(#holderRunId)";

/** Why an authority (sweeper, or dispatch taking over) may end the holder's run. */
export type HolderOverdue = "lease-expired" | "phase-overdue";

/** The holder's time is up: it stopped heartbeating, or its current phase overran. */
export function holderOverdueCondition(overdue: HolderOverdue): string {
  return overdue === "lease-expired" ? "#expiresAt < :now" : "#phaseDeadlineAt < :now";
}

/** The lease is held by this run with this token: the fence on every write a run makes. */
export const LEASE_IS_HELD_BY_RUN = "(#holderRunId = :runId AND #token = :token)";

function leaseUpdate(
  jobId: string,
  updateExpression: string,
  conditionExpression: string,
  values: Record<string, unknown>,
): LeaseUpdate {
  return {
    Key: attributeValues(keys.lease(jobId)),
    UpdateExpression: updateExpression,
    ConditionExpression: conditionExpression,
    ExpressionAttributeNames: attributeNames([updateExpression, conditionExpression]),
    ExpressionAttributeValues: usedAttributeValues([updateExpression, conditionExpression], values),
  };
}

/**
 * Acquires a free lease for a new (queued) run. The queued run's lease lasts until its start
 * deadline (DESIGN invariant 9: waiting is not dying); the heartbeat lease begins with the turn.
 * Its sweep time is when the sweeper should check that the turn began (and hand it off again if
 * not). The acquisition requires the pending fire to be exactly `consumePending` (and consumes it),
 * or nothing pending at all — so the run's count of coalesced fires is the count it took off the
 * lease, never a stale one.
 */
export function acquireLease(params: {
  jobId: string;
  runId: string;
  fireKey: string;
  nowMs: number;
  startDeadlineAt: number;
  firstCheckAt: number;
  consumePending?: { readonly bufferId: string; readonly count: number };
}): LeaseUpdate {
  const consume = params.consumePending
    ? ", #pendingBufferId, #pendingCount, #pendingFirstScheduledAt, #pendingLastScheduledAt"
    : "";
  const update =
    "SET #jobId = :jobId, #type = :type, #holderRunId = :runId, #token = if_not_exists(#token, :zero) + :one, " +
    "#acquiredAt = :now, #expiresAt = :startDeadlineAt, #startDeadlineAt = :startDeadlineAt, " +
    "#holderFireKey = :fireKey, #sweepShard = :shard, #sweepAt = :firstCheckAt, #ttl = :ttl " +
    `REMOVE #heartbeatAt, #stopRequestedAt, #stopRequestedBy, #phase, #phaseDeadlineAt, #releasedAt${consume}`;
  const condition = params.consumePending
    ? `${LEASE_IS_FREE} AND #pendingBufferId = :bufferId AND #pendingCount = :count`
    : `${LEASE_IS_FREE} AND attribute_not_exists(#pendingBufferId)`;
  return leaseUpdate(params.jobId, update, condition, {
    ":jobId": params.jobId,
    ":type": "lease",
    ":runId": params.runId,
    ":zero": 0,
    ":one": 1,
    ":now": params.nowMs,
    ":startDeadlineAt": params.startDeadlineAt,
    ":firstCheckAt": Math.min(params.firstCheckAt, params.startDeadlineAt),
    ":fireKey": params.fireKey,
    ":shard": sweepShardOf(params.jobId),
    ":ttl": ttlAfterDays(params.startDeadlineAt, LEASE_GC_DAYS),
    ":bufferId": params.consumePending?.bufferId,
    ":count": params.consumePending?.count,
  });
}

/**
 * Renews the lease of the run that holds it (heartbeat, or any progress write), moving its sweep
 * time to the earlier of the new expiry and the current phase deadline.
 */
export function renewLease(params: {
  jobId: string;
  runId: string;
  token: number;
  nowMs: number;
  leaseSeconds: number;
  phaseDeadlineAt: number;
  phase?: string;
  /** Beginning a queued run: only while its lease (its start deadline) has not expired. */
  requireUnexpired?: boolean;
}): LeaseUpdate {
  const expiresAt = params.nowMs + params.leaseSeconds * 1000;
  const setPhase = params.phase ? ", #phase = :phase" : "";
  return leaseUpdate(
    params.jobId,
    `SET #expiresAt = :expiresAt, #heartbeatAt = :now, #phaseDeadlineAt = :phaseDeadlineAt, #sweepAt = :sweepAt, #ttl = :ttl${setPhase}`,
    params.requireUnexpired ? `${LEASE_IS_HELD_BY_RUN} AND #expiresAt >= :now` : LEASE_IS_HELD_BY_RUN,
    {
      ":runId": params.runId,
      ":token": params.token,
      ":now": params.nowMs,
      ":expiresAt": expiresAt,
      ":phaseDeadlineAt": params.phaseDeadlineAt,
      ":sweepAt": Math.min(expiresAt, params.phaseDeadlineAt),
      ":ttl": ttlAfterDays(expiresAt, LEASE_GC_DAYS),
      ":phase": params.phase,
    },
  );
}

/**
 * Gives the lease back. A pending fire stays on it, and the lease stays in the sweep index, due at
 * once: the next sweep drains the pending fire (or `settleLease` takes a lease with nothing pending
 * out of the index), so a crash right after the release cannot strand a buffered fire.
 */
export function releaseLease(params: {
  jobId: string;
  runId: string;
  token: number;
  nowMs: number;
  /** Released by an authority: only while the holder is still overdue. */
  overdue?: HolderOverdue;
}): LeaseUpdate {
  return leaseUpdate(
    params.jobId,
    "SET #releasedAt = :now, #lastHolderRunId = :runId, #sweepAt = :now, #ttl = :ttl " +
      "REMOVE #holderRunId, #expiresAt, #heartbeatAt, #acquiredAt, #holderFireKey, #phase, #phaseDeadlineAt, " +
      "#stopRequestedAt, #stopRequestedBy, #startDeadlineAt",
    params.overdue
      ? `${LEASE_IS_HELD_BY_RUN} AND ${holderOverdueCondition(params.overdue)}`
      : LEASE_IS_HELD_BY_RUN,
    {
      ":runId": params.runId,
      ":token": params.token,
      ":now": params.nowMs,
      ":ttl": ttlAfterDays(params.nowMs, LEASE_GC_DAYS),
    },
  );
}

/**
 * Hands the lease from an overdue run straight to its retry (queued, like any new run: its lease
 * lasts until its start deadline), incrementing the token.
 */
export function handOverLease(params: {
  jobId: string;
  fromRunId: string;
  token: number;
  toRunId: string;
  fireKey: string;
  nowMs: number;
  startDeadlineAt: number;
  firstCheckAt: number;
  overdue: HolderOverdue;
}): LeaseUpdate {
  return leaseUpdate(
    params.jobId,
    "SET #holderRunId = :toRunId, #token = #token + :one, #acquiredAt = :now, #expiresAt = :startDeadlineAt, " +
      "#startDeadlineAt = :startDeadlineAt, #holderFireKey = :fireKey, #sweepAt = :firstCheckAt, #ttl = :ttl " +
      "REMOVE #heartbeatAt, #phase, #phaseDeadlineAt, #stopRequestedAt, #stopRequestedBy",
    `${LEASE_IS_HELD_BY_RUN} AND ${holderOverdueCondition(params.overdue)}`,
    {
      ":runId": params.fromRunId,
      ":token": params.token,
      ":toRunId": params.toRunId,
      ":one": 1,
      ":now": params.nowMs,
      ":startDeadlineAt": params.startDeadlineAt,
      ":firstCheckAt": Math.min(params.firstCheckAt, params.startDeadlineAt),
      ":fireKey": params.fireKey,
      ":ttl": ttlAfterDays(params.startDeadlineAt, LEASE_GC_DAYS),
    },
  );
}

/**
 * The sweeper handed a queued run off again: the next check is at `nextCheckAt` — while the run
 * still holds the lease with `token` and has not begun (a begun run's lease has a phase).
 */
export function recordHandoffOnLease(params: {
  jobId: string;
  runId: string;
  token: number;
  nextCheckAt: number;
}): LeaseUpdate {
  return leaseUpdate(
    params.jobId,
    "SET #sweepAt = :nextCheckAt",
    `${LEASE_IS_HELD_BY_RUN} AND attribute_not_exists(#phase)`,
    { ":runId": params.runId, ":token": params.token, ":nextCheckAt": params.nextCheckAt },
  );
}

/**
 * Coalesces a fire into the pending fire while `holderRunId` still holds the lease and its time
 * is not up; with `requestStop`, also flags the holder to stop (`replace`).
 */
export function bufferOnLease(params: {
  jobId: string;
  holderRunId: string;
  scheduledAt: number;
  nowMs: number;
  requestStop: boolean;
  fireKey: string;
}): LeaseUpdate {
  const stop = params.requestStop
    ? ", #stopRequestedAt = if_not_exists(#stopRequestedAt, :now), #stopRequestedBy = :fireKey"
    : "";
  return leaseUpdate(
    params.jobId,
    "SET #pendingBufferId = if_not_exists(#pendingBufferId, :holder), " +
      "#pendingFirstScheduledAt = if_not_exists(#pendingFirstScheduledAt, :scheduledAt), " +
      `#pendingLastScheduledAt = :scheduledAt${stop} ADD #pendingCount :one`,
    "#holderRunId = :holder AND #expiresAt >= :now",
    {
      ":holder": params.holderRunId,
      ":scheduledAt": params.scheduledAt,
      ":now": params.nowMs,
      ":one": 1,
      ":fireKey": params.fireKey,
    },
  );
}
