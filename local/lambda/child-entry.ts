// One Lambda invocation in its own process: the local runtime's stand-in for a Lambda sandbox.
// The parent sends { entry, event } over IPC; this process imports the handler module (building
// its dependencies at import, as a cold start does), runs it once and sends the result back.
import { pathToFileURL } from "node:url";

interface InvocationRequest {
  readonly entry: string;
  readonly event: unknown;
  readonly functionName: string;
  readonly timeoutMs: number;
}

// A terminal's Ctrl-C reaches every process of the foreground group, this one included. Like a
// Lambda sandbox, an invocation takes its orders from the runtime that started it: the runtime
// answers Ctrl-C by sending SIGTERM, which the turn handles by stopping and recording itself.
process.on("SIGINT", () => {});

process.once("message", async (request: InvocationRequest) => {
  const deadline = Date.now() + request.timeoutMs;
  const context = {
    functionName: request.functionName,
    awsRequestId: `local-${process.pid}-${Date.now()}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const module = (await import(pathToFileURL(request.entry).href)) as {
      handler: (event: unknown, context: unknown) => Promise<unknown>;
    };
    const result = await module.handler(request.event, context);
    process.send?.({ ok: true, result }, () => process.exit(0));
  } catch (error) {
    const failure =
      error instanceof Error
        ? { name: error.name, message: error.message, stack: error.stack }
        : { name: "Error", message: String(error) };
    process.send?.({ ok: false, error: failure }, () => process.exit(1));
  }
});
