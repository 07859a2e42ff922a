import type { FunctionName, Invocation } from "./origin.ts";

/** How EventBridge delivered one scheduled fire (its at-least-once quirks, seeded). */
export type DeliveryQuirk = "on-time" | "duplicated" | "delayed" | "past-deadline";

/** One scheduled fire EventBridge put on the fires queue (once, or twice when duplicated). */
export interface FireDelivery {
  readonly jobId: string;
  readonly fireKey: string;
  readonly scheduledAt: number;
  readonly quirk: DeliveryQuirk;
  /** When each copy was sent to the fires queue. */
  readonly sentAt: number[];
}

export type HarnessEnding = "returned" | "failed" | "aborted" | "threw" | "killed";

/** One execution of the demo harness: the work the engine must never do twice at once, nor lose. */
export interface HarnessExecution {
  readonly jobId: string;
  readonly runId: string;
  readonly invocation: Invocation | undefined;
  readonly startedAt: number;
  endedAt?: number;
  ending?: HarnessEnding;
  /** The class of the error it threw, if any. */
  errorClass?: string;
}

/** Why Lambda stopped an invocation: its timeout, or its process crashed (injected). */
export type KillReason = "timeout" | "crash";

export interface Kill {
  readonly fn: FunctionName;
  readonly reason: KillReason;
  readonly label: string;
  readonly at: number;
  readonly startedAt: number;
}

/** Something that should never happen in a Lambda runtime: an unhandled rejection, a timer that threw. */
export interface Crash {
  readonly what: string;
  readonly at: number;
  readonly error: string;
}

/** What the simulation observed, as it happened; the invariants are checked over it at the end. */
export class History {
  readonly deliveries = new Map<string, FireDelivery>();
  readonly executions: HarnessExecution[] = [];
  readonly kills: Kill[] = [];
  readonly crashes: Crash[] = [];
  readonly invocations: Record<FunctionName, number> = { dispatch: 0, turn: 0, sweep: 0 };
  /** Invocations whose handler threw (the whole batch is retried). */
  readonly threw: Record<FunctionName, number> = { dispatch: 0, turn: 0, sweep: 0 };

  delivered(delivery: Omit<FireDelivery, "sentAt">, sentAt: number): void {
    const known = this.deliveries.get(delivery.fireKey);
    if (known) known.sentAt.push(sentAt);
    else this.deliveries.set(delivery.fireKey, { ...delivery, sentAt: [sentAt] });
  }

  harnessStarted(execution: Omit<HarnessExecution, "endedAt" | "ending">): HarnessExecution {
    const recorded: HarnessExecution = { ...execution };
    this.executions.push(recorded);
    return recorded;
  }

  /** A killed invocation's harness stops with its process. */
  killed(invocation: Invocation, reason: KillReason, at: number): void {
    this.kills.push({
      fn: invocation.fn,
      reason,
      label: invocation.label,
      at,
      startedAt: invocation.startedAt,
    });
    for (const execution of this.executions) {
      if (execution.invocation === invocation && execution.endedAt === undefined) {
        execution.endedAt = at;
        execution.ending = "killed";
      }
    }
  }

  crashed(what: string, at: number, error: unknown): void {
    this.crashes.push({
      what,
      at,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
}
