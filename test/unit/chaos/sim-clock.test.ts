import { describe, expect, it } from "vitest";
import { currentOrigin, type Invocation, runAs } from "#test/chaos/origin.ts";
import { SimClock } from "#test/chaos/sim-clock.ts";

function invocation(id: number): Invocation {
  return {
    kind: "invocation",
    id,
    fn: "turn",
    startedAt: 0,
    timeoutAt: 1_000,
    label: `run ${id}`,
    state: "running",
  };
}

describe("SimClock", () => {
  it("fires timers by due time, and timers due at the same time in the order they were set", () => {
    const clock = new SimClock(1_000);
    const fired: string[] = [];
    clock.setTimer(50, () => fired.push("b@1050"));
    clock.setTimer(10, () => fired.push("a@1010"));
    clock.setTimer(50, () => fired.push("c@1050"));
    clock.schedule(1_050, { kind: "service", name: "test" }, () => fired.push("d@1050"));

    while (clock.fireNext()) fired.push(`now ${clock.now()}`);

    expect(fired).toEqual([
      "a@1010",
      "now 1010",
      "b@1050",
      "now 1050",
      "c@1050",
      "now 1050",
      "d@1050",
      "now 1050",
    ]);
  });

  it("only moves when told to, and never skips a due timer", () => {
    const clock = new SimClock(1_000);
    clock.setTimer(100, () => {});

    clock.advanceTo(1_050);

    expect(clock.now()).toBe(1_050);
    expect(() => clock.advanceTo(1_200)).toThrow(/skip a due timer/);
  });

  it("does not fire a cancelled timer, and cancelling a fired one does nothing", () => {
    const clock = new SimClock(0);
    const fired: number[] = [];
    const cancelFirst = clock.setTimer(10, () => fired.push(1));
    const cancelSecond = clock.setTimer(20, () => fired.push(2));
    cancelSecond();
    clock.fireNext();
    cancelFirst();

    expect(clock.fireNext()).toBe(false);
    expect(fired).toEqual([1]);
  });

  it("runs a timer's callback on behalf of the invocation that set it", () => {
    const clock = new SimClock(0);
    const setter = invocation(7);
    let seen: unknown;
    runAs(setter, () => clock.setTimer(10, () => (seen = currentOrigin())));

    runAs({ kind: "service", name: "elsewhere" }, () => clock.fireNext());

    expect(seen).toBe(setter);
  });

  it("discards the timers of a killed invocation and counts those that fire after their invocation returned", () => {
    const clock = new SimClock(0);
    const killed = invocation(1);
    const returned = invocation(2);
    const fired: number[] = [];
    runAs(killed, () => clock.setTimer(10, () => fired.push(1)));
    runAs(returned, () => clock.setTimer(20, () => fired.push(2)));
    runAs(returned, () => clock.setTimer(30, () => fired.push(3)));
    killed.state = "killed";
    returned.state = "returned";
    clock.fireNext();
    clock.fireNext();

    expect(fired).toEqual([2]);
    expect(clock.counts).toEqual({ set: 3, discarded: 1, firedAfterReturn: 1 });
    expect(clock.leftoverTimers()).toBe(1);
  });
});
