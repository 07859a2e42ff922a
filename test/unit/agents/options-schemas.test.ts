import { describe, expect, it } from "vitest";
import { a2aOptionsSchema } from "#adapters/harnesses/a2a.ts";
import { anthropicOptionsSchema } from "#adapters/harnesses/anthropic.ts";
import { bedrockOptionsSchema } from "#adapters/harnesses/bedrock.ts";
import { commandOptionsSchema } from "#adapters/harnesses/command.ts";
import { demoOptionsSchema } from "#adapters/harnesses/demo.ts";
import { openAiOptionsSchema } from "#adapters/harnesses/openai.ts";
import { mcpOptionsSchema } from "#adapters/plugins/mcp.ts";

function messagesOf(result: { success: boolean; error?: { issues: { message: string }[] } }): string {
  return (result.error?.issues ?? []).map((issue) => issue.message).join(" | ");
}

describe("harness and plugin options schemas", () => {
  it("refuse an apiKey literal in anthropic options and point to apiKeyRef", () => {
    // Prepare
    const options = { apiKey: "sk-ant-live-123" };

    // Act
    const result = anthropicOptionsSchema.safeParse(options);

    // Assess
    expect(result.success).toBe(false);
    expect(messagesOf(result)).toContain('option "apiKey" is not accepted');
    expect(messagesOf(result)).toContain('set "apiKeyRef"');
    expect(messagesOf(result)).not.toContain("sk-ant-live-123");
  });

  it("refuse an apiKey literal in openai options and point to apiKeyRef", () => {
    const result = openAiOptionsSchema.safeParse({ baseUrl: "http://127.0.0.1:8000/v1", apiKey: "sk-123" });

    expect(result.success).toBe(false);
    expect(messagesOf(result)).toContain('set "apiKeyRef"');
  });

  it("refuse an authToken literal in a2a and mcp options and point to authTokenRef", () => {
    const a2a = a2aOptionsSchema.safeParse({ url: "https://agent.example.com/a2a", authToken: "t0ken" });
    const mcp = mcpOptionsSchema.safeParse({
      transport: "streamable-http",
      url: "https://mcp.example.com/mcp",
      authToken: "t0ken",
    });

    expect(messagesOf(a2a)).toContain('set "authTokenRef"');
    expect(messagesOf(mcp)).toContain('set "authTokenRef"');
  });

  it("refuse an Authorization header and point to authTokenRef", () => {
    const result = mcpOptionsSchema.safeParse({
      transport: "streamable-http",
      url: "https://mcp.example.com/mcp",
      headers: { authorization: "Bearer t0ken" },
    });

    expect(result.success).toBe(false);
    expect(messagesOf(result)).toContain('"authTokenRef"');
  });

  it("refuse temperature for anthropic, explaining that the Messages API rejects it", () => {
    const result = anthropicOptionsSchema.safeParse({ temperature: 0.2 });

    expect(result.success).toBe(false);
    expect(messagesOf(result)).toContain("rejects temperature");
  });

  it("list the known options when an unknown option is given", () => {
    const result = bedrockOptionsSchema.safeParse({ regoin: "us-east-1" });

    expect(messagesOf(result)).toContain('unknown option "regoin"');
    expect(messagesOf(result)).toContain("region");
  });

  it("refuse secret references that do not follow env:, secretsmanager: or ssm:", () => {
    const result = anthropicOptionsSchema.safeParse({ apiKeyRef: "sk-ant-live-123" });

    expect(result.success).toBe(false);
    expect(messagesOf(result)).toContain("must be a secret reference");
  });

  it("apply the documented defaults", () => {
    const anthropic = anthropicOptionsSchema.parse({});
    const command = commandOptionsSchema.parse({ command: "agent" });
    const mcp = mcpOptionsSchema.parse({ transport: "stdio", command: "orders-mcp" });

    expect(anthropic).toEqual({
      apiKeyRef: "env:ANTHROPIC_API_KEY",
      maxTokens: 4096,
      maxToolCalls: 20,
      toolCallTimeoutSeconds: 60,
    });
    expect(command).toMatchObject({ args: [], maxOutputBytes: 1024 * 1024, killGraceSeconds: 5, env: {} });
    expect(mcp).toMatchObject({ toolCallTimeoutSeconds: 30, args: [], env: {}, envFromSecrets: {} });
  });

  it("refuse stdio-only options on a streamable-http mcp plugin", () => {
    const result = mcpOptionsSchema.safeParse({
      transport: "streamable-http",
      url: "https://mcp.example.com/mcp",
      command: "orders-mcp",
    });

    expect(result.success).toBe(false);
    expect(messagesOf(result)).toContain('unknown option "command"');
  });

  it("refuse a shell option on the command harness, explaining that commands never run through a shell", () => {
    const result = commandOptionsSchema.safeParse({ command: "agent", shell: true });

    expect(messagesOf(result)).toContain("never run through a shell");
  });

  it("refuse demo options outside their ranges", () => {
    const result = demoOptionsSchema.safeParse({ failRate: 1.5 });

    expect(result.success).toBe(false);
  });
});
