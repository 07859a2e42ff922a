import {
  CreateScheduleCommand,
  type CreateScheduleInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from "@aws-sdk/client-scheduler";
import { mockClient } from "aws-sdk-client-mock";
import type { PacerTiming } from "#adapters/schedules/request-pacer.ts";
import { SeededRandom } from "#test/support/fuzz/random.ts";

type StoredSchedule = CreateScheduleInput & { CreationDate: Date; LastModificationDate: Date };

export interface FakeSchedulerOptions {
  /** Share of calls refused with ThrottlingException before they do anything. @default 0 */
  readonly throttleRate?: number;
  /** Seed of the throttling decisions. @default 1 */
  readonly seed?: number;
  /** Virtual time each call takes (with `timing`). @default 0 */
  readonly latencyMs?: number;
  readonly timing?: PacerTiming;
  /** @default 100 */
  readonly pageSize?: number;
}

const notFound = (what: string) =>
  Object.assign(new Error(`Schedule ${what} does not exist.`), { name: "ResourceNotFoundException" });

/**
 * An in-memory EventBridge Scheduler behind aws-sdk-client-mock: ListSchedules (by group,
 * paginated), GetSchedule, CreateSchedule (ConflictException when the name is taken),
 * UpdateSchedule (a full replacement; ResourceNotFoundException when absent) and DeleteSchedule —
 * optionally throttling a seeded share of the calls and taking virtual time per call.
 */
export function createFakeScheduler(options: FakeSchedulerOptions = {}) {
  const schedules = new Map<string, StoredSchedule>();
  const random = new SeededRandom(options.seed ?? 1);
  const client = new SchedulerClient({
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
  const mock = mockClient(client);
  const counts = { calls: 0, throttled: 0, byCommand: {} as Record<string, number> };
  const key = (group: string | undefined, name: string | undefined) => `${group ?? "default"}/${name ?? ""}`;

  /** Every call: counted, delayed, and maybe throttled before it does anything. */
  const gate = async (command: string) => {
    counts.calls++;
    counts.byCommand[command] = (counts.byCommand[command] ?? 0) + 1;
    if (options.latencyMs && options.timing) await options.timing.sleep(options.latencyMs);
    if (random.next() < (options.throttleRate ?? 0)) {
      counts.throttled++;
      throw Object.assign(new Error("Rate exceeded"), {
        name: "ThrottlingException",
        $metadata: { httpStatusCode: 429 },
      });
    }
  };

  mock.on(ListSchedulesCommand).callsFake(async (input) => {
    await gate("ListSchedules");
    const matching = [...schedules.values()]
      .filter((schedule) => schedule.GroupName === input.GroupName)
      .sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
    const start = Number(input.NextToken ?? 0);
    const page = matching.slice(start, start + Math.min(options.pageSize ?? 100, input.MaxResults ?? 100));
    const next = start + page.length;
    return {
      Schedules: page.map((schedule) => ({
        Name: schedule.Name,
        GroupName: schedule.GroupName,
        State: schedule.State,
        Target: { Arn: schedule.Target?.Arn },
      })),
      NextToken: next < matching.length ? String(next) : undefined,
    };
  });
  mock.on(GetScheduleCommand).callsFake(async (input) => {
    await gate("GetSchedule");
    const stored = schedules.get(key(input.GroupName, input.Name));
    if (!stored) throw notFound(key(input.GroupName, input.Name));
    return structuredClone(stored);
  });
  mock.on(CreateScheduleCommand).callsFake(async (input) => {
    await gate("CreateSchedule");
    const id = key(input.GroupName, input.Name);
    if (schedules.has(id)) {
      throw Object.assign(new Error(`Schedule ${id} already exists.`), { name: "ConflictException" });
    }
    const now = new Date(options.timing?.now() ?? Date.now());
    schedules.set(id, { ...structuredClone(input), CreationDate: now, LastModificationDate: now });
    return { ScheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/${id}` };
  });
  mock.on(UpdateScheduleCommand).callsFake(async (input) => {
    await gate("UpdateSchedule");
    const id = key(input.GroupName, input.Name);
    const stored = schedules.get(id);
    if (!stored) throw notFound(id);
    schedules.set(id, {
      ...structuredClone(input),
      CreationDate: stored.CreationDate,
      LastModificationDate: new Date(options.timing?.now() ?? Date.now()),
    } as StoredSchedule);
    return { ScheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/${id}` };
  });
  mock.on(DeleteScheduleCommand).callsFake(async (input) => {
    await gate("DeleteSchedule");
    const id = key(input.GroupName, input.Name);
    if (!schedules.delete(id)) throw notFound(id);
    return {};
  });

  return { client, mock, schedules, counts, key };
}
