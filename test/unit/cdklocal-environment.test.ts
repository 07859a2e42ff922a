import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  cdklocalEnvironment,
  contextArgument,
  LocalStackEndpointError,
  requiredLocalStackServices,
} from "#infra/localstack/cdklocal-environment.ts";

/** aws-cdk-local 3.x's own environment check, which cdklocal runs before anything else. */
const { configureEnvironment } = createRequire(import.meta.url)("aws-cdk-local/src/index.js") as {
  configureEnvironment: (env: Record<string, string | undefined>, allowList: string) => void;
};

describe("the environment cdklocal runs in", () => {
  it("sets S3's endpoint next to the general one, as aws-cdk-local 3.x requires", () => {
    expect(cdklocalEnvironment()).toEqual({
      AWS_ENDPOINT_URL: "http://127.0.0.1:4566",
      AWS_ENDPOINT_URL_S3: "http://s3.localhost.localstack.cloud:4566",
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ENVAR_ALLOWLIST: "AWS_REGION,AWS_DEFAULT_REGION",
    });
  });

  it("is accepted by aws-cdk-local's own check, which refuses AWS_ENDPOINT_URL alone", () => {
    // Prepare: a developer shell with a real profile, plus what deploy:local adds
    const built = {
      AWS_PROFILE: "prod-admin",
      AWS_SESSION_TOKEN: "secret",
      ...cdklocalEnvironment({ region: "eu-west-1" }),
    };
    const endpointAlone = { AWS_ENDPOINT_URL: "http://127.0.0.1:4566" };

    // Act
    configureEnvironment(built, built.AWS_ENVAR_ALLOWLIST);

    // Assess: our endpoints and region stay, the real profile is gone
    expect(built).toMatchObject({
      AWS_ENDPOINT_URL: "http://127.0.0.1:4566",
      AWS_ENDPOINT_URL_S3: "http://s3.localhost.localstack.cloud:4566",
      AWS_REGION: "eu-west-1",
    });
    expect(built).not.toHaveProperty("AWS_PROFILE");
    expect(built).not.toHaveProperty("AWS_SESSION_TOKEN");
    expect(() => configureEnvironment(endpointAlone, "")).toThrow(/AWS_ENDPOINT_URL_S3' must be specified/);
  });

  it("keeps the port and scheme of the endpoint for S3, and an explicit S3 endpoint as given", () => {
    expect(
      cdklocalEnvironment({ endpoint: "https://localhost.localstack.cloud:4510/" }).AWS_ENDPOINT_URL_S3,
    ).toBe("https://s3.localhost.localstack.cloud:4510");
    expect(
      cdklocalEnvironment({ endpoint: "http://10.0.0.5:4566", s3Endpoint: "http://s3.ls.internal:4566" }),
    ).toMatchObject({
      AWS_ENDPOINT_URL: "http://10.0.0.5:4566",
      AWS_ENDPOINT_URL_S3: "http://s3.ls.internal:4566",
    });
  });

  it("refuses an endpoint elsewhere without an S3 endpoint, and one that is not a URL, saying what to set", () => {
    expect(() => cdklocalEnvironment({ endpoint: "http://10.0.0.5:4566" })).toThrow(LocalStackEndpointError);
    expect(() => cdklocalEnvironment({ endpoint: "http://10.0.0.5:4566" })).toThrow(
      /set LOCALSTACK_S3_ENDPOINT/,
    );
    expect(() => cdklocalEnvironment({ endpoint: "ftp://127.0.0.1:4566" })).toThrow(
      /must be http:\/\/ or https:/,
    );
    expect(() => cdklocalEnvironment({ endpoint: "not a url" })).toThrow(/is not a URL; use e.g. http:/);
  });

  it("waits for EventBridge Scheduler only on a Scheduler stage", () => {
    expect(requiredLocalStackServices("rules")).not.toContain("scheduler");
    expect(requiredLocalStackServices("scheduler")).toContain("scheduler");
  });

  it("reads -c and --context arguments", () => {
    expect(contextArgument(["-c", "stage=demo", "--context", "schedules=scheduler"], "stage")).toBe("demo");
    expect(contextArgument(["-c", "stage=demo", "--context", "schedules=scheduler"], "schedules")).toBe(
      "scheduler",
    );
    expect(contextArgument(["stage=demo"], "stage")).toBeUndefined();
  });
});
