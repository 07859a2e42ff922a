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
