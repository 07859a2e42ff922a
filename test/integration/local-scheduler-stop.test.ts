import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTableSchedules } from "#adapters/local-schedules/table-schedules.ts";
import { applyJobs } from "#core/jobs/apply-jobs.ts";
import type { MessageQueue } from "#core/ports.ts";
import { LocalScheduler } from "#local/scheduler.ts";
import { demoJob } from "#test/support/fixtures.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";
import { waitUntil } from "#test/support/wait.ts";

// The local runtime stops its scheduler while a tick may be sending a fire. The stop must wait for
// that tick and arm no further one: a timer left behind fires into a stopped runtime's destroyed
// clients, and keeps the process that stopped the runtime from exiting.
let env: TestEnvironment;
beforeAll(async () => {
  env = await createTestEnvironment();
});
afterAll(async () => env.destroy());

/** The fires queue, with each send held until the test lets it through. */
function heldQueue(target: MessageQueue) {
  const sends: string[] = [];
  let inFlight = 0;
  let release: () => void = () => {};
  const queue: MessageQueue = {
    async send(body, attributes) {
      inFlight++;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      await target.send(body, attributes);
      sends.push(body);
      inFlight--;
    },
  };
  return { queue, sends, inFlight: () => inFlight, release: () => release() };
}

describe("stopping the local scheduler", () => {
  it("waits for the fire a tick is sending, then arms no further tick", async () => {
    // Prepare: a job due every minute, and the scheduler ticking on the manual clock.
    env.clock.set(Date.parse("2027-01-04T10:00:30Z"));
    await applyJobs(
      { jobs: [demoJob({ id: "minutely", schedule: "rate(1 minute)" })] },
      {
        jobs: env.store.jobs,
        clock: env.clock,
        validation: { ...env.validation, schedules: "local" },
        schedules: createTableSchedules(env.store.table, env.clock),
      },
      { prune: true },
    );
    const fires = heldQueue(env.fires);
    const scheduler = new LocalScheduler(
      { table: env.store.table, fires: fires.queue, clock: env.clock, log: env.log },
      { tickMs: 1000, refreshMs: 0 },
    );
    scheduler.start();
    await waitUntil(() => env.clock.pendingTimers === 1, 30_000, "the first tick to arm the next");
    // A timer's callback sees the clock at its own due time: the tick moved to the next minute
    // arms one more, and that one, a second later, is past the job's next fire and sends it.
    env.clock.advance(2 * 60_000);
    await waitUntil(() => env.clock.pendingTimers === 1, 30_000, "that tick to arm the next");
    env.clock.advance(1000);
    await waitUntil(() => fires.inFlight() === 1, 30_000, "the tick to be sending the fire");

    // Act
    let stopped = false;
    const stopping = scheduler.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    const stoppedBeforeTheSendEnded = stopped;
    fires.release();
    await stopping;

    // Assess
    expect(stoppedBeforeTheSendEnded).toBe(false);
    expect(fires.sends).toHaveLength(1);
    expect(env.clock.pendingTimers).toBe(0);
    env.clock.advance(60 * 60_000);
    expect(fires.inFlight()).toBe(0);
    expect(fires.sends).toHaveLength(1);
  });
});
