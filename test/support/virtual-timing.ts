import type { PacerTiming } from "#adapters/schedules/request-pacer.ts";

/**
 * Virtual time for code that paces itself (token buckets, backoff): `sleep` never waits for real.
 * Sleepers are woken in time order, one instant at a time, once everything else has run (a
 * macrotask after the sleep is requested), so concurrent workers see a consistent clock and a
 * 10,000-request reconcile at 50 requests per second "takes" 200 s in a fraction of that.
 */
export class VirtualTiming implements PacerTiming {
  private current: number;
  private readonly sleepers: { at: number; wake: () => void }[] = [];
  private advanceScheduled = false;

  constructor(startMs = Date.UTC(2027, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepers.push({ at: this.current + Math.max(0, ms), wake: resolve });
      this.scheduleAdvance();
    });
  }

  private scheduleAdvance(): void {
    if (this.advanceScheduled) return;
    this.advanceScheduled = true;
    setImmediate(() => {
      this.advanceScheduled = false;
      if (this.sleepers.length === 0) return;
      this.sleepers.sort((a, b) => a.at - b.at);
      const at = this.sleepers[0]?.at ?? this.current;
      this.current = Math.max(this.current, at);
      while (this.sleepers.length > 0 && (this.sleepers[0]?.at ?? Number.POSITIVE_INFINITY) <= this.current) {
        this.sleepers.shift()?.wake();
      }
      if (this.sleepers.length > 0) this.scheduleAdvance();
    });
  }
}
