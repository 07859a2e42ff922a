import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { TailCapture } from "#adapters/harnesses/output-capture.ts";
import { spawnProcessGroup, terminateProcessGroup } from "#adapters/harnesses/process-group.ts";

const STDERR_TAIL_BYTES = 4 * 1024;

export interface ProcessGroupStdioParameters {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string | undefined;
  /**
   * Time the server gets to exit after its stdin closes and it is sent SIGTERM, before SIGKILL.
   * @default 1000
   */
  readonly closeGraceMs?: number;
}

/**
 * MCP stdio client transport whose server runs in its own process group. The SDK's
 * StdioClientTransport signals only the direct child, so the real server behind `npx`/`uvx` (a
 * grandchild) would survive a stop — and in Lambda, keep running into the next invocation. Closing
 * this transport ends the whole group within `closeGraceMs` (+ the SIGKILL).
 */
export class ProcessGroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child: ChildProcessWithoutNullStreams | undefined;
  private closing: Promise<void> | undefined;
  private readonly readBuffer = new ReadBuffer();
  private readonly stderrTail = new TailCapture(STDERR_TAIL_BYTES);
  private exitDescription: string | undefined;

  constructor(private readonly parameters: ProcessGroupStdioParameters) {}

  /** The server's process id (= its process group id) once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How the server process ended, with the tail of its stderr: for error messages. */
  describeExit(): string {
    const stderr = this.stderrTail.text();
    const exit = this.exitDescription ?? "is still running";
    return stderr === "" ? `server ${exit}` : `server ${exit}; tail of its stderr:\n${stderr}`;
  }

  start(): Promise<void> {
    if (this.child) {
      throw new Error("ProcessGroupStdioTransport already started");
    }
    const { command, args, env, cwd } = this.parameters;
    return new Promise<void>((resolve, reject) => {
      const child = spawnProcessGroup(command, args, { env, cwd });
      this.child = child;
      child.on("error", (error) => {
        reject(error);
        this.onerror?.(error);
      });
      child.once("spawn", () => resolve());
      child.once("exit", (code, signal) => {
        this.exitDescription = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
      });
      child.once("close", () => this.onclose?.());
      child.stdin.on("error", (error) => this.onerror?.(error));
      child.stdout.on("data", (chunk: Buffer) => this.receive(chunk));
      // Drained from the start so a chatty server never blocks on a full stderr pipe.
      child.stderr.on("data", (chunk: Buffer) => this.stderrTail.append(chunk));
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || this.closing) {
      return Promise.reject(new Error(`MCP stdio ${this.describeExit()}; cannot send`));
    }
    return new Promise<void>((resolve) => {
      if (stdin.write(serializeMessage(message))) {
        resolve();
      } else {
        stdin.once("drain", () => resolve());
      }
    });
  }

  /** Closes stdin (the MCP stdio shutdown), then ends the process group. Idempotent; never throws. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const child = this.child;
    if (!child) {
      return;
    }
    child.stdin.end();
    await terminateProcessGroup(child, this.parameters.closeGraceMs ?? 1_000);
    this.readBuffer.clear();
  }

  private receive(chunk: Buffer): void {
    try {
      this.readBuffer.append(chunk);
    } catch (error) {
      // One message larger than the buffer limit: the stream cannot be resynchronised.
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
      void this.close();
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.readBuffer.readMessage();
      } catch (error) {
        // A line that is not JSON-RPC (a stray log line on stdout): report it, keep reading.
        this.onerror?.(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (message === null) {
        return;
      }
      this.onmessage?.(message);
    }
  }
}
