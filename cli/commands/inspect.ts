import type { CommandContext } from "../context.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import { readRunInspection } from "../operations/run-inspection.ts";
import { renderInspection } from "../render/run-view.ts";

/**
 * `inspect RUN_ID`: the run's phase timeline as a chart (each phase scaled to the run, its deadline
 * marked), each plugin's outcome, the error, the diagnostic, the output (every line, and a command
 * agent's stream tails), and the next thing to check.
 */
export async function inspectCommand(ctx: CommandContext, runId: string): Promise<ExitCode> {
  const deployment = await ctx.connect({ readsHistory: true });
  const { run, lease, nextContext, next, nowMs, output } = await readRunInspection(deployment, runId);
  const { out } = ctx;
  out.data({
    target: deployment.label,
    run,
    holdsLease: lease !== undefined,
    lease: lease ?? null,
    next,
    output: output ?? null,
  });
  const width = Math.min(60, Math.max(20, (out.stdout.columns ?? 100) - 60));
  const wrap = out.interactive ? (out.stdout.columns ?? 100) : undefined;
  out.lines(renderInspection(run, { style: out.style, nowMs, width, next: nextContext, wrap, output }));
  return EXIT.ok;
}
