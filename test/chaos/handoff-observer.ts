import type { FauxqsServer } from "fauxqs";
import type { ObservedRequest } from "./sim-network.ts";

/** Turn messages the application sent, and how many of them doubled one still waiting in the queue. */
export interface HandoffCounts {
  sent: number;
  /**
   * Sent for a run whose earlier turn message was still waiting (not yet received) on the turns
   * queue, by the function that sent it: dispatch (a retry after an answer was lost) or the sweeper
   * (a re-handoff).
   */
  whileWaiting: Record<string, number>;
}

/**
 * Watches the handoffs (SendMessage to the turns queue) as they are released: the engine promises
 * that re-handoffs do not multiply a backlog, and the emulator knows what the queue holds.
 */
export function observeHandoffs(
  turns: { queueUrl: string; queueName: string },
  fauxqs: FauxqsServer,
): { counts: HandoffCounts; observe: (request: ObservedRequest) => void } {
  const counts: HandoffCounts = { sent: 0, whileWaiting: {} };
  return {
    counts,
    observe(request) {
      if (request.service !== "sqs" || request.operation !== "SendMessage") return;
      if (request.input.QueueUrl !== turns.queueUrl || request.origin.kind !== "invocation") return;
      counts.sent++;
      const runId = runIdOf(request.input.MessageBody);
      const waiting = fauxqs.inspectQueue(turns.queueName)?.messages;
      if (!runId || !waiting) return;
      if ([...waiting.ready, ...waiting.delayed].some((message) => runIdOf(message.body) === runId)) {
        const fn = request.origin.fn;
        counts.whileWaiting[fn] = (counts.whileWaiting[fn] ?? 0) + 1;
      }
    },
  };
}

function runIdOf(body: unknown): string | undefined {
  try {
    return (JSON.parse(String(body)) as { runId?: string }).runId;
  } catch {
    return undefined;
  }
}
