import type { ChildProcessWithoutNullStreams } from "node:child_process";
import {
  type Harness,
  HarnessAbortedError,
  HarnessFailedError,
  type HarnessStreams,
} from "#core/agents/harness.ts";
import { boundedTurnSignal, describeAbortReason } from "./abort.ts";
import { type CommandOptions, commandDescriptor } from "./command-options.ts";
import { HeadCapture, TailCapture } from "./output-capture.ts";
import { childEnvironment, spawnProcessGroup, terminateProcessGroup } from "./process-group.ts";

export { type CommandOptions, commandOptionsSchema } from "./command-options.ts";

const STREAM_TAIL_BYTES = 8 * 1024;
// After the group is gone the pipes close at once, unless a process that left the group (setsid)
// still holds them: do not wait for that one forever.
const PIPE_CLOSE_WAIT_MS = 1_000;

interface ChildOutcome {
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  readonly spawnError?: Error;
  readonly stdout: HeadCapture;
  readonly stdoutTail: TailCapture;
  readonly stderr: TailCapture;
}

/** The ends of both streams, kept with the run (what to read first when the agent failed). */
function streamsOf(outcome: ChildOutcome): HarnessStreams {
  const stdoutTail = outcome.stdoutTail.text();
  const stderrTail = outcome.stderr.text();
  return {
    ...(stdoutTail === "" ? {} : { stdoutTail }),
    ...(stderrTail === "" ? {} : { stderrTail }),
  };
}

/**
 * The `command` harness: runs a local CLI agent (e.g. a coding agent's non-interactive print mode)
 * with the prompt on stdin and its stdout as the output. The child leads its own process group: on
 * a stop the whole group gets SIGTERM, then SIGKILL after `killGraceSeconds`, and background
 * processes it leaves behind are ended when it exits. stdout and stderr are drained from the start,
 * so a child writing megabytes before it reads stdin cannot deadlock (field report 3).
 *
 * @throws SecretNotFoundError when an `envFromSecrets` reference resolves to nothing.
 * @throws HarnessFailedError when the command cannot start, exits non-zero (message: exit code, then
 *   the tail of stderr) or is killed by a signal it was not sent by us.
 * @throws HarnessAbortedError when the turn is stopped, with the stdout captured so far.
 */
export const commandHarness: Harness<CommandOptions> = {
  ...commandDescriptor,
  async run(input) {
    const { options } = input;
    if (input.tools.length > 0) {
      input.log.debug("the command harness does not offer plugin tools to the child", {
        tools: input.tools.map((tool) => tool.name),
      });
    }
    const turn = boundedTurnSignal(input);
    try {
      const secretEnv: Record<string, string> = {};
      for (const [name, reference] of Object.entries(options.envFromSecrets)) {
        secretEnv[name] = await input.secrets.resolve(reference, turn.signal);
      }
      const env = childEnvironment(
        { ...options.env, ...secretEnv, AGENTCRON_JOB_ID: input.jobId, AGENTCRON_RUN_ID: input.runId },
        options.inheritEnv,
      );
      const outcome = await runChild(options, env, input.prompt, turn.signal);
      const label = `command "${options.command}"`;

      if (turn.signal.aborted) {
        throw new HarnessAbortedError(`${label} stopped: ${describeAbortReason(turn.signal.reason)}`, {
          output: outcome.stdout.text(),
          provider: "command",
          toolCalls: 0,
          stopReason: "aborted",
          streams: streamsOf(outcome),
        });
      }
      if (outcome.spawnError) {
        throw new HarnessFailedError(`Could not start ${label}: ${outcome.spawnError.message}`, {
          cause: outcome.spawnError,
        });
      }
      if (outcome.exitCode !== 0) {
        const how =
          outcome.exitCode === null
            ? `was killed by ${outcome.exitSignal}`
            : `exited with code ${outcome.exitCode}`;
        const stderrTail = outcome.stderr.text();
        throw new HarnessFailedError(
          `${label} ${how}.${stderrTail === "" ? " It wrote nothing to stderr." : ` Tail of stderr:\n${lastLines(stderrTail)}`}`,
          { partial: { output: outcome.stdout.text(), provider: "command", streams: streamsOf(outcome) } },
        );
      }
      if (outcome.stdout.truncated) {
        input.log.warn("command output truncated", {
          command: options.command,
          totalBytes: outcome.stdout.totalBytes,
          maxOutputBytes: options.maxOutputBytes,
        });
      }
      return {
        output: outcome.stdout.text(),
        provider: "command",
        ...(input.model === undefined ? {} : { model: input.model }),
        toolCalls: 0,
        stopReason: "completed",
        streams: streamsOf(outcome),
      };
    } finally {
      turn.dispose();
    }
  },
};

async function runChild(
  options: CommandOptions,
  env: Record<string, string>,
  prompt: string,
  signal: AbortSignal,
): Promise<ChildOutcome> {
  const stdout = new HeadCapture(options.maxOutputBytes);
  const stdoutTail = new TailCapture(STREAM_TAIL_BYTES);
  const stderr = new TailCapture(STREAM_TAIL_BYTES);
  const graceMs = options.killGraceSeconds * 1000;
  if (signal.aborted) {
    return { exitCode: null, exitSignal: null, stdout, stdoutTail, stderr };
  }

  const child = spawnProcessGroup(options.command, options.args, { cwd: options.cwd, env });
  // Listeners first, before anything can fill a pipe.
  child.stdout.on("data", (chunk: Buffer) => {
    stdout.append(chunk);
    stdoutTail.append(chunk);
  });
  child.stderr.on("data", (chunk: Buffer) => stderr.append(chunk));
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const exited = waitForExit(child);
  // A child that exits without reading its input makes the write fail with EPIPE: not our failure.
  child.stdin.on("error", () => {});
  child.stdin.end(prompt);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= terminateProcessGroup(child, graceMs);
  };
  signal.addEventListener("abort", stop, { once: true });
  const exit = await exited;
  signal.removeEventListener("abort", stop);

  if ("spawnError" in exit) {
    return { exitCode: null, exitSignal: null, spawnError: exit.spawnError, stdout, stdoutTail, stderr };
  }
  // The leader is gone; anything it left running in its group must not outlive the turn.
  stop();
  await stopping;
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, PIPE_CLOSE_WAIT_MS))]);
  child.stdout.destroy();
  child.stderr.destroy();
  return { exitCode: exit.exitCode, exitSignal: exit.exitSignal, stdout, stdoutTail, stderr };
}

function waitForExit(
  child: ChildProcessWithoutNullStreams,
): Promise<{ exitCode: number | null; exitSignal: NodeJS.Signals | null } | { spawnError: Error }> {
  return new Promise((resolve) => {
    child.once("exit", (exitCode, exitSignal) => resolve({ exitCode, exitSignal }));
    // `on`, not `once`: a later 'error' (a failed kill) without a listener would crash the process.
    child.on("error", (spawnError) => resolve({ spawnError }));
  });
}

/**
 * The last lines of a stream tail for the error message — at most `maxLines`, within `maxBytes`
 * (the run keeps the whole tail apart, and `inspect` shows it): an error message is read in a
 * table cell and a terminal line, not as a log.
 */
function lastLines(tail: string, maxLines = 10, maxBytes = 1024): string {
  const lines = tail.split("\n");
  let kept = lines.slice(-maxLines).join("\n");
  if (Buffer.byteLength(kept, "utf8") > maxBytes)
    kept = Buffer.from(kept, "utf8").subarray(-maxBytes).toString("utf8");
  return kept.length < tail.length ? `…${kept.replace(/^\uFFFD+/, "")}` : tail;
}
