import { GetQueueAttributesCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { createDispatchHandler } from "#functions/handlers/dispatch-handler.ts";
import { QueuePoller } from "#local/queue-poller.ts";
import type { BenchEnvironment } from "./environment.ts";
import { benchJob, dispatchDependencies } from "./fixtures.ts";
import { percentile } from "./request-counter.ts";

export interface DispatchBurstResult {
  readonly fires: number;
  readonly concurrency: number;
  readonly batchSize: number;
  readonly durationMs: number;
  readonly firesPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  readonly runs: number;
}

/**
 * A burst of `fires` fires across as many jobs, all on the fires queue at once, drained by the
 * dispatch handler through a poller that behaves like the stack's event source mapping (batches
 * of `batchSize`, at most `concurrency` invocations at once). Latency per fire: from the moment
 * its SendMessageBatch returned to the moment its run was handed to the turns queue.
 */
export async function measureDispatchBurst(
  env: BenchEnvironment,
  options: { fires?: number; concurrency?: number; batchSize?: number; label?: string } = {},
): Promise<DispatchBurstResult> {
  const fires = options.fires ?? 1000;
  const concurrency = options.concurrency ?? 5;
  const batchSize = options.batchSize ?? 10;
  const { deps } = env;
  const now = deps.clock.now();
  const prefix = `burst-${options.label ?? concurrency}`;
  for (let start = 0; start < fires; start += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, fires - start) }, (_, offset) =>
        deps.store.jobs.putJob(benchJob(`${prefix}-${start + offset}`), undefined, now),
      ),
    );
  }

  const handedOffAt = new Map<string, number>();
  const dispatch = createDispatchHandler({
    ...dispatchDependencies(env, {
      async send(body) {
        await deps.turns.send(body);
        handedOffAt.set(JSON.parse(body).jobId, Date.now());
      },
    }),
    deadLetters: deps.firesDeadLetters,
  });

  const enqueuedAt = new Map<string, number>();
  const firstSendAt = Date.now();
  for (let start = 0; start < fires; start += 10) {
    const entries = Array.from({ length: Math.min(10, fires - start) }, (_, offset) => {
      const jobId = `${prefix}-${start + offset}`;
      return {
        Id: String(offset),
        MessageBody: JSON.stringify({
          version: 1,
          jobId,
          scheduledAt: new Date(now).toISOString(),
          source: "schedule",
        }),
      };
    });
    await deps.clients.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: env.queues.firesQueueUrl, Entries: entries }),
    );
    const sentAt = Date.now();
    for (const entry of entries) enqueuedAt.set(JSON.parse(entry.MessageBody).jobId, sentAt);
  }

  const queueArn =
    (
      await deps.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: env.queues.firesQueueUrl, AttributeNames: ["QueueArn"] }),
      )
    ).Attributes?.QueueArn ?? "";
  const poller = new QueuePoller({
    sqs: deps.clients.sqs,
    queueUrl: env.queues.firesQueueUrl,
    queueArn,
    batchSize,
    maxConcurrency: concurrency,
    invoke: (event) => dispatch(event),
    log: deps.log,
  });
  poller.start();
  while (handedOffAt.size < fires) await new Promise((resolve) => setTimeout(resolve, 20));
  await poller.stop();
  const lastHandoff = Math.max(...handedOffAt.values());
  const latencies = [...handedOffAt].map(([jobId, at]) => at - (enqueuedAt.get(jobId) ?? at));
  return {
    fires,
    concurrency,
    batchSize,
    durationMs: lastHandoff - firstSendAt,
    firesPerSecond: (fires * 1000) / (lastHandoff - firstSendAt),
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    latencyMaxMs: Math.max(...latencies),
    runs: handedOffAt.size,
  };
}
