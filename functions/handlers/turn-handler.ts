import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { QUEUE_DEFINITIONS } from "#adapters/sqs/queue-definitions.ts";
import { turnMessageSchema } from "#core/runs/handoff.ts";
import { runTurn, type TurnDependencies } from "#core/turn/run-turn.ts";
import { type BatchDependencies, processSqsBatch } from "./sqs-batch.ts";

export type TurnHandlerDependencies = TurnDependencies &
  Pick<BatchDependencies, "deadLetters" | "redelivery">;

/**
 * The turn function: each message on the turns queue takes one run through its phases. The
 * event source mapping uses a batch size of 1, so each turn has its own invocation — one turn's
 * stall cannot delay another job's (DESIGN invariant 5).
 */
export function createTurnHandler(deps: TurnHandlerDependencies) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    try {
      return await processSqsBatch(
        event,
        {
          consumer: "turn",
          maxReceiveCount: QUEUE_DEFINITIONS.turns.maxReceiveCount,
          schema: turnMessageSchema,
          handle: async (message) => {
            await runTurn(message, deps);
          },
        },
        { ...deps, now: () => deps.clock.now() },
      );
    } finally {
      deps.metrics.flush();
    }
  };
}
