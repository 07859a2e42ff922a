import type { LifecycleEvent, LifecycleEvents } from "../ports.ts";

/**
 * The LifecycleEvents port kept in memory: tests assert on it, and the local runtime (which has no
 * EventBridge) passes it explicitly — a Lambda without its bus fails at start instead.
 */
export class RecordingEvents implements LifecycleEvents {
  readonly published: LifecycleEvent[] = [];
  async publish(events: readonly LifecycleEvent[]): Promise<void> {
    this.published.push(...events);
  }
}
