import type { ToolCallResult } from "#core/agents/tool.ts";

/** The parts of an MCP `tools/call` result this adapter reads (current and 2024-10-07 shapes). */
export interface McpCallToolResult {
  readonly content?: readonly McpContentBlock[];
  readonly structuredContent?: Record<string, unknown>;
  readonly isError?: boolean;
  /** Result shape of protocol version 2024-10-07. */
  readonly toolResult?: unknown;
}

type McpContentBlock =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "image" | "audio"; readonly data: string; readonly mimeType: string }
  | {
      readonly type: "resource";
      readonly resource: { readonly uri: string; readonly mimeType?: string; readonly text?: string };
    }
  | {
      readonly type: "resource_link";
      readonly uri: string;
      readonly name: string;
      readonly mimeType?: string;
    }
  | { readonly type: string };

/**
 * Converts an MCP tool result into what the model gets back: text parts as they are, other parts
 * summarised in one line each (a model API takes text tool results here, and base64 blobs would only
 * burn tokens); structured content as JSON when there is no text.
 */
export function toToolCallResult(result: McpCallToolResult): ToolCallResult {
  if (result.content === undefined && "toolResult" in result) {
    return { content: stringify(result.toolResult), isError: false };
  }
  const parts = (result.content ?? []).map(describeContentBlock);
  if (parts.length === 0 && result.structuredContent !== undefined) {
    parts.push(JSON.stringify(result.structuredContent));
  }
  return { content: parts.join("\n"), isError: result.isError === true };
}

function describeContentBlock(block: McpContentBlock): string {
  if ("text" in block && block.type === "text") {
    return block.text;
  }
  if ("data" in block) {
    return `[${block.type}: ${block.mimeType}, ${Math.floor((block.data.length * 3) / 4)} bytes, not shown]`;
  }
  if ("resource" in block) {
    return block.resource.text ?? `[resource ${block.resource.uri}${mimeSuffix(block.resource.mimeType)}]`;
  }
  if ("uri" in block) {
    return `[resource link "${block.name}": ${block.uri}${mimeSuffix(block.mimeType)}]`;
  }
  return `[${block.type} content, not shown]`;
}

function mimeSuffix(mimeType: string | undefined): string {
  return mimeType === undefined ? "" : ` (${mimeType})`;
}

function stringify(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
