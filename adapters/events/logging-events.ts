import type { Logger } from "#core/logger.ts";
import type { LifecycleEvents } from "#core/ports.ts";

/**
 * The LifecycleEvents port as log lines (`run lifecycle event`, with the event's fields), for a
 * process that has no EventBridge and says so (`AGENTCRON_LIFECYCLE_EVENTS=log`: the local runtime's
 * turn processes). Events are not lost there: they are in the log.
 */
export function createLoggingEvents(log: Logger): LifecycleEvents {
  return {
    async publish(events) {
      for (const event of events) log.info("run lifecycle event", { ...event });
    },
  };
}
