import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The real executable, as `npx agentcron` runs it: the compiled CLI (test/e2e/support/compile-cli.ts). */
export const CLI_BIN = fileURLToPath(new URL("../../../cli/bin/agentcron.mjs", import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (for `--json` commands); undefined when it is not JSON. */
  readonly json: unknown;
}

const running = new Set<ReturnType<typeof spawn>>();

/**
 * Runs `agentcron ARGS` as a child process — not a TTY, no colour — and collects its output.
 * Killed (and the test failed) if it has not exited within `timeoutMs` (default 2 minutes: a CLI
 * start is a Node + tsx start, which takes seconds on a busy machine; the limit is for a hang).
 */
export function runAgentcron(
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    // Never the slow from-source fallback: these tests are about the CLI users run.
    env: { ...process.env, NO_COLOR: "1", AGENTCRON_CLI_REQUIRE_COMPILED: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `agentcron ${args.join(" ")} did not exit within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      running.delete(child);
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

/** Kills any CLI process a failed test left running. */
export function killLeftoverCliProcesses(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}
