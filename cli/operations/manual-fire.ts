import { randomBytes } from "node:crypto";
import { getFire, getJob, listRuns } from "#adapters/dynamodb/reads.ts";
import { createSqsQueue } from "#adapters/sqs/sqs-queue.ts";
import { type FireMessage, fireKeyOf } from "#core/fires/fire-message.ts";
import { type JobDefinition, validateJob } from "#core/jobs/job-schema.ts";
import type { StoredJob } from "#core/ports.ts";
import type { FireRecord, RunRecord } from "#core/runs/run-record.ts";
import { UnhealthyError } from "../exit-codes.ts";
import { lenientValidation } from "../job-state.ts";
import type { Deployment } from "../target.ts";
import { jobNotFound } from "./job-overview.ts";

/** A manual fire that was sent, waiting for dispatch's answer. */
export interface ManualFire {
  readonly jobId: string;
  readonly fireKey: string;
  readonly stored: StoredJob;
  /** The job's definition with defaults (undefined when it does not validate even leniently). */
  readonly job?: JobDefinition;
  /** Epoch ms when it was sent. */
  readonly sentAt: number;
}

/** Dispatch answers a fire within seconds; past this the fire is reported as not picked up. */
export const DISPATCH_ANSWER_MS = 60_000;

/**
 * Fires a job now: the same message a schedule sends (`source: "manual"`) with a unique fire id
 * (`<origin>-<time>-<random>`, so its fire key says who fired it), on the fires queue.
 * @throws NotFoundError when the deployment has no such job; UnhealthyError when the job is paused
 *   (a fire would be rejected, so none is sent).
 */
export async function sendManualFire(
  deployment: Deployment,
  jobId: string,
  origin: "cli" | "console",
): Promise<ManualFire> {
  const stored = await getJob(deployment.table, jobId);
  if (!stored) throw jobNotFound(deployment, jobId);
  const checked = validateJob(stored.spec, lenientValidation(deployment.validation));
  if (checked.ok && !checked.job.enabled) {
    throw new UnhealthyError(
      `job ${jobId} is paused, so a fire would be rejected: resume it first (agentcron jobs resume ${jobId})`,
    );
  }
  const message: FireMessage = {
    version: 1,
    jobId,
    scheduledAt: new Date(deployment.clock.now()).toISOString(),
    source: "manual",
    fireId: `${origin}-${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`,
  };
  const fireKey = fireKeyOf(message);
  await createSqsQueue(deployment.sqs, deployment.queueUrl("fires")).send(JSON.stringify(message), {
    jobId,
    fireKey,
  });
  return { jobId, fireKey, stored, job: checked.ok ? checked.job : undefined, sentAt: Date.now() };
}

/** Dispatch's answer to a fire (its fire record), or undefined if none came by `deadline` (epoch ms). */
export function awaitFireOutcome(
  deployment: Deployment,
  fire: Pick<ManualFire, "jobId" | "fireKey">,
  deadline: number,
): Promise<FireRecord | undefined> {
  return pollUntil(() => getFire(deployment.table, fire.jobId, fire.fireKey), deadline, 250);
}

/** The run a buffered fire became: the job's first run from a drain created after the fire. */
export async function drainedRunAfter(
  deployment: Deployment,
  fire: FireRecord,
): Promise<RunRecord | undefined> {
  const runs = await listRuns(deployment.table, fire.jobId, { limit: 10, sinceMs: fire.receivedAt - 1000 });
  return runs
    .filter((run) => run.source === "buffered" && run.createdAt >= fire.receivedAt)
    .sort((a, b) => a.createdAt - b.createdAt)[0];
}

/** Calls `read` every `intervalMs` until it returns something or `deadline` (epoch ms) passes. */
export async function pollUntil<T>(
  read: () => Promise<T | undefined>,
  deadline: number,
  intervalMs: number,
): Promise<T | undefined> {
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
