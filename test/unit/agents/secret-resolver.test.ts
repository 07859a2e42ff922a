import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { createSecretResolver, SecretUnavailableError } from "#adapters/secrets/secret-resolver.ts";
import { SecretNotFoundError } from "#core/agents/secrets.ts";

// No emulator exists for Secrets Manager or SSM, so their clients are SDK client mocks; the resolver
// itself is the real thing.
function secretsManagerWith(secrets: Record<string, string>) {
  const client = new SecretsManagerClient({ region: "us-east-1" });
  const mock = mockClient(client);
  mock.on(GetSecretValueCommand).callsFake(async (input: { SecretId?: string }) => {
    const value = input.SecretId === undefined ? undefined : secrets[input.SecretId];
    if (value === undefined) {
      throw new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: {},
      });
    }
    return { SecretString: value };
  });
  return { client, mock };
}

describe("secret resolver", () => {
  it("resolves env: references from the injected environment", async () => {
    const resolver = createSecretResolver({ env: { ANTHROPIC_API_KEY: "sk-ant-test" } });

    await expect(resolver.resolve("env:ANTHROPIC_API_KEY")).resolves.toBe("sk-ant-test");
  });

  it("throws SecretNotFoundError naming the reference, never a value, for a missing variable", async () => {
    // Prepare
    const resolver = createSecretResolver({ env: { OTHER: "sk-other-value" } });

    // Act
    const outcome = await resolver.resolve("env:ANTHROPIC_API_KEY").catch((error) => error);

    // Assess
    expect(outcome).toBeInstanceOf(SecretNotFoundError);
    expect((outcome as Error).message).toContain("env:ANTHROPIC_API_KEY");
    expect((outcome as Error).message).not.toContain("sk-other-value");
  });

  it("reads a Secrets Manager secret, and one key of a JSON secret with #key", async () => {
    const { client } = secretsManagerWith({
      "prod/anthropic": "sk-ant-plain",
      "prod/keys": JSON.stringify({ anthropic: "sk-ant-json", openai: "sk-oai-json" }),
    });
    const resolver = createSecretResolver({ env: {}, secretsManager: client });

    await expect(resolver.resolve("secretsmanager:prod/anthropic")).resolves.toBe("sk-ant-plain");
    await expect(resolver.resolve("secretsmanager:prod/keys#openai")).resolves.toBe("sk-oai-json");
  });

  it("throws SecretNotFoundError naming the reference for an unknown secret or JSON key", async () => {
    const { client } = secretsManagerWith({ "prod/keys": JSON.stringify({ anthropic: "sk-ant-json" }) });
    const resolver = createSecretResolver({ env: {}, secretsManager: client });

    const unknownSecret = await resolver.resolve("secretsmanager:prod/missing").catch((error) => error);
    const unknownKey = await resolver.resolve("secretsmanager:prod/keys#openai").catch((error) => error);

    expect(unknownSecret).toBeInstanceOf(SecretNotFoundError);
    expect((unknownSecret as Error).message).toContain("secretsmanager:prod/missing");
    expect(unknownKey).toBeInstanceOf(SecretNotFoundError);
    expect((unknownKey as Error).message).toContain('no key "openai"');
    expect((unknownKey as Error).message).not.toContain("sk-ant-json");
  });

  it("reuses a value within the cache TTL and reads it again after", async () => {
    // Prepare
    const { client, mock } = secretsManagerWith({ "prod/anthropic": "sk-ant-plain" });
    let now = 1_000_000;
    const resolver = createSecretResolver({
      env: {},
      secretsManager: client,
      cacheTtlMs: 60_000,
      now: () => now,
    });

    // Act
    await resolver.resolve("secretsmanager:prod/anthropic");
    now += 59_000;
    await resolver.resolve("secretsmanager:prod/anthropic");
    const callsWithinTtl = mock.commandCalls(GetSecretValueCommand).length;
    now += 2_000;
    await resolver.resolve("secretsmanager:prod/anthropic");

    // Assess
    expect(callsWithinTtl).toBe(1);
    expect(mock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it("reads SSM parameters with decryption", async () => {
    // Prepare
    const client = new SSMClient({ region: "us-east-1" });
    const mock = mockClient(client);
    mock
      .on(GetParameterCommand, { Name: "/agentcron/openai-key" })
      .resolves({ Parameter: { Value: "sk-oai-ssm" } });
    const resolver = createSecretResolver({ env: {}, ssm: client });

    // Act
    const value = await resolver.resolve("ssm:/agentcron/openai-key");

    // Assess
    expect(value).toBe("sk-oai-ssm");
    expect(mock.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: "/agentcron/openai-key",
      WithDecryption: true,
    });
  });

  it("throws SecretNotFoundError for an unknown SSM parameter", async () => {
    const client = new SSMClient({ region: "us-east-1" });
    mockClient(client)
      .on(GetParameterCommand)
      .rejects(new ParameterNotFound({ message: "not found", $metadata: {} }));
    const resolver = createSecretResolver({ env: {}, ssm: client });

    const outcome = await resolver.resolve("ssm:/agentcron/missing").catch((error) => error);

    expect(outcome).toBeInstanceOf(SecretNotFoundError);
    expect((outcome as Error).message).toContain("ssm:/agentcron/missing");
  });

  it("throws SecretUnavailableError, not SecretNotFoundError, when AWS refuses access", async () => {
    const client = new SSMClient({ region: "us-east-1" });
    const denied = Object.assign(new Error("User is not authorized to perform ssm:GetParameter"), {
      name: "AccessDeniedException",
    });
    mockClient(client).on(GetParameterCommand).rejects(denied);
    const resolver = createSecretResolver({ env: {}, ssm: client });

    const outcome = await resolver.resolve("ssm:/agentcron/openai-key").catch((error) => error);

    expect(outcome).toBeInstanceOf(SecretUnavailableError);
    expect((outcome as Error).message).toContain("AccessDeniedException");
  });
});
