import { fork } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export type InvocationResult<T> =
  | { readonly kind: "returned"; readonly result: T; readonly durationMs: number }
  | {
      readonly kind: "failed";
      readonly error: { name: string; message: string; stack?: string };
      readonly durationMs: number;
    }
  /** Killed at the function's timeout, as Lambda does ("Task timed out after N seconds"). */
  | { readonly kind: "timed-out"; readonly durationMs: number }
  | {
      readonly kind: "crashed";
      readonly exitCode: number | null;
      readonly signal: NodeJS.Signals | null;
      readonly durationMs: number;
    };

export interface InvokeOptions {
  /** Path of the handler module (e.g. functions/turn.ts), which exports `handler`. */
  readonly entry: string;
  readonly event: unknown;
  readonly functionName: string;
  /** The function's timeout: the process is SIGKILLed when it passes. */
  readonly timeoutMs: number;
  /** The function's environment (added to a minimal base: PATH, HOME, the tsx loader). */
  readonly env: Readonly<Record<string, string>>;
  /** Each line the process writes (its JSON logs), with the stream it came on. */
  readonly onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Called with the child's pid once it is spawned (tests kill -9 it to simulate a crash). */
  readonly onSpawn?: (pid: number) => void;
  /**
   * Shutting down: the child gets SIGTERM (a turn then stops and records itself), and SIGKILL if it
   * is still there after `shutdownGraceMs`.
   */
  readonly shutdownSignal?: AbortSignal;
  /** @default 15000 */
  readonly shutdownGraceMs?: number;
}

const childEntry = join(dirname(fileURLToPath(import.meta.url)), "child-entry.ts");

/**
 * Runs one invocation of a handler in a child process of its own — isolation as in Lambda: a
 * turn that blocks its event loop or crashes cannot touch another — and kills it (SIGKILL) at the
 * function's timeout. Output is drained as it comes, so a chatty process never blocks on a full
 * pipe (field report 3).
 */
export function invokeInChildProcess<T>(options: InvokeOptions): Promise<InvocationResult<T>> {
  const startedAt = Date.now();
  const child = fork(childEntry, [], {
    execArgv: ["--import", "tsx"],
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_OPTIONS: "--enable-source-maps",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  // If this process goes away without stopping the invocation, do not leave it running.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  forwardLines(child.stdout, "stdout", options.onLine);
  forwardLines(child.stderr, "stderr", options.onLine);

  return new Promise((resolve) => {
    let settled = false;
    let reply:
      | { ok: boolean; result?: T; error?: { name: string; message: string; stack?: string } }
      | undefined;
    const finish = (result: InvocationResult<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish({ kind: "timed-out", durationMs: Date.now() - startedAt });
    }, options.timeoutMs);
    const onShutdown = () => {
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), options.shutdownGraceMs ?? 15_000).unref();
    };
    if (options.shutdownSignal?.aborted) onShutdown();
    else options.shutdownSignal?.addEventListener("abort", onShutdown, { once: true });
    child.on("message", (message) => {
      reply = message as typeof reply;
    });
    child.on("exit", (exitCode, signal) => {
      options.shutdownSignal?.removeEventListener("abort", onShutdown);
      const durationMs = Date.now() - startedAt;
      if (reply?.ok) finish({ kind: "returned", result: reply.result as T, durationMs });
      else if (reply?.error) finish({ kind: "failed", error: reply.error, durationMs });
      else finish({ kind: "crashed", exitCode, signal, durationMs });
    });
    child.send({
      entry: options.entry,
      event: options.event,
      functionName: options.functionName,
      timeoutMs: options.timeoutMs,
    });
  });
}

function forwardLines(
  stream: NodeJS.ReadableStream | null,
  name: "stdout" | "stderr",
  onLine: InvokeOptions["onLine"],
): void {
  if (!stream) return;
  let buffered = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) if (line) onLine?.(line, name);
  });
  stream.on("end", () => {
    if (buffered) onLine?.(buffered, name);
  });
}
