import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { LifecycleEvent, LifecycleEvents } from "#core/ports.ts";

/** `source` of every lifecycle event agentcron puts on its bus; rules match on it. */
export const LIFECYCLE_EVENT_SOURCE = "agentcron";

/** `detail-type` per event: `Run Succeeded`, `Run Stalled`, ..., `Fire Missed`. */
export function detailTypeOf(type: LifecycleEvent["type"]): string {
  const [subject = "", what = ""] = type.split(".");
  return [subject, ...what.split("-")].map((word) => word[0]?.toUpperCase() + word.slice(1)).join(" ");
}

/** The LifecycleEvents port as EventBridge PutEvents on the deployment's bus (10 entries a call). */
export function createEventBridgeEvents(client: EventBridgeClient, eventBusName: string): LifecycleEvents {
  return {
    async publish(events) {
      for (let start = 0; start < events.length; start += 10) {
        const batch = events.slice(start, start + 10);
        const result = await client.send(
          new PutEventsCommand({
            Entries: batch.map((event) => ({
              EventBusName: eventBusName,
              Source: LIFECYCLE_EVENT_SOURCE,
              DetailType: detailTypeOf(event.type),
              Time: new Date(event.at),
              Resources: [],
              Detail: JSON.stringify(event),
            })),
          }),
        );
        if ((result.FailedEntryCount ?? 0) > 0) {
          const reasons = (result.Entries ?? [])
            .filter((entry) => entry.ErrorCode)
            .map((entry) => entry.ErrorMessage);
          throw new Error(
            `EventBridge refused ${result.FailedEntryCount} lifecycle event(s): ${reasons.join("; ")}`,
          );
        }
      }
    },
  };
}
