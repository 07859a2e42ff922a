import type { Output, OutputStream } from "./output.ts";
import type { Deployment } from "./target.ts";

/** The process around the CLI, injected so tests can drive it. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/** What every command gets: where to write, and the deployment (connected on first use). */
export interface CommandContext {
  readonly out: Output;
  readonly io: CliIo;
  /**
   * Resolves the target from the flags and environment and connects to it. A command that only
   * reads history (`readsHistory`) also accepts a stopped local runtime's stored data.
   */
  connect(options?: { readonly readsHistory?: boolean }): Promise<Deployment>;
}
