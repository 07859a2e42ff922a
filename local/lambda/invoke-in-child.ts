import { fork } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { killProcessGroups } from "../processes/process-groups.ts";
import type { ChildMessage, InvocationRequest, SerializedError } from "./child-protocol.ts";

export type InvocationResult<T> =
  | { readonly kind: "returned"; readonly result: T; readonly durationMs: number }
  | { readonly kind: "failed"; readonly error: SerializedError; readonly durationMs: number }
  /**
   * Killed at the function's timeout, as Lambda does ("Task timed out after N seconds") — or, with
   * `during: "init"`, because loading the handler took longer than `initTimeoutMs`.
   */
  | { readonly kind: "timed-out"; readonly during: "init" | "invoke"; readonly durationMs: number }
  /** Killed by the caller through {@link InvocationHandle.kill}, for `reason`. */
  | { readonly kind: "killed"; readonly reason: string; readonly durationMs: number }
  | {
      readonly kind: "crashed";
      readonly exitCode: number | null;
      readonly signal: NodeJS.Signals | null;
      readonly durationMs: number;
    };

/** An invocation in flight, as its caller sees it. */
export interface InvocationHandle {
  /** The process's id, which is also its process group's. */
  readonly pid: number;
  /** The process groups it started that are still running (command agents, stdio MCP servers). */
  readonly childGroups: ReadonlySet<number>;
  /** SIGKILLs the invocation's process group and every group it started; the result is `killed`. */
  kill(reason: string): void;
}

export interface InvokeOptions {
  /** Path of the handler module (e.g. functions/turn.ts), which exports `handler`. */
  readonly entry: string;
  readonly event: unknown;
  readonly functionName: string;
  /**
   * The function's timeout, counted from when the handler starts (after the module loaded, as in
   * Lambda): the process and everything it started are SIGKILLed when it passes.
   */
  readonly timeoutMs: number;
  /** Longest time loading the handler module may take (tsx compiles it). @default 120000 */
  readonly initTimeoutMs?: number;
  /** The function's environment (added to a minimal base: PATH, HOME, the tsx loader). */
  readonly env: Readonly<Record<string, string>>;
  /** Each line the process writes (its JSON logs), with the stream it came on. */
  readonly onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Called once the process is spawned (the runtime records it; tests kill -9 it to simulate a crash). */
  readonly onSpawn?: (handle: InvocationHandle) => void;
  /** A process group the invocation started, or one it stopped. */
  readonly onChildGroup?: (event: "started" | "ended", groupId: number) => void;
  /**
   * Shutting down: the child gets SIGTERM (a turn then stops and records itself), and SIGKILL if it
   * is still there after `shutdownGraceMs`.
   */
  readonly shutdownSignal?: AbortSignal;
  /** @default 15000 */
  readonly shutdownGraceMs?: number;
}

const childEntry = join(dirname(fileURLToPath(import.meta.url)), "child-entry.ts");
const DEFAULT_INIT_TIMEOUT_MS = 120_000;

/**
 * Runs one invocation of a handler in a child process of its own — isolation as in Lambda: a
 * turn that blocks its event loop or crashes cannot touch another. The child leads its own process
 * group and reports the groups it starts; however the invocation ends (it returns, crashes, is
 * killed with `kill -9`, or reaches the function's timeout), its group and every group it started
 * are SIGKILLed before the result is given, so nothing it started outlives it. Output is drained
 * as it comes, so a chatty process never blocks on a full pipe (field report 3).
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
    // Its own process group: a terminal's Ctrl-C or a signal to the runtime's group does not reach
    // it (the runtime tells it to stop), and killing the group reaches whatever it left in it.
    detached: true,
  });
  const pid = child.pid ?? 0;
  const childGroups = new Set<number>();
  // (A pid of 0 — the spawn failed — must never become kill(-0): that would signal our own group.)
  const everyGroup = () => [pid, ...childGroups].filter((group) => group > 1);
  // If this process goes away without ending the invocation, do not leave it running.
  const killOnExit = () => {
    for (const group of everyGroup()) {
      try {
        process.kill(-group, "SIGKILL");
      } catch {
        // gone
      }
    }
  };
  process.once("exit", killOnExit);
  forwardLines(child.stdout, "stdout", options.onLine);
  forwardLines(child.stderr, "stderr", options.onLine);

  return new Promise((resolve) => {
    let settled = false;
    let stoppedBy: InvocationResult<T> | undefined;
    let reply: Extract<ChildMessage, { kind: "reply" }> | undefined;
    let timer = setTimeout(
      () => stop({ kind: "timed-out", during: "init", durationMs: Date.now() - startedAt }),
      options.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS,
    );
    const stop = (why: InvocationResult<T>) => {
      stoppedBy ??= why;
      child.kill("SIGKILL");
      killOnExit();
    };
    const onShutdown = () => {
      child.kill("SIGTERM");
      setTimeout(
        () => stop({ kind: "killed", reason: "shutdown", durationMs: Date.now() - startedAt }),
        options.shutdownGraceMs ?? 15_000,
      ).unref();
    };
    if (options.shutdownSignal?.aborted) onShutdown();
    else options.shutdownSignal?.addEventListener("abort", onShutdown, { once: true });

    child.on("message", (message: ChildMessage) => {
      if (message.kind === "invoking") {
        clearTimeout(timer);
        timer = setTimeout(
          () => stop({ kind: "timed-out", during: "invoke", durationMs: Date.now() - startedAt }),
          options.timeoutMs,
        );
      } else if (message.kind === "process-group") {
        if (message.event === "started") childGroups.add(message.groupId);
        else childGroups.delete(message.groupId);
        options.onChildGroup?.(message.event, message.groupId);
      } else {
        reply = message;
      }
    });
    child.once("error", (error) => {
      if (pid > 0 || settled) return; // an error after the spawn (a failed kill): the exit follows
      settled = true;
      clearTimeout(timer);
      resolve({ kind: "failed", error: { name: error.name, message: error.message }, durationMs: 0 });
    });
    child.on("exit", (exitCode, signal) => {
      clearTimeout(timer);
      options.shutdownSignal?.removeEventListener("abort", onShutdown);
      // Whatever the invocation started must not outlive it, however it ended.
      void killProcessGroups(everyGroup()).then(() => {
        process.off("exit", killOnExit);
        for (const group of childGroups) options.onChildGroup?.("ended", group);
        childGroups.clear();
        if (settled) return;
        settled = true;
        const durationMs = Date.now() - startedAt;
        if (stoppedBy) resolve(stoppedBy);
        else if (reply?.ok) resolve({ kind: "returned", result: reply.result as T, durationMs });
        else if (reply) resolve({ kind: "failed", error: reply.error, durationMs });
        else resolve({ kind: "crashed", exitCode, signal, durationMs });
      });
    });
    options.onSpawn?.({
      pid,
      childGroups,
      kill: (reason) => stop({ kind: "killed", reason, durationMs: Date.now() - startedAt }),
    });
    const request: InvocationRequest = {
      entry: options.entry,
      event: options.event,
      functionName: options.functionName,
      timeoutMs: options.timeoutMs,
    };
    child.send(request);
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
