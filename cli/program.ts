import { Command, CommanderError } from "commander";
import type { CliIo, CommandContext } from "./context.ts";
import { CliError, EXIT, type ExitCode, explainError } from "./exit-codes.ts";
import { colourEnabled, Output } from "./output.ts";
import type { Deployment, TargetOptions } from "./target.ts";

// Start-up time is part of the interface (docs/cli.md "Start-up time"): this module loads only commander and
// the output helpers. Each command's module — and the AWS SDK behind `connect()` — is imported when
// that command runs, so `--help` and a typo never load them.
/** Set by the build (cli/build.mjs); absent when the CLI runs from source. */
declare const AGENTCRON_BUILD: { readonly version: string; readonly builtAt: string } | undefined;

/** `agentcron --version`: says whether this is the compiled CLI, and when it was built. */
export function versionText(): string {
  return typeof AGENTCRON_BUILD === "undefined"
    ? "agentcron (running from source)"
    : `agentcron ${AGENTCRON_BUILD.version} (compiled ${AGENTCRON_BUILD.builtAt})`;
}

const commands = {
  jobs: () => import("./commands/jobs.ts"),
  run: () => import("./commands/run.ts"),
  runs: () => import("./commands/runs.ts"),
  inspect: () => import("./commands/inspect.ts"),
  logs: () => import("./commands/logs.ts"),
  doctor: () => import("./commands/doctor.ts"),
  dlq: () => import("./commands/dlq.ts"),
  console: () => import("./console/console-command.ts"),
  harnesses: () => import("./commands/harnesses.ts"),
};

const EXIT_CODES_HELP = `
Targets (first that applies): --local / --state-dir DIR (a running \`npm start\`); --stack NAME /
--stage STAGE (the stack's outputs; --region, --endpoint URL for LocalStack); the environment
(AGENTCRON_TABLE_NAME and the queue URL variables, or AGENTCRON_STAGE); else the local runtime
running from .agentcron.

Exit codes: 0 ok · 1 what you asked about failed or is unhealthy (run --wait, doctor) ·
2 invalid command line or input (e.g. an invalid jobs file) · 3 deployment, job or run not found or
unreachable. Every read command takes --json. Docs: docs/cli.md`;

interface GlobalOptions extends TargetOptions {
  readonly json?: boolean;
  readonly color?: boolean;
}

/**
 * Runs one `agentcron` command line and returns its exit code. Everything it touches comes in
 * through `io`, so tests drive it in-process and the executable shim is three lines.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.ok;
  let deployment: Deployment | undefined;
  let output: Output | undefined;

  const contextOf = (command: Command): CommandContext => {
    const options = command.optsWithGlobals<GlobalOptions>();
    output = new Output(
      io.stdout,
      io.stderr,
      options.json === true,
      options.color !== false && colourEnabled(io.stdout, io.env),
    );
    return {
      out: output,
      io,
      async connect(connectOptions = {}) {
        if (!deployment) {
          const [{ resolveTarget }, { connectTarget }] = await Promise.all([
            import("./target.ts"),
            import("./connect.ts"),
          ]);
          const spec = resolveTarget(options, { env: io.env, readsHistory: connectOptions.readsHistory });
          deployment = await connectTarget(spec, undefined, {
            notice: (text) => io.stderr.write(`${text}\n`),
          });
        }
        return deployment;
      },
    };
  };
  /** Wraps a command: its context from the parsed options, its exit code kept. */
  const handle =
    <A extends unknown[]>(run: (ctx: CommandContext, ...args: A) => Promise<ExitCode>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      exitCode = await run(contextOf(command), ...(args.slice(0, -1) as A));
    };

  const program = new Command("agentcron")
    .description("Operate agentcron deployments: the local runtime, LocalStack or AWS.")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showSuggestionAfterError()
    .version(versionText(), "-V, --version", "which agentcron this is (compiled, and when)")
    .option("--local", "the local runtime (`npm start`) running from this directory")
    .option("--state-dir <dir>", "the local runtime whose state is in DIR")
    .option("--stack <name>", "a deployed stack, by name")
    .option("--stage <stage>", "a deployed stack, by stage (agentcron-STAGE)")
    .option("--region <region>", "AWS region of the stack (default: AWS_REGION)")
    .option("--endpoint <url>", "send every AWS call here (LocalStack: http://127.0.0.1:4566)")
    .option("--json", "print one JSON document instead of text")
    .option("--no-color", "no colour even on a terminal (NO_COLOR works too)")
    .addHelpText("after", EXIT_CODES_HELP);

  const jobs = program.command("jobs").description("apply, list, show, pause, resume and delete jobs");
  jobs
    .command("apply")
    .description("validate a jobs file, show what changes (jobs and schedule rules), apply it")
    .requiredOption("-f, --file <path>", 'the jobs file ({"jobs": [...]}; - for stdin)')
    .option("--prune", "delete stored jobs that are not in the file")
    .option("--allow-empty", "with --prune: allow an empty file to delete every job")
    .option("--dry-run", "show the changes, apply nothing")
    .option("-y, --yes", "apply without asking (needed when stdin is not a terminal)")
    .action(
      handle(
        async (
          ctx,
          options: { file: string; prune?: boolean; allowEmpty?: boolean; dryRun?: boolean; yes?: boolean },
        ) => (await commands.jobs()).applyCommand(ctx, options),
      ),
    );
  jobs
    .command("list")
    .description("every job: schedule, enabled, next fire, last status, failure rate, health, running")
    .option("--unhealthy", "only the unhealthy jobs, with why and the first command to run")
    .action(
      handle(async (ctx, options: { unhealthy?: boolean }) =>
        (await commands.jobs()).listCommand(ctx, options),
      ),
    );
  jobs
    .command("show")
    .description("one job: definition, lease holder, buffered fires, next fires, health, last runs")
    .argument("<jobId>")
    .action(handle(async (ctx, jobId: string) => (await commands.jobs()).showCommand(ctx, jobId)));
  jobs
    .command("pause")
    .description("disable a job and its schedule rule")
    .argument("<jobId>")
    .action(
      handle(async (ctx, jobId: string) => (await commands.jobs()).setEnabledCommand(ctx, jobId, false)),
    );
  jobs
    .command("resume")
    .description("enable a job and its schedule rule")
    .argument("<jobId>")
    .action(
      handle(async (ctx, jobId: string) => (await commands.jobs()).setEnabledCommand(ctx, jobId, true)),
    );
  jobs
    .command("delete")
    .description("delete a job and its schedule (asks first; --yes when stdin is not a terminal)")
    .argument("<jobId>")
    .option("-y, --yes", "delete without asking")
    .action(
      handle(async (ctx, jobId: string, options: { yes?: boolean }) =>
        (await commands.jobs()).deleteCommand(ctx, jobId, options),
      ),
    );

  program
    .command("run")
    .description("fire a job now (a manual fire); --wait follows the run to its end")
    .argument("<jobId>")
    .option(
      "-w, --wait",
      "follow the run phase by phase; exit 0 if it succeeded, 1 if not, 3 if no run appeared",
    )
    .option("--timeout <seconds>", "how long to wait (default: the job's maxRunSeconds + lease + 2 minutes)")
    .action(
      handle(async (ctx, jobId: string, options: { wait?: boolean; timeout?: string }) =>
        (await commands.run()).runCommand(ctx, jobId, options),
      ),
    );

  program
    .command("runs")
    .description("a job's run history, newest first")
    .argument("<jobId>")
    .option(
      "--status <status>",
      "only runs with this status (succeeded, failed, stalled, timed-out, abandoned, not-started, ...)",
    )
    .option("--since <when>", "only runs queued since: 30m, 1h, 2d, 1w or an ISO time")
    .option("--limit <n>", "at most N runs (default 20)")
    .action(
      handle(async (ctx, jobId: string, options: { status?: string; since?: string; limit?: string }) =>
        (await commands.runs()).runsCommand(ctx, jobId, options),
      ),
    );

  program
    .command("inspect")
    .description("one run: phase timeline chart, plugins, error, diagnostic, output, and what to check next")
    .argument("<runId>")
    .action(handle(async (ctx, runId: string) => (await commands.inspect()).inspectCommand(ctx, runId)));

  program
    .command("logs")
    .description("one run's log lines (locally its log file; in AWS the turn function's log group)")
    .argument("<runId>")
    .option("-f, --follow", "keep printing new lines until the run has ended")
    .action(
      handle(async (ctx, runId: string, options: { follow?: boolean }) =>
        (await commands.logs()).logsCommand(ctx, runId, options),
      ),
    );

  program
    .command("doctor")
    .description("check the deployment's invariants and say what to fix (exit 1 if anything fails)")
    .option(
      "--repair",
      "first re-create, enable or rewrite the job schedules that are out of step, and arm missing expected fires",
    )
    .action(
      handle(async (ctx, options: { repair?: boolean }) =>
        (await commands.doctor()).doctorCommand(ctx, options),
      ),
    );

  program
    .command("console")
    .description("the operator console in the browser: jobs, runs and their timelines, dead letters, actions")
    .option("--port <port>", "listen on this port of 127.0.0.1 (default: a free one)")
    .action(
      handle(async (ctx, options: { port?: string }) =>
        (await commands.console()).consoleCommand(ctx, options),
      ),
    );

  program
    .command("harnesses")
    .description("the harnesses and plugin types of this build, or one of them with every option it takes")
    .argument("[name]", "a harness (anthropic, command, ...) or a plugin type (mcp)")
    .action(
      handle(async (ctx, name: string | undefined) =>
        (await commands.harnesses()).harnessesCommand(ctx, name),
      ),
    );

  const dlq = program.command("dlq").description("dead-letter queues: list, redrive and purge");
  dlq
    .command("list")
    .description("peek at dead letters (nothing is consumed): why each is there, and its body")
    .argument("[queue]", "fires or turns (default both)")
    .option("--limit <n>", "at most N messages per queue (default 20)")
    .action(
      handle(async (ctx, queue: string | undefined, options: { limit?: string }) =>
        (await commands.dlq()).dlqListCommand(ctx, queue, options),
      ),
    );
  dlq
    .command("redrive")
    .description("move dead letters back to their queue (rejected ones stay unless --include-rejected)")
    .argument("[queue]", "fires or turns (default both)")
    .option("--max <n>", "move at most N messages per queue (default 1000, at most 10000)")
    .option(
      "--include-rejected",
      "also move messages agentcron rejected (they will be rejected again unless the cause is fixed)",
    )
    .action(
      handle(async (ctx, queue: string | undefined, options: { max?: string; includeRejected?: boolean }) =>
        (await commands.dlq()).dlqRedriveCommand(ctx, queue, options),
      ),
    );

  dlq
    .command("purge")
    .description("delete the dead letters of a DLQ for good (asks first; --yes without a terminal)")
    .argument("[queue]", "fires or turns (default both)")
    .option("-y, --yes", "delete without asking (needed when stdin is not a terminal)")
    .action(
      handle(async (ctx, queue: string | undefined, options: { yes?: boolean }) =>
        (await commands.dlq()).dlqPurgeCommand(ctx, queue, options),
      ),
    );

  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; everything else commander reports is a bad command line.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const { message, exitCode: code } = explainError(error);
    if (output?.json)
      output.data({ ok: false, error: { class: (error as Error).name ?? "Error", message }, exitCode: code });
    io.stderr.write(`agentcron: ${message}\n`);
    if (
      !(error instanceof CliError) &&
      code === EXIT.unhealthy &&
      io.env.AGENTCRON_DEBUG &&
      error instanceof Error
    ) {
      io.stderr.write(`${error.stack ?? ""}\n`);
    }
    return code;
  } finally {
    await deployment?.close();
  }
}
