import type { HealthNotifications, JobHealthNotice } from "../ports.ts";

/** The HealthNotifications port kept in memory: tests assert on what was sent. */
export class RecordingHealthNotifications implements HealthNotifications {
  readonly published: JobHealthNotice[] = [];
  async publish(notice: JobHealthNotice): Promise<void> {
    this.published.push(notice);
  }
}
