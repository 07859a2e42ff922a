import { ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { JobValidationError } from "#core/errors.ts";
import {
  CliError,
  EXIT,
  exitCodeFor,
  explainError,
  NotFoundError,
  UnhealthyError,
  UsageError,
} from "../../../cli/exit-codes.ts";

describe("exit codes", () => {
  it("are the documented numbers", () => {
    expect(EXIT).toEqual({ ok: 0, unhealthy: 1, usage: 2, notFound: 3 });
  });

  it("map the CLI's own errors to their codes", () => {
    expect(exitCodeFor(new UsageError("x"))).toBe(2);
    expect(exitCodeFor(new NotFoundError("x"))).toBe(3);
    expect(exitCodeFor(new UnhealthyError("x"))).toBe(1);
    expect(exitCodeFor(new CliError("x", EXIT.notFound))).toBe(3);
  });

  it("treat an invalid job set as invalid input (2)", () => {
    expect(exitCodeFor(new JobValidationError([{ path: "jobs[0].schedule", message: "bad" }]))).toBe(2);
  });

  it("treat a missing AWS resource or an unreachable endpoint as not found (3)", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4566"), { code: "ECONNREFUSED" });
    expect(exitCodeFor(new ResourceNotFoundException({ message: "no table", $metadata: {} }))).toBe(3);
    expect(exitCodeFor(refused)).toBe(3);
    expect(exitCodeFor(new Error("request failed", { cause: refused }))).toBe(3);
    expect(exitCodeFor(new AggregateError([refused]))).toBe(3);
  });

  it("report anything unexpected as a failure (1)", () => {
    expect(exitCodeFor(new TypeError("undefined is not a function"))).toBe(1);
    expect(exitCodeFor("a string")).toBe(1);
  });

  it("spell out the fix for the SDK's terse configuration errors", () => {
    const credentials = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });
    expect(explainError(new Error("Region is missing"))).toEqual({
      message: "no AWS region: pass --region REGION or set AWS_REGION",
      exitCode: 2,
    });
    expect(explainError(credentials)).toMatchObject({
      message: expect.stringContaining("AWS_PROFILE"),
      exitCode: 3,
    });
  });
});
