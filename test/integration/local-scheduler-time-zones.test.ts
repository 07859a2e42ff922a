import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTableSchedules, listLocalRules } from "#adapters/local-schedules/table-schedules.ts";
import { applyJobs } from "#core/jobs/apply-jobs.ts";
import { LocalScheduler } from "#local/scheduler.ts";
import { demoJob } from "#test/support/fixtures.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";

// The local runtime's scheduler against DynamoDB Local and the SQS emulator, its clock moved by
// hand across daylight-saving transitions: it must fire what EventBridge Scheduler would.
let env: TestEnvironment;
beforeAll(async () => {
  env = await createTestEnvironment();
});
afterAll(async () => env.destroy());

// Coarser than the scheduler's real 1 s tick: a fire still carries its scheduled time, only sent later.
const TICK_MS = 15 * 60_000;

async function applyLocally(jobs: Record<string, unknown>[]) {
  return applyJobs(
    { jobs },
    {
      jobs: env.store.jobs,
      clock: env.clock,
      validation: { ...env.validation, schedules: "local" },
      schedules: createTableSchedules(env.store.table, env.clock),
    },
    { prune: true },
  );
}

/** Ticks the scheduler every 15 minutes from `from` to `to` (UTC) and returns the fires it sent, by job. */
async function fireBetween(from: string, to: string): Promise<Record<string, string[]>> {
  const scheduler = new LocalScheduler(
    { table: env.store.table, fires: env.fires, clock: env.clock, log: env.log },
    { refreshMs: 0 },
  );
  env.clock.set(Date.parse(from));
  for (let now = Date.parse(from); now <= Date.parse(to); now += TICK_MS) {
    env.clock.set(now);
    await scheduler.tick();
  }
  const fires: Record<string, string[]> = {};
  for (const message of await env.drain(env.queues.firesQueueUrl, 1000)) {
    const body = JSON.parse(message.Body ?? "{}") as { jobId: string; scheduledAt: string };
    fires[body.jobId] = [...(fires[body.jobId] ?? []), body.scheduledAt];
  }
  for (const list of Object.values(fires)) list.sort();
  return fires;
}

describe("the local scheduler in time zones", () => {
  it("fires a 02:30 daily job as EventBridge Scheduler does across Berlin's and New York's spring-forward days", async () => {
    // Prepare
    env.clock.set(Date.parse("2027-03-12T00:00:00Z"));
    await applyLocally([
      demoJob({ id: "berlin", schedule: "cron(30 2 * * ? *)", timezone: "Europe/Berlin" }),
      demoJob({ id: "new-york", schedule: "cron(30 2 * * ? *)", timezone: "America/New_York" }),
    ]);

    // Act: 13-15 March (New York springs forward on the 14th) and 27-29 March (Berlin, the 28th)
    const march = await fireBetween("2027-03-13T00:00:00Z", "2027-03-16T00:00:00Z");
    const lateMarch = await fireBetween("2027-03-27T00:00:00Z", "2027-03-30T00:00:00Z");

    // Assess
    expect(march["new-york"]).toEqual(["2027-03-13T07:30:00.000Z", "2027-03-15T06:30:00.000Z"]);
    expect(lateMarch.berlin).toEqual(["2027-03-27T01:30:00.000Z", "2027-03-29T00:30:00.000Z"]);
  });

  it("fires a time the clocks repeat once, at its first occurrence (Berlin, 31 October 2027)", async () => {
    // Prepare
    env.clock.set(Date.parse("2027-10-30T00:00:00Z"));
    await applyLocally([
      demoJob({ id: "berlin", schedule: "cron(30 2 * * ? *)", timezone: "Europe/Berlin" }),
    ]);

    // Act
    const fires = await fireBetween("2027-10-30T12:00:00Z", "2027-11-01T12:00:00Z");

    // Assess
    expect(fires.berlin).toEqual(["2027-10-31T00:30:00.000Z", "2027-11-01T01:30:00.000Z"]);
  });

  it("fires an at() job once in its zone, deletes its rule, and does not create it again when the set is re-applied", async () => {
    // Prepare
    env.clock.set(Date.parse("2027-01-15T07:00:00Z"));
    await applyLocally([
      demoJob({ id: "once", schedule: "at(2027-01-15T09:00:00)", timezone: "Europe/Berlin" }),
    ]);

    // Act
    const fires = await fireBetween("2027-01-15T07:50:00Z", "2027-01-15T08:10:00Z");
    const rulesAfterFire = await listLocalRules(env.store.table);
    const reapplied = await applyLocally([
      demoJob({ id: "once", schedule: "at(2027-01-15T09:00:00)", timezone: "Europe/Berlin" }),
    ]);
    const later = await fireBetween("2027-01-15T08:10:00Z", "2027-01-15T09:10:00Z");

    // Assess
    expect(fires.once).toEqual(["2027-01-15T08:00:00.000Z"]);
    expect(rulesAfterFire.map((rule) => rule.jobId)).not.toContain("once");
    expect(reapplied.schedules).toEqual([]);
    expect(later.once).toBeUndefined();
  });
});
