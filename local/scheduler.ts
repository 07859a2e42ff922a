import type { TableContext } from "#adapters/dynamodb/table-context.ts";
import {
  deleteFiredLocalRule,
  type LocalRule,
  listLocalRules,
} from "#adapters/local-schedules/table-schedules.ts";
import type { CancelTimer, Clock } from "#core/clock.ts";
import { type FireMessage, fireKeyOf } from "#core/fires/fire-message.ts";
import { nextFireTime } from "#core/jobs/next-fire.ts";
import { parseScheduleExpression } from "#core/jobs/schedule-expression.ts";
import type { Logger } from "#core/logger.ts";
import type { MessageQueue } from "#core/ports.ts";

/**
 * The local runtime's stand-in for EventBridge: fires each enabled rule on its schedule by sending
 * exactly the message the job's EventBridge rule or Scheduler schedule would send to the fires
 * queue — cron in the job's time zone (with EventBridge Scheduler's daylight-saving rules), and an
 * at() rule once, after which the rule deletes itself as a one-time schedule does. Like EventBridge,
 * it does not replay fires missed while it was not running.
 */
export class LocalScheduler {
  private cancelTimer: CancelTimer | undefined;
  private stopped = false;
  /** The tick under way, if any: `stop` waits for it, so no fire is sent after it returns. */
  private ticking: Promise<void> | undefined;
  private rules: LocalRule[] = [];
  private rulesReadAt = 0;
  /** Per job: the timing the next fire was computed from (expression and zone), and the fire. */
  private readonly next = new Map<string, { timing: string; at: number | undefined }>();

  constructor(
    private readonly deps: { table: TableContext; fires: MessageQueue; clock: Clock; log: Logger },
    private readonly options: { tickMs?: number; refreshMs?: number } = {},
  ) {}

  start(): void {
    this.stopped = false;
    const tick = async () => {
      try {
        await this.tick();
      } catch (error) {
        this.deps.log.warn("scheduler tick failed", { error: String(error) });
      }
      // A stop during the tick must not be undone by arming the next one.
      if (!this.stopped) {
        this.cancelTimer = this.deps.clock.setTimer(this.options.tickMs ?? 1000, () => {
          this.ticking = tick();
        });
      }
    };
    this.ticking = tick();
  }

  /** Stops ticking; resolves once a tick under way has finished (no fire is sent after). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    await this.ticking;
  }

  /** The next fire of each enabled job (for the terminal view). */
  nextFires(): ReadonlyMap<string, number | undefined> {
    return new Map([...this.next].map(([jobId, entry]) => [jobId, entry.at]));
  }

  async tick(): Promise<void> {
    const nowMs = this.deps.clock.now();
    if (nowMs - this.rulesReadAt > (this.options.refreshMs ?? 5000)) {
      this.rules = await listLocalRules(this.deps.table);
      this.rulesReadAt = nowMs;
    }
    const live = new Set<string>();
    for (const rule of this.rules) {
      if (!rule.enabled) continue;
      live.add(rule.jobId);
      const timing = `${rule.expression} ${rule.timezone ?? "UTC"} ${rule.anchorMs}`;
      let entry = this.next.get(rule.jobId);
      if (!entry || entry.timing !== timing) {
        entry = { timing, at: this.nextAfter(rule, nowMs) };
        this.next.set(rule.jobId, entry);
      }
      if (entry.at === undefined || entry.at > nowMs) continue;
      await this.fire(rule.jobId, entry.at);
      entry.at = this.nextAfter(rule, nowMs);
      if (entry.at === undefined && /^at\(/i.test(rule.expression.trim())) {
        await deleteFiredLocalRule(this.deps.table, rule);
        this.rulesReadAt = 0; // read the rules again at the next tick
      }
    }
    for (const jobId of this.next.keys()) if (!live.has(jobId)) this.next.delete(jobId);
  }

  private nextAfter(rule: LocalRule, afterMs: number): number | undefined {
    try {
      return nextFireTime(parseScheduleExpression(rule.expression), afterMs, {
        rateAnchorMs: rule.anchorMs,
        timezone: rule.timezone,
      })?.getTime();
    } catch (error) {
      this.deps.log.error("a local rule has an invalid schedule", {
        jobId: rule.jobId,
        error: String(error),
      });
      return undefined;
    }
  }

  private async fire(jobId: string, scheduledAt: number): Promise<void> {
    const message: FireMessage = {
      version: 1,
      jobId,
      scheduledAt: new Date(scheduledAt).toISOString(),
      source: "schedule",
    };
    await this.deps.fires.send(JSON.stringify(message), { jobId, fireKey: fireKeyOf(message) });
    this.deps.log.info("fired", { jobId, scheduledAt: message.scheduledAt });
  }
}
