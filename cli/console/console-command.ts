import type { CommandContext } from "../context.ts";
import { EXIT, type ExitCode, UsageError } from "../exit-codes.ts";
import { parseWholeNumber } from "../parse.ts";
import { ConsoleListenError, startConsole } from "./server.ts";

export interface ConsoleCommandOptions {
  readonly port?: string;
  /** Stops the console when aborted. @default SIGINT or SIGTERM */
  readonly stop?: AbortSignal;
}

/**
 * `console [--port N]`: the operator console in the browser, over the same deployment and the same
 * reads and actions as the other commands. Serves on 127.0.0.1 until Ctrl-C; prints the URL to
 * open (it carries the token the browser exchanges for its session cookie).
 */
export async function consoleCommand(ctx: CommandContext, options: ConsoleCommandOptions): Promise<ExitCode> {
  const port =
    options.port !== undefined ? parseWholeNumber(options.port, "--port", { min: 1, max: 65_535 }) : 0;
  // A stopped local runtime's history is shown too (read-only: its actions say to start it).
  const deployment = await ctx.connect({ readsHistory: true });
  const server = await startConsole({
    deployment,
    port,
    onError: (error) => ctx.out.warn(`agentcron console: ${(error as Error).stack ?? String(error)}`),
  }).catch((error: unknown) => {
    // A port that is taken is fixed on the command line (exit 2).
    throw error instanceof ConsoleListenError ? new UsageError(error.message) : error;
  });
  const { out } = ctx;
  out.data({ url: server.url, origin: server.origin, port: server.port, target: deployment.label });
  out.line(`agentcron console for ${deployment.label}:`);
  out.line(`  ${server.url}`);
  out.line(
    out.style.dim(
      "Open it in a browser on this machine (the token in it is exchanged for a session cookie). Ctrl-C stops it.",
    ),
  );
  await stopped(options.stop);
  await server.close();
  return EXIT.ok;
}

/** Resolves when `signal` aborts, or — without one — at the first SIGINT or SIGTERM. */
function stopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal) {
      if (signal.aborted) return resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
      return;
    }
    const onSignal = () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
