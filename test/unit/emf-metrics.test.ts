import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createEmfMetrics } from "#adapters/metrics/emf-metrics.ts";

interface EmfBlob {
  readonly _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  readonly [field: string]: unknown;
}

/** The EMF lines Powertools writes to stdout while `act` runs. */
let written: string[] = [];
beforeEach(() => {
  written = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

function blobs(): EmfBlob[] {
  return written
    .join("")
    .split("\n")
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfBlob);
}

function dimensionSetsOf(blob: EmfBlob | undefined): string[][] {
  return (blob?._aws.CloudWatchMetrics[0]?.Dimensions ?? []).map((set) => [...set].sort());
}

describe("EMF metrics", () => {
  it("publish a job's metrics stage-wide only, and keep the job id in the line, by default", () => {
    const metrics = createEmfMetrics({ serviceName: "agentcron-dev" });

    metrics.add("RunsSucceeded", 1, "Count", { jobId: "inbox-triage" });
    metrics.flush();

    const [blob] = blobs();
    expect(dimensionSetsOf(blob)).toEqual([["service"]]);
    expect(blob).toMatchObject({ service: "agentcron-dev", jobId: "inbox-triage", RunsSucceeded: 1 });
  });

  it("add the per-job series when the stage asks for them", () => {
    const metrics = createEmfMetrics({ serviceName: "agentcron-dev", perJobMetrics: true });

    metrics.add("RunsSucceeded", 1, "Count", { jobId: "inbox-triage" });
    metrics.flush();

    expect(dimensionSetsOf(blobs()[0])).toEqual([["service"], ["jobId", "service"]]);
  });

  it("keep the dimensions that are not the job's, beside the stage-wide series", () => {
    const metrics = createEmfMetrics({ serviceName: "agentcron-dev" });

    metrics.add("PhaseDuration", 1200, "Milliseconds", { jobId: "inbox-triage", phase: "agent-turn" });
    metrics.add("PoisonMessages", 1, "Count", { consumer: "dispatch" });
    metrics.flush();

    const [phase, poison] = blobs();
    expect(dimensionSetsOf(phase)).toEqual([["service"], ["phase", "service"]]);
    expect(phase).toMatchObject({ phase: "agent-turn", jobId: "inbox-triage" });
    expect(dimensionSetsOf(poison)).toEqual([["service"], ["consumer", "service"]]);
  });

  it("publish metrics without dimensions stage-wide", () => {
    const metrics = createEmfMetrics({ serviceName: "agentcron-dev", perJobMetrics: true });

    metrics.add("SweepsCompleted", 1, "Count");
    metrics.flush();

    expect(dimensionSetsOf(blobs()[0])).toEqual([["service"]]);
  });
});
