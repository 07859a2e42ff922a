import { describe, expect, it } from "vitest";
import { agentToolName } from "#adapters/plugins/mcp-tool-names.ts";
import { toToolCallResult } from "#adapters/plugins/mcp-tool-result.ts";

describe("MCP tool names", () => {
  it("prefix the tool with the plugin name", () => {
    expect(agentToolName("orders", "lookup_order")).toBe("orders__lookup_order");
  });

  it("replace characters the model APIs refuse and cut to 64 characters", () => {
    const name = agentToolName("crm.prod", `search contacts/${"x".repeat(80)}`);

    expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(name.startsWith("crm_prod__search_contacts_")).toBe(true);
  });

  it("stay distinct when two tools sanitize to the same name", () => {
    const taken = new Set([agentToolName("crm", "find.contact")]);

    expect(agentToolName("crm", "find contact", taken)).toBe("crm__find_contact_2");
  });
});

describe("MCP tool results", () => {
  it("keep text parts and summarise binary ones", () => {
    const result = toToolCallResult({
      content: [
        { type: "text", text: "Order 42: shipped" },
        { type: "image", data: "AAAA", mimeType: "image/png" },
        { type: "resource_link", uri: "file:///label.pdf", name: "label", mimeType: "application/pdf" },
      ],
    });

    expect(result).toEqual({
      isError: false,
      content:
        'Order 42: shipped\n[image: image/png, 3 bytes, not shown]\n[resource link "label": file:///label.pdf (application/pdf)]',
    });
  });

  it("carry the server's error flag", () => {
    expect(toToolCallResult({ isError: true, content: [{ type: "text", text: "no such order" }] })).toEqual({
      isError: true,
      content: "no such order",
    });
  });

  it("fall back to structured content as JSON when there is no content", () => {
    expect(toToolCallResult({ content: [], structuredContent: { status: "shipped" } }).content).toBe(
      '{"status":"shipped"}',
    );
  });
});
