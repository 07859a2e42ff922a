import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { fireInputTransformer } from "#adapters/eventbridge/schedule-rules.ts";
import { fireKeyOf } from "#core/fires/fire-message.ts";
import type { DeliveryQuirk, History } from "./history.ts";
import type { ServiceOrigin } from "./origin.ts";
import type { Prng } from "./prng.ts";
import type { SimClock } from "./sim-clock.ts";

/** One job's schedule, as EventBridge fires it. */
export interface SimSchedule {
  readonly jobId: string;
  /** The first fire (epoch ms, on a whole minute). */
  readonly firstAt: number;
  readonly periodMs: number;
  /** The job's startDeadlineSeconds in ms: a fire delivered later than this must end `missed`. */
  readonly startDeadlineMs: number;
}

/** EventBridge's at-least-once behaviour, per scheduled fire. */
export interface DeliveryQuirkRates {
  /** Delivered twice. @default 0.02 */
  readonly duplicated: number;
  /** Delivered 1–10 minutes late. @default 0.02 */
  readonly delayed: number;
  /** Delivered after the job's start deadline (it must end `missed`). @default 0.005 */
  readonly pastDeadline: number;
}

export const DEFAULT_QUIRK_RATES: DeliveryQuirkRates = {
  duplicated: 0.02,
  delayed: 0.02,
  pastDeadline: 0.005,
};

const MINUTE_MS = 60_000;
const EVENTBRIDGE: ServiceOrigin = { kind: "service", name: "eventbridge" };

/**
 * EventBridge's schedule rules: each job fires at its times, and each fire puts on the fires queue
 * exactly the message the rule's input transformer builds (adapters/eventbridge/schedule-rules.ts),
 * with the scheduled event's time — duplicated, delayed, or delayed past the start deadline now and
 * then (seeded). Stops after `totalFires` scheduled fires in all.
 */
export class SimEventBridge {
  private emitted = 0;
  private outstanding = 0;

  constructor(
    private readonly options: {
      readonly clock: SimClock;
      readonly sqs: SQSClient;
      readonly firesQueueUrl: string;
      readonly schedules: readonly SimSchedule[];
      readonly totalFires: number;
      readonly quirks: DeliveryQuirkRates;
      readonly random: Prng;
      readonly history: History;
    },
  ) {}

  start(): void {
    for (const schedule of this.options.schedules) this.scheduleFire(schedule, schedule.firstAt);
  }

  /** Every fire has been scheduled and every copy sent. */
  get done(): boolean {
    return this.emitted >= this.options.totalFires && this.outstanding === 0;
  }

  /** The time of the last scheduled fire sent so far. */
  lastFireAt = 0;

  private scheduleFire(schedule: SimSchedule, at: number): void {
    this.options.clock.schedule(at, EVENTBRIDGE, () => {
      if (this.emitted >= this.options.totalFires) return;
      this.emitted++;
      this.lastFireAt = at;
      this.fire(schedule, at);
      this.scheduleFire(schedule, at + schedule.periodMs);
    });
  }

  private fire(schedule: SimSchedule, scheduledAt: number): void {
    const { random, quirks } = this.options;
    const draw = random.next();
    let quirk: DeliveryQuirk = "on-time";
    const delays: number[] = [0];
    if (draw < quirks.duplicated) {
      quirk = "duplicated";
      delays.push(random.int(0, 60) * 1000);
    } else if (draw < quirks.duplicated + quirks.delayed) {
      quirk = "delayed";
      delays[0] = random.int(1, 10) * MINUTE_MS;
    } else if (draw < quirks.duplicated + quirks.delayed + quirks.pastDeadline) {
      quirk = "past-deadline";
      delays[0] = schedule.startDeadlineMs + random.int(1, 10) * MINUTE_MS;
    }
    const time = new Date(scheduledAt).toISOString().replace(/\.\d{3}Z$/, "Z");
    const body = fireInputTransformer(schedule.jobId).InputTemplate?.replace(
      "<scheduledAt>",
      JSON.stringify(time),
    );
    if (!body) throw new Error("the fire rule has no input template");
    const fireKey = fireKeyOf({ jobId: schedule.jobId, scheduledAt: time, source: "schedule" });
    for (const delay of delays) {
      this.outstanding++;
      this.options.clock.schedule(scheduledAt + delay, EVENTBRIDGE, () => {
        this.options.history.delivered(
          { jobId: schedule.jobId, fireKey, scheduledAt, quirk },
          this.options.clock.now(),
        );
        void this.options.sqs
          .send(new SendMessageCommand({ QueueUrl: this.options.firesQueueUrl, MessageBody: body }))
          .finally(() => this.outstanding--);
      });
    }
  }
}
