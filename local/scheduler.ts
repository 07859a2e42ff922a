import type { TableContext } from "#adapters/dynamodb/table-context.ts";
import { type LocalRule, listLocalRules } from "#adapters/local-schedules/table-schedules.ts";
import type { Clock } from "#core/clock.ts";
import { type FireMessage, fireKeyOf } from "#core/fires/fire-message.ts";
import { nextFireTime } from "#core/jobs/next-fire.ts";
import { parseScheduleExpression } from "#core/jobs/schedule-expression.ts";
import type { Logger } from "#core/logger.ts";
import type { MessageQueue } from "#core/ports.ts";

/**
 * The local runtime's stand-in for EventBridge: fires each enabled rule on its schedule by sending
 * exactly the message the job's EventBridge rule would send to the fires queue. Like EventBridge,
 * it does not replay fires missed while it was not running.
 */
export class LocalScheduler {
  private timer: NodeJS.Timeout | undefined;
  private rules: LocalRule[] = [];
  private rulesReadAt = 0;
  private readonly next = new Map<string, { expression: string; at: number | undefined }>();

  constructor(
    private readonly deps: { table: TableContext; fires: MessageQueue; clock: Clock; log: Logger },
    private readonly options: { tickMs?: number; refreshMs?: number } = {},
  ) {}

  start(): void {
    const tick = async () => {
      try {
        await this.tick();
      } catch (error) {
        this.deps.log.warn("scheduler tick failed", { error: String(error) });
      }
      this.timer = setTimeout(tick, this.options.tickMs ?? 1000);
    };
    void tick();
  }

  stop(): void {
    clearTimeout(this.timer);
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
      let entry = this.next.get(rule.jobId);
      if (!entry || entry.expression !== rule.expression) {
        entry = { expression: rule.expression, at: this.nextAfter(rule, nowMs) };
        this.next.set(rule.jobId, entry);
      }
      if (entry.at === undefined || entry.at > nowMs) continue;
      await this.fire(rule.jobId, entry.at);
      entry.at = this.nextAfter(rule, nowMs);
    }
    for (const jobId of this.next.keys()) if (!live.has(jobId)) this.next.delete(jobId);
  }

  private nextAfter(rule: LocalRule, afterMs: number): number | undefined {
    try {
      return nextFireTime(parseScheduleExpression(rule.expression), afterMs, {
        rateAnchorMs: rule.anchorMs,
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
