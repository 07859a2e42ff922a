import { createHash } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { CRASHABLE_FUNCTIONS, drawFault, type FaultKind, type FaultRates, faultError } from "./faults.ts";
import { currentOrigin, describeOrigin, type Invocation, type Origin } from "./origin.ts";
import type { Prng } from "./prng.ts";
import type { SimClock } from "./sim-clock.ts";

export type Service = "dynamodb" | "sqs";

/** A request as it is released: what an observer of the network sees. */
export interface ObservedRequest {
  readonly service: Service;
  readonly operation: string;
  readonly origin: Origin;
  /** The command's input (`QueueUrl`, `MessageBody`, `TableName`...). */
  readonly input: Readonly<Record<string, unknown>>;
}

interface PendingRequest extends ObservedRequest {
  readonly seq: number;
  readonly send: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** A request sent by an invocation after it had returned: a timer or a promise outlived it. */
export interface LateRequest {
  readonly origin: string;
  readonly operation: string;
  readonly at: number;
  readonly afterReturnMs: number;
}

export interface NetworkCounts {
  /** Requests sent by invocations (the application), and by the simulated services. */
  readonly requests: { application: number; services: number };
  readonly byOperation: Record<string, number>;
  readonly faults: Record<FaultKind, number>;
  /** Faults by operation and kind (`sqs:GetQueueAttributes throttled`). */
  readonly faultsByOperation: Record<string, number>;
  /** Requests of killed invocations, never sent. */
  dropped: number;
  /** Invocations whose process crashed after a request (`--crash-rate`). */
  crashes: number;
}

/** The part of an SDK client's middleware stack used here (the SDK's own `add` is overloaded). */
interface InitializeStack {
  readonly middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: "initialize"; priority: "normal"; name: string; override: boolean },
    ): void;
  };
}

/**
 * The simulation's network: every DynamoDB and SQS request of the handlers (and of the simulated
 * services) stops here as a pending request, and the scheduler releases them ONE at a time, in a
 * seeded order — so concurrent work interleaves differently per seed, yet a seed is a replay.
 *
 * It is a middleware at the `initialize` step with a priority below the application's
 * `agentcronTransientErrors` middleware (`high`), i.e. above the SDK's retries: an injected fault is
 * what escaped the SDK's retries and reaches the application. Faults are drawn per request for
 * requests of invocations only; the simulated services' own requests are never faulted.
 */
export class SimNetwork {
  private pending: PendingRequest[] = [];
  private seq = 0;
  private readonly trace = createHash("sha256");
  readonly counts: NetworkCounts = {
    requests: { application: 0, services: 0 },
    byOperation: {},
    faults: { throttled: 0, "internal-error": 0, timeout: 0 },
    faultsByOperation: {},
    dropped: 0,
    crashes: 0,
  };
  readonly lateRequests: LateRequest[] = [];
  /** Bumped whenever a request arrives; the scheduler uses it to see that work is still unfolding. */
  activity = 0;

  constructor(
    private readonly clock: SimClock,
    private readonly order: Prng,
    private readonly faultRandom: Prng,
    private readonly rates: FaultRates,
  ) {}

  /** Sees each request that reaches the emulator, before it is sent (for figures the history needs). */
  observer: (request: ObservedRequest) => void = () => {};
  /** Crashes an invocation's process (wired to the invocation tracker). */
  crash: (invocation: Invocation) => void = () => {};

  /** Routes every request of `client` through the simulated network. */
  attach(client: DynamoDBClient | SQSClient, service: Service): void {
    (client as unknown as InitializeStack).middlewareStack.add(
      (next, context) => (args) => {
        const operation = (context.commandName ?? "request").replace(/Command$/, "");
        const input = ((args as { input?: Record<string, unknown> }).input ?? {}) as Record<string, unknown>;
        return this.request(service, operation, input, () => next(args));
      },
      { step: "initialize", priority: "normal", name: "chaosSimNetwork", override: true },
    );
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** A killed invocation's requests are never sent: they stay unanswered, like its process. */
  dropRequestsOf(invocation: Invocation): void {
    const kept = this.pending.filter((request) => request.origin !== invocation);
    this.counts.dropped += this.pending.length - kept.length;
    this.pending = kept;
  }

  /**
   * Sends one pending request (a seeded choice), with its fault if it draws one, waits for the real
   * answer of the emulator and delivers it to the caller.
   */
  async releaseOne(): Promise<void> {
    if (this.pending.length === 0) return;
    const index = Math.floor(this.order.next() * this.pending.length);
    const [request] = this.pending.splice(index, 1);
    if (!request) return;
    const application = request.origin.kind === "invocation";
    const fault = application ? drawFault(this.faultRandom, this.rates) : undefined;
    this.trace.update(
      `${request.seq}|${this.clock.now()}|${request.service}:${request.operation}|${describeOrigin(request.origin)}|${fault ?? ""}\n`,
    );
    if (application) this.counts.requests.application++;
    else this.counts.requests.services++;
    const key = `${request.service}:${request.operation}`;
    this.counts.byOperation[key] = (this.counts.byOperation[key] ?? 0) + 1;
    if (fault) {
      this.counts.faults[fault]++;
      this.counts.faultsByOperation[`${key} ${fault}`] =
        (this.counts.faultsByOperation[`${key} ${fault}`] ?? 0) + 1;
    }

    if (fault === "throttled") {
      request.reject(faultError(fault, request.service, request.operation, this.faultRandom));
      return;
    }
    this.observer(request);
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await request.send() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const origin = request.origin;
    if (
      origin.kind === "invocation" &&
      this.rates.crash > 0 &&
      CRASHABLE_FUNCTIONS.has(origin.fn) &&
      this.faultRandom.chance(this.rates.crash)
    ) {
      // Applied, and the process dies before it hears back: the caller never resumes.
      this.counts.crashes++;
      this.crash(origin);
      return;
    }
    if (fault) {
      // Applied (or refused on its condition) by the emulator; the answer is lost on the way back.
      request.reject(faultError(fault, request.service, request.operation, this.faultRandom));
    } else if (outcome.ok) {
      request.resolve(outcome.value);
    } else {
      request.reject(outcome.error);
    }
  }

  /** A digest of every request released, in order, with its time, origin and fault: equal for a replay. */
  fingerprint(): string {
    return this.trace.copy().digest("hex").slice(0, 16);
  }

  private request(
    service: Service,
    operation: string,
    input: Record<string, unknown>,
    send: () => Promise<unknown>,
  ): Promise<unknown> {
    const origin = currentOrigin() ?? { kind: "service" as const, name: "unattributed" };
    if (origin.kind === "invocation" && origin.state === "killed") {
      this.counts.dropped++;
      return new Promise(() => {});
    }
    if (origin.kind === "invocation" && origin.state === "returned") {
      this.lateRequests.push({
        origin: describeOrigin(origin),
        operation: `${service}:${operation}`,
        at: this.clock.now(),
        afterReturnMs: this.clock.now() - (origin.endedAt ?? this.clock.now()),
      });
    }
    this.activity++;
    return new Promise((resolve, reject) => {
      this.pending.push({ seq: this.seq++, service, operation, origin, input, send, resolve, reject });
    });
  }
}
