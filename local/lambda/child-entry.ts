// One Lambda invocation in its own process: the local runtime's stand-in for a Lambda sandbox.
// The parent sends { entry, event } over IPC; this process imports the handler module (building
// its dependencies at import, as a cold start does), tells the parent it is invoking (the function
// timeout counts from there, as Lambda's does), runs the handler once and sends the result back.
import { pathToFileURL } from "node:url";
import { observeProcessGroups } from "#adapters/harnesses/process-group.ts";
import type { ChildMessage, InvocationRequest } from "./child-protocol.ts";

const send = (message: ChildMessage, then?: () => void) => {
  if (!process.connected) return then?.();
  process.send?.(message, undefined, {}, () => then?.());
};

// A terminal's Ctrl-C reaches every process of the foreground group. Like a Lambda sandbox, an
// invocation takes its orders from the runtime that started it: the runtime answers Ctrl-C by
// sending SIGTERM, which the turn handles by stopping and recording itself.
process.on("SIGINT", () => {});

// Parent-death watch: the IPC channel closes when the runtime exits, however it exits (kill -9
// included). An invocation has no one to answer to then, and must not run on against emulators
// that are gone: exit, which SIGKILLs the process groups this turn started (process-group.ts).
process.once("disconnect", () => process.exit(1));

// The process groups a turn starts (command agents, stdio MCP servers) leave this process's own
// group: the runtime is told about each, so it can stop them if this process is killed.
observeProcessGroups({
  started: (groupId) => send({ kind: "process-group", event: "started", groupId }),
  ended: (groupId) => send({ kind: "process-group", event: "ended", groupId }),
});

process.once("message", async (request: InvocationRequest) => {
  try {
    const module = (await import(pathToFileURL(request.entry).href)) as {
      handler: (event: unknown, context: unknown) => Promise<unknown>;
    };
    const deadline = Date.now() + request.timeoutMs;
    const context = {
      functionName: request.functionName,
      awsRequestId: `local-${process.pid}-${Date.now()}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    send({ kind: "invoking" });
    const result = await module.handler(request.event, context);
    send({ kind: "reply", ok: true, result }, () => process.exit(0));
  } catch (error) {
    const failure =
      error instanceof Error
        ? { name: error.name, message: error.message, stack: error.stack }
        : { name: "Error", message: String(error) };
    send({ kind: "reply", ok: false, error: failure }, () => process.exit(1));
  }
});
