import { describe, expect, it } from "vitest";
import { describeBufferedFire } from "../../../cli/render/buffered-fire.ts";

const holderSince = Date.UTC(2026, 10, 22, 5, 13, 40);

describe("what run says of a fire that met a busy job", () => {
  it("with replace, says the running run was asked to stop", () => {
    expect(describeBufferedFire({ reason: "replace", holderRunId: "01M80TS8N0", holderSince })).toBe(
      'The job is busy: run 01M80TS8N0 holds it since 2026-11-22T05:13:40Z, and was asked to stop (overlap "replace"). The fire is buffered and runs once that run has stopped.',
    );
  });

  it("with buffer-one, says the fire waits for the job to free", () => {
    expect(describeBufferedFire({ reason: "busy", holderRunId: "01M80TS8N0", holderSince })).toBe(
      "The job is busy (run 01M80TS8N0 holds it since 2026-11-22T05:13:40Z): the fire is buffered and runs when the job frees.",
    );
  });
});
