import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { QUEUE_DEFINITIONS } from "#adapters/sqs/queue-definitions.ts";
import { type DispatchDependencies, dispatchFire } from "#core/fires/dispatch-fire.ts";
import { fireMessageSchema } from "#core/fires/fire-message.ts";
import { type BatchDependencies, processSqsBatch } from "./sqs-batch.ts";

export type DispatchHandlerDependencies = DispatchDependencies &
  Pick<BatchDependencies, "deadLetters" | "redelivery">;

/** The dispatch function: each fire on the fires queue becomes exactly one outcome. */
export function createDispatchHandler(deps: DispatchHandlerDependencies) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    try {
      return await processSqsBatch(
        event,
        {
          consumer: "dispatch",
          maxReceiveCount: QUEUE_DEFINITIONS.fires.maxReceiveCount,
          schema: fireMessageSchema,
          handle: async (fire) => {
            await dispatchFire(fire, deps);
          },
        },
        { ...deps, now: () => deps.clock.now() },
      );
    } finally {
      deps.metrics.flush();
    }
  };
}
