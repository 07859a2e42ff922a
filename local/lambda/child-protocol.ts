// The IPC messages between the local runtime and an invocation's process (child-entry.ts).

/** Runtime → child, once: what to run. */
export interface InvocationRequest {
  readonly entry: string;
  readonly event: unknown;
  readonly functionName: string;
  readonly timeoutMs: number;
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** Child → runtime. */
export type ChildMessage =
  /** The handler module is loaded (the cold start is over): the invocation begins. */
  | { readonly kind: "invoking" }
  /** A process group the invocation started (or stopped): a command agent, a stdio MCP server. */
  | { readonly kind: "process-group"; readonly event: "started" | "ended"; readonly groupId: number }
  /** What the handler returned or threw. */
  | { readonly kind: "reply"; readonly ok: true; readonly result: unknown }
  | { readonly kind: "reply"; readonly ok: false; readonly error: SerializedError };
